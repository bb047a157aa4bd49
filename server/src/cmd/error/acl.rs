//! The error texts of ACLs, client tracking and the introspection
//! commands (ACL, CLIENT TRACKING, MONITOR, SLOWLOG, LATENCY).

use super::{CmdError, c_prefix, c_str, joined};

/// What an ACL check refused, as the error texts name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The command or subcommand.
    Command,
    /// A key.
    Key,
    /// A password (AUTH; never a command's refusal).
    Auth,
    /// A channel.
    Channel,
}

fixed_errors! {
    /// A key the user may not touch.
    NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments";
    /// A channel the user may not use.
    NOPERM_CHANNEL = "NOPERM this user has no permissions to access one of the channels used as arguments";
    /// ACL SETUSER of a name with blanks.
    ACL_USERNAME_SPACES = "ERR Usernames can't contain spaces or null characters";
    /// ACL DELUSER default.
    ACL_DELETE_DEFAULT = "ERR The 'default' user cannot be removed";
    /// ACL LOAD or SAVE without an `aclfile`.
    ACL_NO_FILE = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";
    /// ACL SAVE that could not write the file.
    ACL_SAVE_FAILED = "ERR There was an error trying to save the ACLs. Please check the server logs for more information";
    /// ACL GENPASS with a bad bit count.
    ACL_GENPASS_BITS = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096";
}

/// The NOPERM refusal of a request the executor checked.
pub fn noperm(reason: Denied, full_name: &str) -> CmdError {
    match reason {
        Denied::Command | Denied::Auth => CmdError::owned(format!(
            "NOPERM this user has no permissions to run the '{full_name}' command"
        )),
        Denied::Key => NOPERM_KEY,
        Denied::Channel => NOPERM_CHANNEL,
    }
}

/// A queued command EXEC finds its user may no longer run.
pub fn noperm_in_exec(reason: Denied) -> CmdError {
    let why = match reason {
        Denied::Command => "no permission to execute the command or subcommand",
        Denied::Key => "no permission to touch the specified keys",
        Denied::Channel => "no permission to access one of the channels used as arguments",
        Denied::Auth => "no permission",
    };
    CmdError::owned(format!(
        "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {why}"
    ))
}

/// Redis's `getAclErrorMessage`: what the user can't do.
pub fn acl_reason(reason: Denied) -> &'static str {
    match reason {
        Denied::Command => "can't run this command or subcommand",
        Denied::Key => "can't access at least one of the keys mentioned in the command arguments",
        Denied::Channel => "can't publish to the channel mentioned in the command",
        Denied::Auth => "lacking the permissions for the command",
    }
}

/// A script's `redis.call` its user may not run.
pub fn noperm_in_script(reason: Denied) -> CmdError {
    CmdError::owned(format!(
        "ERR The user executing the script {}",
        acl_reason(reason)
    ))
}

/// ACL SETUSER with a selector's `(` never closed.
pub fn acl_unmatched_parenthesis(op: &[u8]) -> CmdError {
    joined(&[
        b"ERR Unmatched parenthesis in acl selector starting at '",
        c_str(op),
        b"'.",
    ])
}

/// ACL SETUSER with a rule refused.
pub fn acl_bad_rule(op: &[u8], why: &str) -> CmdError {
    joined(&[
        b"ERR Error in ACL SETUSER modifier '",
        c_str(op),
        b"': ",
        why.as_bytes(),
    ])
}

/// ACL CAT of an unknown category.
pub fn acl_unknown_category(name: &[u8]) -> CmdError {
    joined(&[b"ERR Unknown category '", c_prefix(name, 128), b"'"])
}

/// ACL DRYRUN of an unknown user.
pub fn acl_user_not_found(name: &[u8]) -> CmdError {
    joined(&[b"ERR User '", c_str(name), b"' not found"])
}

/// ACL DRYRUN of an unknown command.
pub fn acl_command_not_found(name: &[u8]) -> CmdError {
    joined(&[b"ERR Command '", c_str(name), b"' not found"])
}

/// ACL LOAD refused: the file's errors, as Redis lists them.
pub fn acl_load_failed(errors: &str) -> CmdError {
    CmdError::owned(format!("ERR {errors}"))
}

/// EXEC refused before it runs (Redis's `execCommandAbort`): the
/// transaction is discarded, saying why (Redis's own texts of such
/// refusals carry no `ERR`).
pub fn exec_abort_because(e: &CmdError) -> CmdError {
    let why = e.bytes().strip_prefix(b"ERR ").unwrap_or(e.bytes());
    joined(&[b"EXECABORT Transaction discarded because of: ", why])
}

fixed_errors! {
    /// CLIENT TRACKING with REDIRECT twice.
    TRACKING_ONE_REDIRECT = "ERR A client can only redirect to a single other client";
    /// CLIENT TRACKING REDIRECT to no client.
    TRACKING_NO_SUCH_REDIRECT = "ERR The client ID you want redirect to does not exist";
    /// CLIENT TRACKING PREFIX without BCAST.
    TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled";
    /// CLIENT TRACKING on switching BCAST while on.
    TRACKING_SWITCH_BCAST = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
    /// CLIENT TRACKING BCAST with OPTIN or OPTOUT.
    TRACKING_BCAST_OPTIN = "ERR OPTIN and OPTOUT are not compatible with BCAST";
    /// CLIENT TRACKING OPTIN OPTOUT.
    TRACKING_OPTIN_AND_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode";
    /// CLIENT TRACKING on switching OPTIN/OPTOUT while on.
    TRACKING_SWITCH_OPTIN = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
    /// CLIENT CACHING without tracking.
    CACHING_WITHOUT_TRACKING = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled";
    /// CLIENT CACHING YES outside OPTIN.
    CACHING_YES_NEEDS_OPTIN = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
    /// CLIENT CACHING NO outside OPTOUT.
    CACHING_NO_NEEDS_OPTOUT = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";
}

/// CLIENT TRACKING PREFIX overlapping one the client has.
pub fn prefix_overlaps_existing(prefix: &[u8], existing: &[u8]) -> CmdError {
    joined(&[
        b"ERR Prefix '",
        c_str(prefix),
        b"' overlaps with an existing prefix '",
        c_str(existing),
        b"'. Prefixes for a single client must not overlap.",
    ])
}

/// CLIENT TRACKING PREFIX overlapping another given with it.
pub fn prefix_overlaps_provided(prefix: &[u8], other: &[u8]) -> CmdError {
    joined(&[
        b"ERR Prefix '",
        c_str(prefix),
        b"' overlaps with another provided prefix '",
        c_str(other),
        b"'. Prefixes for a single client must not overlap.",
    ])
}

fixed_errors! {
    /// MONITOR inside a transaction.
    MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client";
    /// SLOWLOG GET with a bad count.
    SLOWLOG_COUNT = "ERR count should be greater than or equal to -1";
}

/// LATENCY GRAPH of an event without samples.
pub fn latency_no_samples(event: &[u8]) -> CmdError {
    joined(&[b"ERR No samples available for event '", c_str(event), b"'"])
}
