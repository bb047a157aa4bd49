//! Conversions between Redis replies and Lua values, exactly as Redis's.
//!
//! Into Lua (`redis.call` results): integers become numbers, bulk strings
//! strings, a null bulk or null array `false`, arrays tables, a status
//! `{ok=…}`, an error `{err=…}`; under `redis.setresp(3)` maps become
//! `{map={…}}`, sets `{set={m=true…}}`, doubles `{double=n}`, big numbers
//! `{big_number=s}`, verbatim strings `{verbatim_string={format=…,
//! string=…}}`, booleans booleans and the null `nil`.
//!
//! Out of Lua (a script's return value): numbers are truncated to integers,
//! `true` is 1 (RESP3: `#t`), `false` and `nil` the null bulk (RESP3 `#f`
//! for false), strings bulk strings, tables with `err`/`ok`/`double`/
//! `big_number`/`map`/`set`/`verbatim_string` their reply types, and any
//! other table an array of its elements up to the first nil.

use mlua::{Lua, Table, Value};

use crate::protocol::{Out, Resp};

/// How deeply nested a returned value may be before Redis's converter runs
/// out of Lua stack and answers `reached lua stack limit` in its place
/// (measured on Redis 7.0: a table that contains itself nests 7995 arrays).
const MAX_DEPTH: usize = 7995;

/// `{err = text}`.
pub fn error_table(lua: &Lua, text: &[u8]) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set("err", lua.create_string(text)?)?;
    Ok(Value::Table(t))
}

/// What Lua's `tostring` would show for a value raised as an error.
pub fn display(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => crate::num::format_g(*n, 14),
        Value::String(s) => s.to_string_lossy(),
        Value::Error(e) => error_text(e),
        other => other.to_string().unwrap_or_else(|_| "?".into()),
    }
}

/// The message of an error raised from Rust into Lua (SCRIPT KILL's hook),
/// without mlua's decorations.
fn error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::ExternalError(inner) => inner.to_string(),
        mlua::Error::CallbackError { cause, .. } => error_text(cause),
        mlua::Error::RuntimeError(m) => m.clone(),
        other => other.to_string(),
    }
}

/// C's `(long long)` of a Lua number: truncation toward zero, and (as on
/// x86-64) the minimum for what does not fit.
fn truncate(n: f64) -> i64 {
    if n.is_finite() && n > -9.223_372_036_854_776e18 && n < 9.223_372_036_854_776e18 {
        n as i64
    } else {
        i64::MIN
    }
}

/// Writes a script's return value as its reply. Booleans follow the
/// script's own protocol (`redis.setresp`), as in Redis: under RESP2 `true`
/// is 1 and `false` the null, whatever the client speaks.
pub fn write_reply(out: &mut Out, value: &Value, script_resp: Resp) {
    let mut work: Vec<(Value, usize)> = vec![(value.clone(), 0)];
    while let Some((v, depth)) = work.pop() {
        if depth >= MAX_DEPTH {
            out.error_bytes(crate::cmd::error::LUA_STACK_LIMIT.bytes());
            continue;
        }
        match v {
            Value::Nil => out.null(),
            Value::Boolean(b) => match (script_resp, b) {
                (Resp::V2, true) => out.int(1),
                (Resp::V2, false) => out.null(),
                (Resp::V3, b) => out.bool(b),
            },
            Value::Integer(i) => out.int(i),
            Value::Number(n) => out.int(truncate(n)),
            Value::String(s) => out.bulk(&s.as_bytes()),
            Value::Table(t) => write_table(out, &t, depth, &mut work),
            // Functions, userdata (cjson.null), threads: Redis answers nil.
            _ => out.null(),
        }
    }
}

fn string_field(t: &Table, name: &str) -> Option<mlua::LuaString> {
    match t.raw_get::<Value>(name) {
        Ok(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn write_table(out: &mut Out, t: &Table, depth: usize, work: &mut Vec<(Value, usize)>) {
    if let Some(err) = string_field(t, "err") {
        // Redis prints it with C's `%s`: up to a NUL byte.
        out.error_bytes(crate::cmd::error::c_str(&err.as_bytes()));
        return;
    }
    if let Some(ok) = string_field(t, "ok") {
        let ok = ok.as_bytes();
        let ok: Vec<u8> = crate::cmd::error::c_str(&ok)
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        out.simple_bytes(&ok);
        return;
    }
    match t.raw_get::<Value>("double") {
        Ok(Value::Number(n)) => return out.double(n),
        Ok(Value::Integer(i)) => return out.double(i as f64),
        _ => {}
    }
    if let Some(big) = string_field(t, "big_number") {
        return out.big_number(&big.to_string_lossy());
    }
    if let Ok(Value::Table(map)) = t.raw_get::<Value>("map") {
        let pairs: Vec<(Value, Value)> = map.pairs::<Value, Value>().flatten().collect();
        out.map(pairs.len());
        for (k, v) in pairs.into_iter().rev() {
            work.push((v, depth + 1));
            work.push((k, depth + 1));
        }
        return;
    }
    if let Ok(Value::Table(set)) = t.raw_get::<Value>("set") {
        let members: Vec<Value> = set
            .pairs::<Value, Value>()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        out.set(members.len());
        for m in members.into_iter().rev() {
            work.push((m, depth + 1));
        }
        return;
    }
    if let Ok(Value::Table(vs)) = t.raw_get::<Value>("verbatim_string")
        && let (Some(format), Some(text)) =
            (string_field(&vs, "format"), string_field(&vs, "string"))
    {
        out.verbatim(&format.to_string_lossy(), &text.as_bytes());
        return;
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(v),
        }
    }
    out.array(items.len());
    for v in items.into_iter().rev() {
        work.push((v, depth + 1));
    }
}

/// Turns one encoded reply (as `Out` writes them) into a Lua value.
pub fn reply_to_lua(lua: &Lua, bytes: &[u8]) -> mlua::Result<Value> {
    let mut pos = 0;
    let v = parse(lua, bytes, &mut pos)?;
    Ok(v)
}

fn line<'b>(bytes: &'b [u8], pos: &mut usize) -> mlua::Result<&'b [u8]> {
    let start = *pos;
    let end = bytes[start..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| start + i)
        .ok_or_else(|| mlua::Error::runtime("truncated reply"))?;
    *pos = end + 2;
    Ok(&bytes[start..end])
}

fn number(text: &[u8]) -> mlua::Result<i64> {
    crate::num::parse_i64(text).ok_or_else(|| mlua::Error::runtime("bad length in reply"))
}

fn bulk<'b>(bytes: &'b [u8], pos: &mut usize, len: i64) -> mlua::Result<&'b [u8]> {
    let len = usize::try_from(len).map_err(|_| mlua::Error::runtime("bad length"))?;
    let data = bytes
        .get(*pos..*pos + len)
        .ok_or_else(|| mlua::Error::runtime("truncated reply"))?;
    *pos += len + 2;
    Ok(data)
}

fn tagged(lua: &Lua, tag: &str, v: impl mlua::IntoLua) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set(tag, v)?;
    Ok(Value::Table(t))
}

fn parse(lua: &Lua, bytes: &[u8], pos: &mut usize) -> mlua::Result<Value> {
    let kind = *bytes
        .get(*pos)
        .ok_or_else(|| mlua::Error::runtime("empty reply"))?;
    *pos += 1;
    let head = line(bytes, pos)?;
    Ok(match kind {
        b'+' => tagged(lua, "ok", lua.create_string(head)?)?,
        b'-' => tagged(lua, "err", lua.create_string(head)?)?,
        b':' => Value::Number(number(head)? as f64),
        b'$' => {
            let n = number(head)?;
            if n < 0 {
                Value::Boolean(false)
            } else {
                Value::String(lua.create_string(bulk(bytes, pos, n)?)?)
            }
        }
        b'*' | b'>' => {
            let n = number(head)?;
            if n < 0 {
                return Ok(Value::Boolean(false));
            }
            let t = lua.create_table_with_capacity(n.min(1024) as usize, 0)?;
            for i in 1..=n {
                t.raw_set(i, parse(lua, bytes, pos)?)?;
            }
            Value::Table(t)
        }
        b'%' => {
            let n = number(head)?;
            let map = lua.create_table()?;
            for _ in 0..n.max(0) {
                let k = parse(lua, bytes, pos)?;
                let v = parse(lua, bytes, pos)?;
                map.raw_set(k, v)?;
            }
            tagged(lua, "map", map)?
        }
        b'~' => {
            let n = number(head)?;
            let set = lua.create_table()?;
            for _ in 0..n.max(0) {
                let m = parse(lua, bytes, pos)?;
                set.raw_set(m, true)?;
            }
            tagged(lua, "set", set)?
        }
        b'_' => Value::Nil,
        b'#' => Value::Boolean(head == b"t"),
        b',' => {
            let text = std::str::from_utf8(head).unwrap_or("0");
            let n = match text {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                _ => text.parse().unwrap_or(0.0),
            };
            tagged(lua, "double", n)?
        }
        b'(' => tagged(lua, "big_number", lua.create_string(head)?)?,
        b'=' => {
            let n = number(head)?;
            let data = bulk(bytes, pos, n)?;
            let (format, text) = if data.len() >= 4 {
                (&data[..3], &data[4..])
            } else {
                (&b"txt"[..], data)
            };
            let vs = lua.create_table()?;
            vs.raw_set("format", lua.create_string(format)?)?;
            vs.raw_set("string", lua.create_string(text)?)?;
            tagged(lua, "verbatim_string", vs)?
        }
        _ => return Err(mlua::Error::runtime("unknown reply type")),
    })
}
