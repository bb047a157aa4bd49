//! Every error reply text, byte for byte as Redis 7.0 sends it.
//!
//! Clients match on these (`WRONGTYPE`, `NOSCRIPT`, `EXECABORT`…) and
//! conformance suites compare them whole, so they live in one place and
//! commands refer to them by name.

use std::borrow::Cow;
use std::fmt;

/// An error reply: the bytes after the `-`, starting with its code.
///
/// Bytes, not text: an error that echoes what a client sent (an unknown
/// command's name and arguments, an unknown option) echoes it byte for
/// byte, as Redis does, valid UTF-8 or not.
#[derive(Clone, PartialEq, Eq)]
pub struct CmdError(Cow<'static, [u8]>);

impl CmdError {
    /// An error with a fixed text.
    pub const fn fixed(text: &'static str) -> Self {
        CmdError(Cow::Borrowed(text.as_bytes()))
    }

    /// An error with a computed text.
    pub fn owned(text: String) -> Self {
        CmdError(Cow::Owned(text.into_bytes()))
    }

    /// An error of computed bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        CmdError(Cow::Owned(bytes))
    }

    /// The error code: the first word (`ERR`, `WRONGTYPE`…).
    pub fn code(&self) -> &str {
        let word = self.0.split(|&b| b == b' ').next().unwrap_or(b"ERR");
        std::str::from_utf8(word).unwrap_or("ERR")
    }

    /// The reply's bytes (after the `-`).
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text, for logs, tests and Lua (bytes that are not UTF-8 are
    /// replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// [`CmdError::text`], owned.
    pub fn into_text(self) -> String {
        match self.0 {
            Cow::Borrowed(b) => String::from_utf8_lossy(b).into_owned(),
            Cow::Owned(b) => match String::from_utf8(b) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            },
        }
    }
}

impl fmt::Debug for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-{}", self.text())
    }
}

/// Builds an error from pieces of text and echoed bytes.
fn joined(parts: &[&[u8]]) -> CmdError {
    CmdError::from_bytes(parts.concat())
}

/// What C's `%.<max>s` prints of `bytes`: up to the first NUL, at most
/// `max` bytes. Redis formats echoed arguments so.
pub fn c_prefix(bytes: &[u8], max: usize) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end.min(max)]
}

/// What C's `%s` prints of `bytes`: up to the first NUL.
pub fn c_str(bytes: &[u8]) -> &[u8] {
    c_prefix(bytes, usize::MAX)
}

impl From<String> for CmdError {
    fn from(s: String) -> Self {
        CmdError::owned(s)
    }
}

/// Result of a command handler: the reply was written, or this error is
/// the reply.
pub type CmdResult = Result<(), CmdError>;

macro_rules! fixed_errors {
    ($($(#[$doc:meta])* $name:ident = $text:literal;)*) => {
        $($(#[$doc])* pub const $name: CmdError = CmdError::fixed($text);)*
    };
}

fixed_errors! {
    /// Generic syntax error.
    SYNTAX = "ERR syntax error";
    /// Operation against a key of another type.
    WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    /// An argument that must be a 64-bit integer is not one.
    NOT_INTEGER = "ERR value is not an integer or out of range";
    /// An argument that must be a double is not one.
    NOT_FLOAT = "ERR value is not a valid float";
    /// INCR family overflow.
    OVERFLOW = "ERR increment or decrement would overflow";
    /// INCRBYFLOAT producing NaN or infinity.
    NAN_OR_INF = "ERR increment would produce NaN or Infinity";
    /// A key that must exist does not.
    NO_SUCH_KEY = "ERR no such key";
    /// SELECT/MOVE/SWAPDB index out of range.
    DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
    /// Offset arguments out of range (SETRANGE).
    OFFSET_OUT_OF_RANGE = "ERR offset is out of range";
    /// A string would grow past proto-max-bulk-len.
    STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    /// Bit offsets out of range (SETBIT, GETBIT, BITFIELD).
    BIT_OFFSET = "ERR bit offset is not an integer or out of range";
    /// SETBIT value not 0 or 1.
    BIT_VALUE = "ERR bit is not an integer or out of range";
    /// EXPIRE family with incompatible options.
    NX_XX_GT_LT = "ERR NX and XX, GT or LT options at the same time are not compatible";
    /// GT and LT together.
    GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible";
    /// A command needing authentication.
    NOAUTH = "NOAUTH Authentication required.";
    /// AUTH with a wrong password, or for an unknown user.
    WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    /// AUTH when no password is configured.
    AUTH_NO_PASSWORD = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
    /// MULTI inside MULTI.
    MULTI_NESTED = "ERR MULTI calls can not be nested";
    /// EXEC outside MULTI.
    EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI";
    /// DISCARD outside MULTI.
    DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI";
    /// WATCH inside MULTI.
    WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed";
    /// EXEC after a queueing error.
    EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
    /// SCRIPT KILL of a script that has written.
    UNKILLABLE = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
    /// HELLO with an unsupported protocol version.
    NOPROTO = "NOPROTO unsupported protocol version";
    /// Source and destination are the same object (MOVE, COPY…).
    SAME_OBJECT = "ERR source and destination objects are the same";
    /// A timeout that is not a number.
    TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range";
    /// A negative timeout.
    TIMEOUT_NEGATIVE = "ERR timeout is negative";
    /// CLIENT KILL found nobody.
    NO_SUCH_CLIENT = "ERR No such client";
    /// A client name with spaces or newlines.
    CLIENT_NAME_CHARS = "ERR Client names cannot contain spaces, newlines or special characters.";
    /// A new connection beyond maxclients.
    MAX_CLIENTS = "ERR max number of clients reached";
    // --- strings (append string-family texts below this line) ---
    /// DECRBY of -9223372036854775808, whose negation overflows.
    DECREMENT_OVERFLOW = "ERR decrement would overflow";
    /// LCS on a key that holds another type (Redis 7.0 does not say WRONGTYPE here).
    LCS_WRONGTYPE = "ERR The specified keys must contain string values";
    /// LCS with both LEN and IDX.
    LCS_LEN_AND_IDX = "ERR If you want both the length and indexes, please just use IDX.";
    /// LCS of a string of 4 GiB or more.
    LCS_TOO_LONG = "ERR String too long for LCS";
    /// LCS whose table would be larger than proto-max-bulk-len.
    LCS_TABLE_TOO_BIG = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
    /// LCS whose table could not be allocated.
    LCS_NO_MEMORY = "ERR Insufficient memory, failed allocating transient memory for LCS";
    // --- keys (append keys-family texts below this line) ---
    /// EXPIRE family with both GT and LT.
    GT_AND_LT = "ERR GT and LT options at the same time are not compatible";
    /// A SCAN cursor that is not an unsigned 64-bit decimal.
    INVALID_CURSOR = "ERR invalid cursor";
    /// An argument read as a C `int` (MOVE, COPY … DB) outside its range.
    INT_OUT_OF_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647";
    /// SWAPDB's first index is not an `int`.
    SWAPDB_FIRST_INDEX = "ERR invalid first DB index";
    /// SWAPDB's second index is not an `int`.
    SWAPDB_SECOND_INDEX = "ERR invalid second DB index";
    /// OBJECT FREQ without an LFU maxmemory-policy.
    LFU_NOT_SELECTED = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
    /// OBJECT IDLETIME under an LFU maxmemory-policy.
    LFU_SELECTED = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
    // --- bitmaps (append bitmap-family texts below this line) ---
    /// BITPOS with a bit argument other than 0 or 1.
    BIT_ARG_NOT_BINARY = "ERR The bit argument must be 1 or 0.";
    /// BITOP NOT with other than one source key.
    BITOP_NOT_ONE_SOURCE = "ERR BITOP NOT must be called with a single source key.";
    /// BITFIELD with a type other than i1..i64 or u1..u63.
    BITFIELD_TYPE = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    /// BITFIELD OVERFLOW with a mode other than WRAP, SAT or FAIL.
    BITFIELD_OVERFLOW_TYPE = "ERR Invalid OVERFLOW type specified";
    /// BITFIELD_RO with SET or INCRBY.
    BITFIELD_RO_GET_ONLY = "ERR BITFIELD_RO only supports the GET subcommand";
    // --- lists (append list-family texts below this line) ---
    /// LSET past either end of the list.
    INDEX_OUT_OF_RANGE = "ERR index out of range";
    /// A count that must not be negative (LPOP/RPOP count), also for one that
    /// is not a number at all.
    MUST_BE_POSITIVE = "ERR value is out of range, must be positive";
    /// LPOS … RANK 0.
    LPOS_RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
    /// LPOS … COUNT negative or not a number.
    LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative";
    /// LPOS … MAXLEN negative or not a number.
    LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
    /// LMPOP/BLMPOP numkeys below 1 or not a number.
    NUMKEYS_NOT_POSITIVE = "ERR numkeys should be greater than 0";
    /// LMPOP/BLMPOP … COUNT below 1 or not a number.
    COUNT_NOT_POSITIVE = "ERR count should be greater than 0";
    // --- hashes and sets (append hash- and set-family texts below this line) ---
    /// HINCRBY on a field whose value is not an integer.
    HASH_VALUE_NOT_INTEGER = "ERR hash value is not an integer";
    /// HINCRBYFLOAT on a field whose value is not a float.
    HASH_VALUE_NOT_FLOAT = "ERR hash value is not a float";
    /// HINCRBYFLOAT by an infinite increment.
    VALUE_NAN_OR_INF = "ERR value is NaN or Infinity";
    /// SINTERCARD's numkeys beyond the arguments given.
    NUMKEYS_EXCEED_ARGS = "ERR Number of keys can't be greater than number of args";
    /// SINTERCARD's LIMIT negative or not a number.
    LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
    // --- sorted sets (append sorted-set texts below this line) ---
    /// A score range item that is not a number (ZRANGEBYSCORE, ZCOUNT…).
    MIN_MAX_NOT_FLOAT = "ERR min or max is not a float";
    /// A lex range item without `[`, `(`, `-` or `+` (ZRANGEBYLEX…).
    MIN_MAX_NOT_STRING = "ERR min or max not valid string range item";
    /// ZADD with both NX and XX.
    XX_AND_NX = "ERR XX and NX options at the same time are not compatible";
    /// ZADD INCR with more than one score-member pair.
    INCR_SINGLE_PAIR = "ERR INCR option supports a single increment-element pair";
    /// ZADD INCR / ZINCRBY adding inf and -inf.
    SCORE_NAN = "ERR resulting score is not a number (NaN)";
    /// ZRANGE … LIMIT without BYSCORE or BYLEX.
    LIMIT_NEEDS_BY = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    /// ZRANGE … BYLEX WITHSCORES.
    WITHSCORES_WITH_BYLEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    /// A WEIGHTS item that is not a number.
    WEIGHT_NOT_FLOAT = "ERR weight value is not a float";
    // --- streams (append stream-family texts below this line) ---
    /// A stream ID argument that does not parse.
    INVALID_STREAM_ID = "ERR Invalid stream ID specified as stream command argument";
    /// XADD of an ID not above the stream's last.
    XADD_ID_TOO_SMALL = "ERR The ID specified in XADD is equal or smaller than the target stream top item";
    /// XADD of `0-0`.
    XADD_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0";
    /// XADD to a stream whose last ID is the largest there is.
    STREAM_EXHAUSTED = "ERR The stream has exhausted the last possible ID, unable to add more items";
    /// XADD whose ID cannot be made (sequence overflow) or whose entry is too big.
    ELEMENTS_TOO_LARGE = "ERR Elements are too large to be stored";
    /// XADD/XTRIM … MAXLEN below 0.
    MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0.";
    /// XADD/XTRIM … LIMIT below 0.
    STREAM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0.";
    /// LIMIT with an exact trim.
    LIMIT_WITHOUT_APPROX = "ERR syntax error, LIMIT cannot be used without the special ~ option";
    /// Both MAXLEN and MINID.
    MAXLEN_AND_MINID = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
    /// LIMIT without MAXLEN or MINID.
    LIMIT_WITHOUT_STRATEGY = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
    /// XTRIM without MAXLEN or MINID.
    XTRIM_WITHOUT_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy";
    /// An exclusive start ID past the largest.
    INVALID_START_ID = "ERR invalid start ID for the interval";
    /// An exclusive end ID before `0-0`.
    INVALID_END_ID = "ERR invalid end ID for the interval";
    /// XSETID below the stream's last entry.
    XSETID_BELOW_TOP = "ERR The ID specified in XSETID is smaller than the target stream top item";
    /// XSETID … ENTRIESADDED below the stream's length.
    XSETID_ENTRIES_ADDED_SMALL = "ERR The entries_added specified in XSETID is smaller than the target stream length";
    /// XSETID below its own MAXDELETEDID.
    XSETID_BELOW_MAX_DELETED_ARG = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
    /// XSETID below the stream's max-deleted-entry-id.
    XSETID_BELOW_MAX_DELETED = "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id";
    /// XSETID … ENTRIESADDED below 0.
    ENTRIES_ADDED_NEGATIVE = "ERR entries_added must be positive";
    /// XGROUP … ENTRIESREAD below -1.
    ENTRIES_READ_NEGATIVE = "ERR value for ENTRIESREAD must be positive or -1";
    /// XGROUP on a missing key without MKSTREAM.
    XGROUP_NEEDS_KEY = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
    /// XGROUP CREATE of a group that exists.
    BUSYGROUP = "BUSYGROUP Consumer Group name already exists";
    /// XREAD … GROUP.
    GROUP_IN_XREAD = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.";
    /// XREAD … NOACK.
    NOACK_IN_XREAD = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.";
    /// STREAMS with an odd number of arguments after it (Redis 7.0 names
    /// XREAD and `$` for XREADGROUP too).
    UNBALANCED_STREAMS = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
    /// XREADGROUP without GROUP.
    XREADGROUP_NEEDS_GROUP = "ERR Missing GROUP option for XREADGROUP";
    /// XREADGROUP … `$`.
    DOLLAR_IN_XREADGROUP = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.";
    /// XREAD … `>`.
    GT_IN_XREAD = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.";
    /// A blocked XREADGROUP whose stream was deleted or replaced.
    STREAM_KEY_GONE = "UNBLOCKED the stream key no longer exists";
    /// A blocked XREADGROUP whose group went away.
    NOGROUP_BLOCKED = "NOGROUP the consumer group this client was blocked on no longer exists";
    /// A millisecond timeout that is not an integer.
    TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range";
    /// A millisecond timeout too large to add to the clock.
    TIMEOUT_OUT_OF_RANGE = "ERR timeout is out of range";
    /// XCLAIM's min-idle-time is not an integer.
    XCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XCLAIM";
    /// XCLAIM … IDLE not an integer.
    XCLAIM_IDLE = "ERR Invalid IDLE option argument for XCLAIM";
    /// XCLAIM … TIME not an integer.
    XCLAIM_TIME = "ERR Invalid TIME option argument for XCLAIM";
    /// XCLAIM … RETRYCOUNT not an integer.
    XCLAIM_RETRYCOUNT = "ERR Invalid RETRYCOUNT option argument for XCLAIM";
    /// XAUTOCLAIM's min-idle-time is not an integer.
    XAUTOCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XAUTOCLAIM";
    /// XAUTOCLAIM … COUNT out of range.
    XAUTOCLAIM_COUNT = "ERR COUNT must be > 0";
}

/// `NOGROUP No such key '<key>' or consumer group '<group>'<tail>`, the
/// key and group printed as C strings.
pub fn nogroup_key_or_group(key: &[u8], group: &[u8], tail: &str) -> CmdError {
    joined(&[
        b"NOGROUP No such key '",
        c_str(key),
        b"' or consumer group '",
        c_str(group),
        b"'",
        tail.as_bytes(),
    ])
}

/// `NOGROUP No such consumer group '<group>' for key name '<key>'`.
pub fn nogroup_for_key(group: &[u8], key: &[u8]) -> CmdError {
    joined(&[
        b"NOGROUP No such consumer group '",
        c_str(group),
        b"' for key name '",
        c_str(key),
        b"'",
    ])
}

/// `ERR Unrecognized XCLAIM option '<opt>'`.
pub fn xclaim_option(opt: &[u8]) -> CmdError {
    joined(&[b"ERR Unrecognized XCLAIM option '", c_str(opt), b"'"])
}

/// `ERR <cmd> command is not allowed with BLOCK option from scripts`.
pub fn block_in_script(cmd: &[u8]) -> CmdError {
    joined(&[
        b"ERR ",
        c_str(cmd),
        b" command is not allowed with BLOCK option from scripts",
    ])
}

/// EVALSHA of a script not in the cache.
pub const NOSCRIPT: CmdError = CmdError::fixed(fault_texts::NOSCRIPT);
/// Any command but the allowed few while a script runs past the limit.
pub const BUSY: CmdError = CmdError::fixed(fault_texts::BUSY);
/// BUSY while a function (FCALL) runs past the limit.
pub const BUSY_FUNCTION: CmdError = CmdError::fixed(
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.",
);

/// `ERR wrong number of arguments for '<cmd>' command`.
pub fn wrong_arity(full_name: &str) -> CmdError {
    CmdError::owned(format!("{WRONG_ARITY_PREFIX} for '{full_name}' command"))
}

/// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' `,
/// with the argument list cut at 128 characters as Redis cuts it.
pub fn unknown_command(args: &[bytes::Bytes]) -> CmdError {
    let mut listed = Vec::new();
    for arg in &args[1..] {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push(b'\'');
        listed.extend_from_slice(c_prefix(arg, room));
        listed.extend_from_slice(b"' ");
    }
    joined(&[
        UNKNOWN_COMMAND_PREFIX.as_bytes(),
        b" '",
        c_prefix(&args[0], 128),
        b"', with args beginning with: ",
        &listed,
    ])
}

/// `ERR unknown subcommand '<sub>'. Try <CMD> HELP.`
pub fn unknown_subcommand(sub: &[u8], container: &str) -> CmdError {
    joined(&[
        b"ERR unknown subcommand '",
        c_prefix(sub, 128),
        b"'. Try ",
        container.to_ascii_uppercase().as_bytes(),
        b" HELP.",
    ])
}

/// `ERR unknown subcommand or wrong number of arguments for '<SUB>'. Try
/// <CMD> HELP.` — what a subcommand says of extra arguments it checks itself.
pub fn subcommand_syntax(sub: &[u8], container: &str) -> CmdError {
    joined(&[
        b"ERR unknown subcommand or wrong number of arguments for '",
        c_prefix(sub, 128),
        b"'. Try ",
        container.to_ascii_uppercase().as_bytes(),
        b" HELP.",
    ])
}

/// `ERR invalid expire time in '<cmd>' command`.
pub fn invalid_expire(cmd: &str) -> CmdError {
    CmdError::owned(format!("ERR invalid expire time in '{cmd}' command"))
}

/// `ERR Unsupported option <opt>` (EXPIRE family).
pub fn unsupported_option(opt: &[u8]) -> CmdError {
    joined(&[b"ERR Unsupported option ", c_str(opt)])
}

/// `ERR Can't execute '<cmd>': only (P|S)SUBSCRIBE / … are allowed in this context`.
pub fn subscribed_context(full_name: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR Can't execute '{full_name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    ))
}

/// A value that must be within a range (`ERR <what> is out of range, must be positive` etc.).
pub fn out_of_range(what: &str) -> CmdError {
    CmdError::owned(format!("ERR {what} is out of range"))
}

/// `ERR at least 1 input key is needed for '<cmd>' command` (ZUNION,
/// ZINTER, ZDIFF, ZINTERCARD and their STORE forms).
pub fn at_least_one_key(full_name: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR at least 1 input key is needed for '{full_name}' command"
    ))
}

/// `ERR value is out of range, value must between <min> and <max>`, as
/// Redis's `getRangeLongFromObjectOrReply` words it.
pub fn value_between(min: i64, max: i64) -> CmdError {
    CmdError::owned(format!(
        "ERR value is out of range, value must between {min} and {max}"
    ))
}

/// `ERR <detail>`: an error whose text comes from elsewhere (a Lua error,
/// a conversion failure) under the generic code.
pub fn generic(detail: impl fmt::Display) -> CmdError {
    CmdError::owned(format!("ERR {detail}"))
}

/// How [`unknown_command`]'s text starts, for callers that reword it.
pub const UNKNOWN_COMMAND_PREFIX: &str = "ERR unknown command";
/// How [`wrong_arity`]'s text starts, for callers that reword it.
pub const WRONG_ARITY_PREFIX: &str = "ERR wrong number of arguments";

// --- protocol ---

/// `ERR Protocol error: <detail>`, the line Redis sends before closing a
/// connection whose request breaks the protocol.
pub fn protocol_error(detail: &str) -> CmdError {
    CmdError::owned(format!("ERR Protocol error: {detail}"))
}

/// The details of [`protocol_error`]: what a malformed request did wrong.
pub mod protocol_texts {
    /// A `*<count>` header that is not a number or is too large.
    pub const INVALID_MULTIBULK_LENGTH: &str = "invalid multibulk length";
    /// A `*<count>` header too large for an unauthenticated client.
    pub const UNAUTH_MULTIBULK_LENGTH: &str = "unauthenticated multibulk length";
    /// A `$<len>` header that is not a number or is out of range.
    pub const INVALID_BULK_LENGTH: &str = "invalid bulk length";
    /// A `$<len>` header too large for an unauthenticated client.
    pub const UNAUTH_BULK_LENGTH: &str = "unauthenticated bulk length";
    /// A `*<count>` header line without its end in sight.
    pub const TOO_BIG_MBULK_COUNT: &str = "too big mbulk count string";
    /// A `$<len>` header line without its end in sight.
    pub const TOO_BIG_BULK_COUNT: &str = "too big bulk count string";
    /// An inline request line without its end in sight.
    pub const TOO_BIG_INLINE: &str = "too big inline request";
    /// An inline request with a quote left open.
    pub const UNBALANCED_QUOTES: &str = "unbalanced quotes in request";

    /// `expected '$', got '<c>'`: a multibulk argument without its `$`.
    pub fn expected_dollar(got: char) -> String {
        format!("expected '$', got '{got}'")
    }
}

// --- config ---

/// `ERR CONFIG SET failed (possibly related to argument '<name>') - <why>`,
/// `why` one of [`config_texts`].
pub fn config_set_failed(name: &str, why: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
    ))
}

/// `ERR Unknown option or number of arguments for CONFIG SET - '<name>'`.
pub fn config_unknown_option(name: &[u8]) -> CmdError {
    joined(&[
        b"ERR Unknown option or number of arguments for CONFIG SET - '",
        c_str(name),
        b"'",
    ])
}

/// The reasons of [`config_set_failed`]: why a parameter or its value was
/// refused (at startup as well as by CONFIG SET).
pub mod config_texts {
    use std::fmt;

    /// An immutable parameter (`databases`, `daemonize`…).
    pub const IMMUTABLE: &str = "can't set immutable config";
    /// A protected parameter (`dir`, `dbfilename`…).
    pub const PROTECTED: &str = "can't set protected config";
    /// The same parameter twice in one CONFIG SET.
    pub const DUPLICATE: &str = "duplicate parameter";
    /// A boolean parameter set to neither `yes` nor `no`.
    pub const NOT_BOOL: &str = "argument must be 'yes' or 'no'";
    /// An integer parameter that does not parse.
    pub const NOT_INTEGER: &str = "argument couldn't be parsed into an integer";
    /// A memory parameter that does not parse.
    pub const NOT_MEMORY: &str = "argument must be a memory value";
    /// A memory-or-percent parameter (`maxmemory-clients`) that does not parse.
    pub const NOT_MEMORY_OR_PERCENT: &str = "argument must be a memory or percent value";
    /// An octal parameter (`unixsocketperm`) that does not parse.
    pub const NOT_OCTAL: &str = "argument couldn't be parsed as an octal number";
    /// `shutdown-on-sig*` with both SAVE and NOSAVE.
    pub const SAVE_AND_NOSAVE: &str =
        "shutdown options SAVE and NOSAVE can't be used simultaneously";
    /// `save` with an odd number of words or a bad number.
    pub const INVALID_SAVE: &str = "Invalid save parameters";
    /// `client-output-buffer-limit` not in groups of four.
    pub const BUFFER_LIMIT_ARITY: &str = "Wrong number of arguments in buffer limit configuration.";
    /// `client-output-buffer-limit` for a class other than normal, replica, pubsub.
    pub const BUFFER_LIMIT_CLASS: &str =
        "Invalid client class specified in buffer limit configuration.";
    /// `client-output-buffer-limit` with a bad size or seconds.
    pub const BUFFER_LIMIT_VALUES: &str =
        "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    /// `oom-score-adj-values` not of three words.
    pub const OOM_VALUES_ARITY: &str = "wrong number of arguments";
    /// `oom-score-adj-values` with a value outside -2000..=2000.
    pub const OOM_VALUES_RANGE: &str =
        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
    /// `latency-tracking-info-percentiles` with a word that is not a number.
    pub const PERCENTILES_INVALID: &str = "Invalid latency-tracking-info-percentiles parameters";
    /// `latency-tracking-info-percentiles` with a number outside 0..=100.
    pub const PERCENTILES_RANGE: &str =
        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
    /// A hostname parameter of 256 characters or more.
    pub const HOSTNAME_TOO_LONG: &str = "Hostnames must be less than 256 characters";
    /// A hostname parameter with other characters.
    pub const HOSTNAME_CHARS: &str =
        "Hostnames may only contain alphanumeric characters, hyphens or dots";
    /// `proc-title-template` with an unknown variable.
    pub const PROC_TITLE: &str = "template format is invalid or contains unknown variables";
    /// `bind` with more than 16 addresses.
    pub const TOO_MANY_BINDS: &str = "Too many bind addresses specified.";
    /// `notify-keyspace-events` with an unknown class.
    pub const NOTIFY_CLASS: &str = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

    /// `argument(s) must be one of the following: <a, b, c>` (an enum
    /// parameter), `list` already joined.
    pub fn one_of(list: &str) -> String {
        format!("argument(s) must be one of the following: {list}")
    }

    /// `percentage argument must be less or equal to <max>`.
    pub fn percentage_at_most(max: impl fmt::Display) -> String {
        format!("percentage argument must be less or equal to {max}")
    }

    /// `argument must be between <lo> and <hi> inclusive`.
    pub fn between(lo: impl fmt::Display, hi: impl fmt::Display) -> String {
        format!("argument must be between {lo} and {hi} inclusive")
    }

    /// [`between`] with the bounds in octal (`unixsocketperm`).
    pub fn between_octal(lo: impl fmt::Octal, hi: impl fmt::Octal) -> String {
        format!("argument must be between {lo:o} and {hi:o} inclusive")
    }
}

// --- transactions ---

fixed_errors! {
    /// A NO_MULTI command sent inside MULTI.
    NOT_IN_TRANSACTION = "ERR Command not allowed inside a transaction";
}

// --- server ---

fixed_errors! {
    /// SHUTDOWN ABORT with no shutdown to abort.
    NO_SHUTDOWN_IN_PROGRESS = "ERR No shutdown in progress.";
    /// CONFIG REWRITE: there is no file to rewrite.
    NO_CONFIG_FILE = "ERR The server is running without a config file";
    /// COMMAND GETKEYS of an unknown command.
    GETKEYS_INVALID_COMMAND = "ERR Invalid command specified";
    /// COMMAND GETKEYS of a command with the wrong number of arguments.
    GETKEYS_INVALID_ARITY = "ERR Invalid number of arguments specified for command";
    /// COMMAND GETKEYS of a command whose numkeys is bad.
    GETKEYS_INVALID_ARGUMENTS = "ERR Invalid arguments specified for command";
    /// COMMAND GETKEYS of a command without keys.
    GETKEYS_NO_KEYS = "ERR The command has no key arguments";
}

/// `ERR redsim internal error: '<cmd>' panicked (<message>); please report
/// it` — a command that panicked (a bug), its message on one line.
pub fn internal_panic(command: &str, message: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR redsim internal error: '{}' panicked ({}); please report it",
        command,
        message.replace(['\r', '\n'], " ")
    ))
}

// --- connection and client ---

fixed_errors! {
    /// HELLO whose protocol version is not a number.
    HELLO_PROTOVER = "ERR Protocol version is not an integer or out of range";
    /// HELLO without AUTH from a client that must authenticate.
    HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
    /// CLIENT LIST ID with an id that is not a positive number.
    INVALID_CLIENT_ID = "ERR Invalid client ID";
    /// CLIENT KILL ID with an id that is not a positive number.
    CLIENT_ID_NOT_POSITIVE = "ERR client-id should be greater than 0";
    /// CLIENT UNBLOCK with a reason other than TIMEOUT or ERROR.
    UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
    /// CLIENT PAUSE whose timeout is not a number.
    PAUSE_TIMEOUT = "ERR timeout is not an integer or out of range";
    /// CLIENT PAUSE with a mode other than WRITE or ALL.
    PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL";
}

/// What a client blocked by CLIENT UNBLOCK … ERROR gets, as the `&str`
/// the blocking layer carries.
pub const CLIENT_UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// `ERR Syntax error in HELLO option '<option>'`.
pub fn hello_option(option: &[u8]) -> CmdError {
    joined(&[b"ERR Syntax error in HELLO option '", c_str(option), b"'"])
}

/// `ERR Unrecognized option '<option>'` (CLIENT SETINFO).
pub fn unrecognized_option(option: &[u8]) -> CmdError {
    joined(&[b"ERR Unrecognized option '", c_str(option), b"'"])
}

/// `ERR <attr> cannot contain spaces, newlines or special characters.`
/// (CLIENT SETINFO `lib-name` / `lib-ver`).
pub fn setinfo_chars(attr: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR {attr} cannot contain spaces, newlines or special characters."
    ))
}

/// `ERR Unknown client type '<kind>'` (CLIENT LIST / KILL TYPE), `kind`
/// as the caller renders it.
pub fn unknown_client_type(kind: &[u8]) -> CmdError {
    joined(&[b"ERR Unknown client type '", c_str(kind), b"'"])
}

/// `ERR No such user '<user>'` (CLIENT KILL USER).
pub fn no_such_user(user: &[u8]) -> CmdError {
    joined(&[b"ERR No such user '", c_str(user), b"'"])
}

// --- scripting ---

fixed_errors! {
    /// The scripting engine could not be created.
    SCRIPTING_UNAVAILABLE = "ERR scripting engine unavailable";
    /// EVAL or FCALL with a negative numkeys.
    NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative";
    /// SCRIPT FLUSH with an option other than SYNC or ASYNC.
    SCRIPT_FLUSH_OPTION = "ERR SCRIPT FLUSH only support SYNC|ASYNC option";
    /// SCRIPT KILL or FUNCTION KILL with nothing running.
    NOTBUSY = "NOTBUSY No scripts in execution right now.";
    /// SCRIPT DEBUG YES or SYNC: the Lua debugger is not available.
    SCRIPT_DEBUG_UNSUPPORTED = "ERR redsim does not support the Lua debugger (SCRIPT DEBUG YES|SYNC)";
    /// SCRIPT DEBUG with a mode other than YES, SYNC or NO.
    SCRIPT_DEBUG_MODE = "ERR Use SCRIPT DEBUG YES/SYNC/NO";
    /// A script or library raised an error without a message.
    UNKNOWN_ERROR = "ERR unknown error";
    /// A script returned a value nested too deep to reply with.
    LUA_STACK_LIMIT = "ERR reached lua stack limit";
    /// `redis.sha1hex` of something not a string or number.
    HELPER_ARITY = "ERR wrong number of arguments";
    /// `redis.log` whose level is not a number.
    LOG_LEVEL_NOT_NUMBER = "ERR First argument must be a number (log level).";
    /// `redis.log` with a level outside 0..=3.
    LOG_LEVEL_INVALID = "ERR Invalid debug level.";
    /// `redis.set_repl` with unknown flags.
    SET_REPL_FLAGS = "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.";
    /// `redis.setresp` with other than one argument.
    SETRESP_ARITY = "ERR redis.setresp() requires one argument.";
    /// `redis.setresp` with a version other than 2 or 3.
    SETRESP_VERSION = "ERR RESP version must be 2 or 3.";
    /// `redis.call` without arguments.
    CALL_NO_ARGS = "ERR Please specify at least one argument for this redis lib call";
    /// `redis.call` kept and called after its script ended.
    CALL_OUTSIDE_SCRIPT = "ERR redis.call is only available while a script runs";
    /// `redis.call` with an argument that is not a string or number.
    CALL_ARG_TYPE = "ERR Lua redis lib command arguments must be strings or integers";
    /// `redis.call` of a command with the wrong number of arguments.
    CALL_WRONG_ARITY = "ERR Wrong number of args calling Redis command from script";
    /// `redis.call` of an unknown command.
    CALL_UNKNOWN_COMMAND = "ERR Unknown Redis command called from script";
    /// `redis.call` of a command scripts may not run (flag `noscript`).
    CALL_NOT_ALLOWED = "ERR This Redis command is not allowed from script";
    /// `redis.call` of a write command from a read-only script.
    CALL_WRITE_READ_ONLY = "ERR Write commands are not allowed from read-only scripts.";
}

/// What SCRIPT KILL makes the script raise (after `ERR `, see [`generic`]).
pub const SCRIPT_KILLED: &str = "Script killed by user with SCRIPT KILL...";

/// `ERR Error compiling script (new function): <message>`.
pub fn script_compile(message: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR Error compiling script (new function): {message}"
    ))
}

/// `ERR Unexpected engine in script shebang: <engine>`.
pub fn shebang_engine(engine: &str) -> CmdError {
    CmdError::owned(format!("ERR Unexpected engine in script shebang: {engine}"))
}

/// `ERR Unknown lua shebang option: <word>`.
pub fn shebang_option(word: &str) -> CmdError {
    CmdError::owned(format!("ERR Unknown lua shebang option: {word}"))
}

/// `ERR Unexpected flag in script shebang: <flag>`.
pub fn shebang_flag(flag: &str) -> CmdError {
    CmdError::owned(format!("ERR Unexpected flag in script shebang: {flag}"))
}

/// `ERR Error running script f_<sha>, <message>`: a script error that is
/// not an `{err=…}` table, `message` already cut to length.
pub fn script_run_failed(sha: &str, message: &str) -> CmdError {
    CmdError::owned(format!("ERR Error running script f_{sha}, {message}"))
}

/// `ERR redsim does not implement '<name>' yet` — a command Redis 7.0
/// has and would run from a script, which redsim lacks.
pub fn not_implemented(name: &[u8]) -> CmdError {
    joined(&[
        b"ERR redsim does not implement '",
        c_prefix(name, 128),
        b"' yet",
    ])
}

/// `<message> script: <sha>, on <source>:<line>.`: a script's error with
/// where it was raised.
pub fn script_error_at(message: &[u8], sha: &str, source: &[u8], line: i64) -> CmdError {
    joined(&[
        c_str(message),
        b" script: ",
        sha.as_bytes(),
        b", on ",
        c_str(source),
        b":",
        line.to_string().as_bytes(),
        b".",
    ])
}

// --- functions ---

fixed_errors! {
    /// The functions engine could not be created.
    FUNCTIONS_UNAVAILABLE = "ERR functions engine unavailable";
    /// FCALL of a function no library registered.
    FUNCTION_NOT_FOUND = "ERR Function not found";
    /// FCALL whose numkeys is not a number.
    BAD_NUMKEYS = "ERR Bad number of keys provided";
    /// FUNCTION DELETE of an unknown library.
    LIBRARY_NOT_FOUND = "ERR Library not found";
    /// FUNCTION FLUSH with an option other than SYNC or ASYNC.
    FUNCTION_FLUSH_OPTION = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option";
    /// FUNCTION LIST LIBRARYNAME without its pattern.
    LIBRARYNAME_MISSING = "ERR library name argument was not given";
    /// FUNCTION RESTORE with a policy other than FLUSH, APPEND or REPLACE.
    RESTORE_POLICY = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.";
    /// A library's code that returned something odd (inside [`function_registering`]).
    UNEXPECTED_RESULT = "ERR unexpected result";
    /// A library that registers no function.
    NO_FUNCTIONS_REGISTERED = "ERR No functions registered";
    /// FCALL_RO of a function, or EVAL_RO / EVALSHA_RO of a script with a
    /// shebang, without the `no-writes` flag.
    WRITE_FUNCTION_READ_ONLY = "ERR Can not execute a script with write flag using *_ro command.";
    /// Library code without a `#!` first line.
    LIBRARY_METADATA_MISSING = "ERR Missing library metadata";
    /// A `#!` first line that does not end.
    LIBRARY_METADATA_INVALID = "ERR Invalid library metadata";
    /// A `#!` first line with `name=` twice.
    LIBRARY_NAME_REPEATED = "ERR Invalid metadata value, name argument was given multiple times";
    /// A `#!` first line without `name=`.
    LIBRARY_NAME_MISSING = "ERR Library name was not given";
    /// A library name with characters other than letters, digits and `_`.
    LIBRARY_NAME_CHARS = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
}

/// What the hook raises when a library's code runs too long at load
/// (inside [`function_registering`]).
pub const FUNCTION_LOAD_TIMEOUT: &str = "FUNCTION LOAD timeout";

// The payload texts are `&str`: the payload parser knows nothing of
// `CmdError`.
/// FUNCTION RESTORE of a payload with a wrong version or checksum.
pub const PAYLOAD_WRONG: &str = "ERR DUMP payload version or checksum are wrong";
/// FUNCTION RESTORE of a payload whose library code is cut short.
pub const PAYLOAD_LIBRARY: &str = "ERR Failed loading library payload";
/// FUNCTION RESTORE of a payload holding something other than functions.
pub const PAYLOAD_NOT_FUNCTION: &str = "ERR given type is not a function";
/// FUNCTION RESTORE (release-candidate format) without a library name.
pub const PAYLOAD_LIBRARY_NAME: &str = "ERR Failed loading library name";
/// FUNCTION RESTORE (release-candidate format) without an engine name.
pub const PAYLOAD_ENGINE_NAME: &str = "ERR Failed loading engine name";
/// FUNCTION RESTORE (release-candidate format) without the description flag.
pub const PAYLOAD_DESCRIPTION_INDICATOR: &str = "ERR Failed loading library description indicator";
/// FUNCTION RESTORE (release-candidate format) without the announced description.
pub const PAYLOAD_DESCRIPTION: &str = "ERR Failed loading library description";
/// FUNCTION RESTORE (release-candidate format) without the code.
pub const PAYLOAD_BLOB: &str = "ERR Failed loading library blob";

// --- dump / restore ---

fixed_errors! {
    /// RESTORE of a key that exists, without REPLACE.
    BUSYKEY = "BUSYKEY Target key name already exists.";
    /// RESTORE with a negative TTL.
    INVALID_TTL = "ERR Invalid TTL value, must be >= 0";
    /// RESTORE … IDLETIME with a negative value.
    INVALID_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0";
    /// RESTORE … FREQ outside 0 to 255.
    INVALID_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255";
    /// RESTORE of a payload whose footer is right but whose value is not.
    BAD_DATA_FORMAT = "ERR Bad data format";
    /// RESTORE of a payload with a wrong version or checksum.
    DUMP_PAYLOAD_WRONG = "ERR DUMP payload version or checksum are wrong";
}

/// `ERR Unknown option given: <option>` (FUNCTION LOAD).
pub fn unknown_option_given(option: &[u8]) -> CmdError {
    joined(&[b"ERR Unknown option given: ", c_str(option)])
}

/// `ERR Unknown argument <arg>` (FUNCTION LIST).
pub fn unknown_argument(arg: &[u8]) -> CmdError {
    joined(&[b"ERR Unknown argument ", c_str(arg)])
}

/// `ERR Library '<name>' already exists` (FUNCTION LOAD without REPLACE).
pub fn library_exists(name: &str) -> CmdError {
    CmdError::owned(format!("ERR Library '{name}' already exists"))
}

/// `ERR Library <name> already exists` — FUNCTION RESTORE's wording,
/// without quotes.
pub fn restored_library_exists(name: &str) -> CmdError {
    CmdError::owned(format!("ERR Library {name} already exists"))
}

/// `ERR Function <name> already exists` (in another library).
pub fn function_exists(name: &str) -> CmdError {
    CmdError::owned(format!("ERR Function {name} already exists"))
}

/// `ERR Error compiling function: <message>`.
pub fn function_compile(message: &str) -> CmdError {
    CmdError::owned(format!("ERR Error compiling function: {message}"))
}

/// `ERR Error registering functions: <text>`: the library's code failed
/// when run at load.
pub fn function_registering(text: &str) -> CmdError {
    CmdError::owned(format!("ERR Error registering functions: {text}"))
}

/// `ERR Invalid metadata value given: <part>`.
pub fn invalid_metadata_value(part: &str) -> CmdError {
    CmdError::owned(format!("ERR Invalid metadata value given: {part}"))
}

/// `ERR Engine '<engine>' not found`.
pub fn engine_not_found(engine: &str) -> CmdError {
    CmdError::owned(format!("ERR Engine '{engine}' not found"))
}

// --- sort ---

fixed_errors! {
    /// SORT by a weight (or an element) that does not read as a double.
    SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double";
    /// SORT … BY a key pattern, for a user who may not read every key.
    SORT_BY_ACL = "ERR BY option of SORT denied due to insufficient ACL permissions.";
    /// SORT … GET, for a user who may not read every key.
    SORT_GET_ACL = "ERR GET option of SORT denied due to insufficient ACL permissions.";
    /// SORT BY with a key pattern in cluster mode (7.0: every pattern).
    SORT_BY_CLUSTER = "ERR BY option of SORT denied in Cluster mode.";
    /// SORT GET in cluster mode (7.0: even `GET #`).
    SORT_GET_CLUSTER = "ERR GET option of SORT denied in Cluster mode.";
}

// --- hyperloglog ---

fixed_errors! {
    /// A string that is not a HyperLogLog (Redis words it as a WRONGTYPE).
    NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    /// A sparse HyperLogLog whose code does not cover 16384 registers.
    INVALID_HLL = "INVALIDOBJ Corrupted HLL object detected";
    /// PFDEBUG of a missing key.
    PFDEBUG_NO_KEY = "ERR The specified key does not exist";
    /// PFDEBUG DECODE of a dense HyperLogLog.
    HLL_NOT_SPARSE = "ERR HLL encoding is not sparse";
    /// PFSELFTEST: a small HyperLogLog was not sparse.
    HLL_TEST_NOT_SPARSE = "ERR TESTFAILED sparse encoding not used";
    /// PFSELFTEST: the sparse and the dense estimates differ.
    HLL_TEST_DISAGREE = "ERR TESTFAILED dense/sparse disagree";
}

/// `ERR Unknown PFDEBUG subcommand '<sub>'`.
pub fn pfdebug_unknown(sub: &[u8]) -> CmdError {
    joined(&[b"ERR Unknown PFDEBUG subcommand '", c_str(sub), b"'"])
}

/// PFSELFTEST: a register read back wrong.
pub fn hll_test_register(register: usize, written: u8, read: u8) -> CmdError {
    CmdError::owned(format!(
        "ERR TESTFAILED Register {register} should be {written} but is {read}"
    ))
}

/// PFSELFTEST: an estimate too far from the truth.
pub fn hll_test_too_far(card: u64, error: u64) -> CmdError {
    CmdError::owned(format!(
        "ERR TESTFAILED Too big error. card:{card} abserr:{error}"
    ))
}

// --- geo ---

fixed_errors! {
    /// A radius that is not a number.
    NEED_NUMERIC_RADIUS = "ERR need numeric radius";
    /// A negative radius.
    RADIUS_NEGATIVE = "ERR radius cannot be negative";
    /// A box width that is not a number.
    NEED_NUMERIC_WIDTH = "ERR need numeric width";
    /// A box height that is not a number.
    NEED_NUMERIC_HEIGHT = "ERR need numeric height";
    /// A negative box side.
    BOX_NEGATIVE = "ERR height or width cannot be negative";
    /// A unit other than m, km, ft and mi.
    UNSUPPORTED_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI";
    /// A search around a member the sorted set lacks.
    MEMBER_NOT_DECODED = "ERR could not decode requested zset member";
    /// GEOSEARCH/GEORADIUS … COUNT below 1.
    GEO_COUNT_NOT_POSITIVE = "ERR COUNT must be > 0";
    /// ANY without COUNT.
    ANY_NEEDS_COUNT = "ERR the ANY argument requires COUNT argument";
}

/// `ERR invalid longitude,latitude pair <lon>,<lat>`, printed as C's `%f`.
pub fn invalid_lon_lat(longitude: f64, latitude: f64) -> CmdError {
    CmdError::owned(format!(
        "ERR invalid longitude,latitude pair {longitude:.6},{latitude:.6}"
    ))
}

/// `ERR <what> is not compatible with WITHDIST, WITHHASH and WITHCOORD
/// options`, `what` being `GEOSEARCHSTORE` or `STORE option in GEORADIUS`.
pub fn store_with_geo_options(what: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
    ))
}

/// `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for
/// <command as typed>`.
pub fn geo_exactly_one_from(command: &[u8]) -> CmdError {
    joined(&[
        b"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ",
        c_str(command),
    ])
}

/// `ERR exactly one of BYRADIUS and BYBOX can be specified for <command
/// as typed>`.
pub fn geo_exactly_one_by(command: &[u8]) -> CmdError {
    joined(&[
        b"ERR exactly one of BYRADIUS and BYBOX can be specified for ",
        c_str(command),
    ])
}

/// Errors of a server in trouble, for fault rules to answer with (public
/// as `redsim::errors`): byte for byte as Redis 7.0 sends them.
pub mod fault_texts {
    /// The dataset is still loading (after a restart).
    pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
    /// A write sent to a read-only replica (after a failover).
    pub const READONLY: &str = "READONLY You can't write against a read only replica.";
    /// A replica lost its master and does not serve stale data.
    pub const MASTERDOWN: &str =
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    /// `maxmemory` reached under a no-eviction policy.
    pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
    /// EVALSHA of a script the server does not have.
    pub const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";
    /// A script runs past `lua-time-limit`.
    pub const BUSY: &str =
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    /// `min-replicas-to-write` not met.
    pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";
    /// A failed background save stops writes.
    pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    /// The cluster is down.
    pub const CLUSTERDOWN: &str = "CLUSTERDOWN The cluster is down";
    /// A multi-key command during the resharding of its slot.
    pub const TRYAGAIN: &str = "TRYAGAIN Multiple keys request during rehashing of slot";
}

mod acl;
pub use acl::*;
mod repl;
pub use repl::*;
mod cluster;
pub use cluster::*;
