//! `loadstring` and `load` as Redis's Lua has them: text chunks only.
//!
//! Lua 5.1's loader runs any precompiled (bytecode) chunk it is given, and
//! its bytecode verifier is no defence: a crafted chunk escapes the
//! sandbox. Redis's Lua parses every chunk as source text, so a bytecode
//! string fails with the parser's own error (`unexpected symbol near
//! 'char(27)'`). These replacements do the same, with Lua 5.1's argument
//! checks and messages.

use mlua::{IntoLuaMulti, Lua, MultiValue, Value};

use super::libs::Args;

/// The first byte of a Lua binary chunk (`LUA_SIGNATURE[0]`).
const BINARY_MARK: u8 = 0x1b;

/// Compiles `source` as text under `name`: `(function)` or `(nil, message)`.
fn compile(lua: &Lua, source: &[u8], name: &str) -> mlua::Result<MultiValue> {
    // A leading blank keeps the loader from taking the chunk for bytecode;
    // the parser then meets the escape byte and reports it, as Redis's does.
    let text: std::borrow::Cow<'_, [u8]> = if source.first() == Some(&BINARY_MARK) {
        let mut v = Vec::with_capacity(source.len() + 1);
        v.push(b' ');
        v.extend_from_slice(source);
        v.into()
    } else {
        source.into()
    };
    // The name is a C string to Lua: it ends at the first NUL.
    let name = name.split('\0').next().unwrap_or_default();
    match lua
        .load(&*text)
        .set_name(name)
        .set_mode(mlua::chunk::ChunkMode::Text)
        .into_function()
    {
        Ok(f) => Value::Function(f).into_lua_multi(lua),
        Err(mlua::Error::SyntaxError { message, .. }) => (Value::Nil, message).into_lua_multi(lua),
        Err(e) => (Value::Nil, e.to_string()).into_lua_multi(lua),
    }
}

/// Lua 5.1's `loadstring(s [, chunkname])`.
pub fn loadstring(lua: &Lua, values: MultiValue) -> mlua::Result<MultiValue> {
    let args = Args::new(lua, values);
    let source = match args.get(1) {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(Value::Integer(i)) => i.to_string().into_bytes(),
        Some(Value::Number(n)) => crate::num::format_g(*n, 14).into_bytes(),
        _ => return Err(args.type_error(1, "string")),
    };
    let name = match args.get(2) {
        None | Some(Value::Nil) => String::from_utf8_lossy(&source).into_owned(),
        Some(Value::String(s)) => s.to_string_lossy(),
        Some(Value::Integer(i)) => i.to_string(),
        Some(Value::Number(n)) => crate::num::format_g(*n, 14),
        Some(_) => return Err(args.type_error(2, "string")),
    };
    compile(lua, &source, &name)
}

/// Lua 5.1's `load(func [, chunkname])`: the chunk is the concatenation of
/// the pieces `func` returns until it returns nil or "".
pub fn load(lua: &Lua, values: MultiValue) -> mlua::Result<MultiValue> {
    let args = Args::new(lua, values);
    let reader = match args.get(1) {
        Some(Value::Function(f)) => f.clone(),
        _ => return Err(args.type_error(1, "function")),
    };
    let name = match args.get(2) {
        None | Some(Value::Nil) => "=(load)".to_string(),
        Some(Value::String(s)) => s.to_string_lossy(),
        Some(_) => return Err(args.type_error(2, "string")),
    };
    let mut source = Vec::new();
    loop {
        match reader.call::<Value>(())? {
            Value::Nil => break,
            Value::String(s) if s.as_bytes().is_empty() => break,
            Value::String(s) => source.extend_from_slice(&s.as_bytes()),
            _ => {
                return (Value::Nil, "reader function must return a string").into_lua_multi(lua);
            }
        }
    }
    compile(lua, &source, &name)
}
