//! Script errors as Redis 7.0 words them: the `{err=…}` tables
//! `redis.call` raises, the final reply's text with script and line,
//! compile errors, and the marker SCRIPT KILL raises.

use bytes::Bytes;
use mlua::{Lua, Table, Value};

use super::convert;
use crate::cmd::error::{self, CmdError};
use crate::protocol::Out;

/// A Lua error as an `ERR …` reply.
pub(super) fn lua_err(e: mlua::Error) -> CmdError {
    error::generic(e)
}

/// An error `redis.call` raises: the bytes of the `{err=…}` table.
#[derive(Debug)]
pub(super) struct ScriptError(pub(super) Vec<u8>);

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl std::error::Error for ScriptError {}

/// Turns an error raised from Rust back into the value Redis's C code
/// would have raised: the `{err=…}` table for `redis.*` errors and SCRIPT
/// KILL, the plain message string for a library function's complaint
/// (cjson, struct… raise strings, as Lua's C functions do). Any other
/// value is returned as it is.
pub(super) fn normalize(lua: &Lua, v: Value) -> mlua::Result<Value> {
    let Value::Error(e) = v else {
        return Ok(v);
    };
    match raised(&e) {
        Raised::Table(text) => convert::error_table(lua, &text),
        Raised::Message(text) => Ok(Value::String(lua.create_string(text)?)),
    }
}

pub(super) enum Raised {
    Table(Vec<u8>),
    Message(String),
}

pub(super) fn raised(e: &mlua::Error) -> Raised {
    match e {
        mlua::Error::CallbackError { cause, .. } => raised(cause),
        mlua::Error::WithContext { cause, .. } => raised(cause),
        mlua::Error::ExternalError(inner) => {
            if let Some(ScriptError(text)) = inner.downcast_ref::<ScriptError>() {
                Raised::Table(text.clone())
            } else if inner.downcast_ref::<Killed>().is_some() {
                Raised::Table(error::generic(inner).bytes().to_vec())
            } else {
                Raised::Message(inner.to_string())
            }
        }
        mlua::Error::RuntimeError(m) => Raised::Message(m.clone()),
        other => Raised::Message(other.to_string()),
    }
}

/// An error of a `redis.*` helper: raised as `{err="<text>"}`.
pub(super) fn helper_error(e: CmdError) -> mlua::Error {
    mlua::Error::external(ScriptError(e.bytes().to_vec()))
}

/// The marker error raised by the hook when SCRIPT KILL asked.
#[derive(Debug)]
pub(super) struct Killed;

impl std::fmt::Display for Killed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(error::SCRIPT_KILLED)
    }
}

impl std::error::Error for Killed {}

/// The source and current line of the innermost frame that belongs to the
/// user's script (not to the sandbox, not a C function).
pub(super) fn innermost_user_frame(lua: &Lua) -> (Option<String>, Option<i64>) {
    for level in 0..256 {
        let found = lua.inspect_stack(level, |dbg| {
            let src = dbg.source();
            let ours = src.source.as_deref() == Some("=redsim");
            if src.what == "C" || ours {
                None
            } else {
                Some((
                    src.source.as_deref().map(str::to_string),
                    dbg.current_line().map(|l| l as i64),
                ))
            }
        });
        match found {
            None => break,
            Some(None) => continue,
            Some(Some(frame)) => return frame,
        }
    }
    (None, None)
}

/// The text of a compile error, as Lua words it for a chunk named
/// `@user_script`.
pub(super) fn compile_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// `{ [1]=…, … }` of byte strings (KEYS, ARGV). UTF-8 items (nearly all)
/// go onto the Lua stack directly; others through a string handle.
pub(super) fn string_table(lua: &Lua, items: &[Bytes]) -> Result<Table, CmdError> {
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        values.push(match std::str::from_utf8(item) {
            Ok(text) => mlua::Either::Left(text),
            Err(_) => mlua::Either::Right(lua.create_string(item).map_err(lua_err)?),
        });
    }
    lua.create_sequence_from(values).map_err(lua_err)
}

/// The reply of a script that raised: `-<err> script: <sha>, on <source>:<line>.`
/// Redis's text for a script error that is not an `{err=…}` table.
pub(super) fn bare_error(sha: &str, msg: &str) -> String {
    let mut end = msg.len().min(100);
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    error::script_run_failed(sha, &msg[..end]).into_text()
}

pub(super) fn write_script_error(out: &mut Out, value: &Value, sha: &str) {
    let field = |t: &Table, name: &str| -> Option<Vec<u8>> {
        t.raw_get::<Option<mlua::LuaString>>(name)
            .ok()
            .flatten()
            .map(|s| s.as_bytes().to_vec())
    };
    let (msg, source, line) = match value {
        Value::Table(t) => (
            field(t, "err"),
            field(t, "source"),
            t.raw_get::<Option<i64>>("line").ok().flatten(),
        ),
        // Only what bypasses the error handler (a memory error, an error
        // in the handler itself) arrives as a bare value: Redis names the
        // function and keeps 100 bytes of the message.
        other => (
            Some(bare_error(sha, &convert::display(other)).into_bytes()),
            None,
            None,
        ),
    };
    let msg = msg.unwrap_or_else(|| error::UNKNOWN_ERROR.bytes().to_vec());
    match (source, line) {
        (Some(source), Some(line)) => {
            out.error_bytes(error::script_error_at(&msg, sha, &source, line).bytes());
        }
        _ => out.error_bytes(error::c_str(&msg)),
    }
}
