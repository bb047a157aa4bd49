//! Every error reply text, byte for byte as Redis 7.0 sends it.
//!
//! Clients match on these (`WRONGTYPE`, `NOSCRIPT`, `EXECABORT`…) and
//! conformance suites compare them whole, so they live in one place and
//! commands refer to them by name.

use std::borrow::Cow;
use std::fmt;

/// An error reply: the text after the `-`, starting with its code.
#[derive(Clone, PartialEq, Eq)]
pub struct CmdError(pub Cow<'static, str>);

impl CmdError {
    /// An error with a fixed text.
    pub const fn fixed(text: &'static str) -> Self {
        CmdError(Cow::Borrowed(text))
    }

    /// An error with a computed text.
    pub fn owned(text: String) -> Self {
        CmdError(Cow::Owned(text))
    }

    /// The error code: the first word (`ERR`, `WRONGTYPE`…).
    pub fn code(&self) -> &str {
        self.0.split(' ').next().unwrap_or("ERR")
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-{}", self.0)
    }
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
    CmdError::owned(format!(
        "ERR wrong number of arguments for '{full_name}' command"
    ))
}

/// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' `,
/// with the argument list cut at 128 characters as Redis cuts it.
pub fn unknown_command(args: &[bytes::Bytes]) -> CmdError {
    let name = lossy_prefix(&args[0], 128);
    let mut listed = String::new();
    for arg in &args[1..] {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push('\'');
        listed.push_str(&lossy_prefix(arg, room));
        listed.push_str("' ");
    }
    CmdError::owned(format!(
        "ERR unknown command '{name}', with args beginning with: {listed}"
    ))
}

/// `ERR unknown subcommand '<sub>'. Try <CMD> HELP.`
pub fn unknown_subcommand(sub: &[u8], container: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        lossy_prefix(sub, 128),
        container.to_ascii_uppercase()
    ))
}

/// `ERR unknown subcommand or wrong number of arguments for '<SUB>'. Try
/// <CMD> HELP.` — what a subcommand says of extra arguments it checks itself.
pub fn subcommand_syntax(sub: &[u8], container: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        lossy_prefix(sub, 128),
        container.to_ascii_uppercase()
    ))
}

/// `ERR invalid expire time in '<cmd>' command`.
pub fn invalid_expire(cmd: &str) -> CmdError {
    CmdError::owned(format!("ERR invalid expire time in '{cmd}' command"))
}

/// `ERR Unsupported option <opt>` (EXPIRE family).
pub fn unsupported_option(opt: &[u8]) -> CmdError {
    CmdError::owned(format!(
        "ERR Unsupported option {}",
        String::from_utf8_lossy(opt)
    ))
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

/// The first `max` bytes of `bytes` as text (lossy), as `%.<max>s` prints.
pub fn lossy_prefix(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned()
}

/// `ERR value is out of range, value must between <min> and <max>`
/// (Redis's `getRangeLongFromObjectOrReply`, grammar included).
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
