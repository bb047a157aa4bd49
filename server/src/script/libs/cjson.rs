//! `cjson`: Lua CJSON 2.1.0 as Redis bundles it — JSON encoding and
//! decoding, with its configuration functions and `cjson.new`.
//!
//! Encoding: a table whose keys are all positive integers is an array
//! (holes become `null`; "excessively sparse" ones are an error unless
//! configured otherwise), any other table an object with its keys in
//! `next` order; numbers use `%.14g`; `/` and control characters are
//! escaped. Decoding: strict JSON plus what C's `strtod` reads (`+1`,
//! hex, `inf`, `nan`), JSON null as `cjson.null` (a NULL light userdata).
//! Each module table has its own configuration, kept for the life of the
//! Lua state (so one script's settings stay for the next, as in Redis).

use std::sync::Arc;

mod decode;

use mlua::{Function, IntoLuaMulti, LightUserData, Lua, MultiValue, Table, Value};
use parking_lot::Mutex;

use super::capi::{Args, LuaStack, MAX_C_STACK, c_int, format_g, function, number, type_name};
use decode::decode;

/// The settings one module table's functions share.
#[derive(Clone)]
struct Config {
    sparse_convert: i32,
    sparse_ratio: i32,
    sparse_safe: i32,
    encode_max_depth: i32,
    decode_max_depth: i32,
    /// 0: refuse NaN and infinities, 1: write them, 2: write `null`.
    encode_invalid_numbers: i32,
    decode_invalid_numbers: i32,
    keep_buffer: i32,
    precision: i32,
}

/// A configuration function's body.
type Setter = fn(&Args, &mut Config) -> mlua::Result<MultiValue>;

const DEFAULTS: Config = Config {
    sparse_convert: 0,
    sparse_ratio: 2,
    sparse_safe: 10,
    encode_max_depth: 1000,
    decode_max_depth: 1000,
    encode_invalid_numbers: 0,
    decode_invalid_numbers: 1,
    keep_buffer: 1,
    precision: 14,
};

/// Builds a `cjson` table with a fresh configuration.
pub(crate) fn module(lua: &Lua) -> mlua::Result<Table> {
    // Objects are walked with Lua's own `next`, which gives Redis's key
    // order and can resume from any key.
    let next: Function = lua.globals().raw_get("next")?;
    lua.set_named_registry_value(NEXT_KEY, next)?;
    new_module(lua)
}

/// Where Lua's `next` is kept for `encode`. A function handle captured by
/// a Rust callback (and cloned per `cjson.new`) would outlive the Lua
/// state's close in mlua's shared reference counter (16 bytes per state;
/// the fuzzer's leak checker found it), so the callbacks look it up.
const NEXT_KEY: &str = "redsim.cjson.next";

fn new_module(lua: &Lua) -> mlua::Result<Table> {
    let cfg = Arc::new(Mutex::new(DEFAULTS));
    let t = lua.create_table()?;
    let c = cfg.clone();
    t.raw_set(
        "encode",
        function(lua, move |args| {
            let cfg = c.lock().clone();
            let next: Function = args.lua().named_registry_value(NEXT_KEY)?;
            encode(args, &cfg, &next)
        })?,
    )?;
    let c = cfg.clone();
    t.raw_set(
        "decode",
        function(lua, move |args| {
            let cfg = c.lock().clone();
            decode(args, &cfg)
        })?,
    )?;
    let options: [(&str, Setter); 7] = [
        ("encode_sparse_array", sparse_array),
        ("encode_max_depth", |a, c| {
            int_option(a, 1, &mut c.encode_max_depth, 1, i32::MAX)
        }),
        ("decode_max_depth", |a, c| {
            int_option(a, 1, &mut c.decode_max_depth, 1, i32::MAX)
        }),
        ("encode_number_precision", |a, c| {
            int_option(a, 1, &mut c.precision, 1, 14)
        }),
        ("encode_keep_buffer", |a, c| {
            enum_option(a, 1, &mut c.keep_buffer, &["off", "on"])
        }),
        ("encode_invalid_numbers", |a, c| {
            enum_option(a, 1, &mut c.encode_invalid_numbers, &["off", "on", "null"])
        }),
        ("decode_invalid_numbers", |a, c| {
            enum_option(a, 1, &mut c.decode_invalid_numbers, &["off", "on"])
        }),
    ];
    for (name, f) in options {
        let c = cfg.clone();
        // Work on a copy (no lock held while Lua runs); a setting changed
        // before a later argument fails stays changed, as in CJSON.
        t.raw_set(
            name,
            function(lua, move |args| {
                let mut copy = c.lock().clone();
                let r = f(args, &mut copy);
                *c.lock() = copy;
                r
            })?,
        )?;
    }
    t.raw_set(
        "new",
        function(lua, move |args| {
            new_module(args.lua())?.into_lua_multi(args.lua())
        })?,
    )?;
    t.raw_set("null", LightUserData(std::ptr::null_mut()))?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

// ===== Configuration =====

/// `json_arg_init`: at most `n` arguments.
fn arg_init(args: &Args, n: usize) -> mlua::Result<()> {
    args.check(args.count() <= n, n as i64 + 1, "found too many arguments")
}

/// An integer setting: argument `idx` if given (a C `int`, range-checked
/// with the error always naming argument 1, as CJSON does), then its value.
fn int_value(
    args: &Args,
    idx: usize,
    setting: &mut i32,
    min: i32,
    max: i32,
) -> mlua::Result<Value> {
    if !args.is_none_or_nil(idx) {
        let v = args.check_integer(idx)? as i32;
        args.check(
            min <= v && v <= max,
            1,
            &format!("expected integer between {min} and {max}"),
        )?;
        *setting = v;
    }
    Ok(Value::Number(f64::from(*setting)))
}

fn int_option(
    args: &Args,
    idx: usize,
    setting: &mut i32,
    min: i32,
    max: i32,
) -> mlua::Result<MultiValue> {
    arg_init(args, 1)?;
    Ok(MultiValue::from_iter([int_value(
        args, idx, setting, min, max,
    )?]))
}

/// An enumerated setting: a boolean (true is option 1) or an option name;
/// reads back as a boolean for options 0 and 1, else as the name.
fn enum_value(args: &Args, idx: usize, setting: &mut i32, options: &[&str]) -> mlua::Result<Value> {
    match args.get(idx) {
        None | Some(Value::Nil) => {}
        Some(Value::Boolean(b)) => *setting = i32::from(*b),
        Some(_) => {
            let name = args.check_c_string(idx)?;
            match options.iter().position(|o| o.as_bytes() == name) {
                Some(i) => *setting = i as i32,
                None => {
                    let name = String::from_utf8_lossy(&name);
                    return Err(args.arg_error(idx as i64, format!("invalid option '{name}'")));
                }
            }
        }
    }
    Ok(match options.get(*setting as usize) {
        Some(name) if *setting > 1 => Value::String(args.lua().create_string(name)?),
        _ => Value::Boolean(*setting == 1),
    })
}

fn enum_option(
    args: &Args,
    idx: usize,
    setting: &mut i32,
    options: &[&str],
) -> mlua::Result<MultiValue> {
    arg_init(args, 1)?;
    Ok(MultiValue::from_iter([enum_value(
        args, idx, setting, options,
    )?]))
}

/// `encode_sparse_array([convert [, ratio [, safe]]])`.
fn sparse_array(args: &Args, c: &mut Config) -> mlua::Result<MultiValue> {
    arg_init(args, 3)?;
    let convert = enum_value(args, 1, &mut c.sparse_convert, &["off", "on"])?;
    let ratio = int_value(args, 2, &mut c.sparse_ratio, 0, i32::MAX)?;
    let safe = int_value(args, 3, &mut c.sparse_safe, 0, i32::MAX)?;
    Ok(MultiValue::from_iter([convert, ratio, safe]))
}

// ===== Encoding =====

/// Appends `s` as a JSON string: `"`, `\\` and `/` escaped, control
/// characters and DEL as `\b \t \n \f \r` or `\u00xx`, other bytes as
/// they are (UTF-8 is not checked).
fn append_string(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            8 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            12 => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0..=31 | 127 => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// An open table while encoding.
enum Frame {
    Array { len: i32, i: i32 },
    Object { first: bool },
}

struct Encoder<'a, 'b> {
    args: &'a Args<'b>,
    cfg: &'a Config,
    out: Vec<u8>,
}

impl Encoder<'_, '_> {
    /// `json_encode_exception`.
    fn fail(&self, v: &Value, reason: &str) -> mlua::Error {
        let t = type_name(Some(v));
        self.args.error(format!("Cannot serialise {t}: {reason}"))
    }

    fn number(&mut self, v: &Value) -> mlua::Result<()> {
        let n = number(v).unwrap_or(0.0);
        if n.is_nan() || n.is_infinite() {
            match self.cfg.encode_invalid_numbers {
                0 => return Err(self.fail(v, "must not be NaN or Inf")),
                1 if n.is_nan() => {
                    self.out.extend_from_slice(b"nan");
                    return Ok(());
                }
                1 => {}
                _ => {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                }
            }
        }
        let s = format_g(n, self.cfg.precision as usize);
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    /// Appends a value that is not a table.
    fn scalar(&mut self, v: &Value) -> mlua::Result<()> {
        match v {
            Value::String(s) => append_string(&mut self.out, &s.as_bytes()),
            Value::Integer(_) | Value::Number(_) => self.number(v)?,
            Value::Boolean(true) => self.out.extend_from_slice(b"true"),
            Value::Boolean(false) => self.out.extend_from_slice(b"false"),
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::LightUserData(p) if p.0.is_null() => self.out.extend_from_slice(b"null"),
            _ => return Err(self.fail(v, "type not supported")),
        }
        Ok(())
    }

    /// `lua_array_length`: the array length, or -1 for an object. Numbers
    /// go through a C `int`, so keys past 2^31 give a negative length and
    /// the table is encoded as an object.
    fn array_length(&self, t: &Table) -> mlua::Result<i32> {
        let (mut max, mut items) = (0i32, 0i32);
        for pair in t.pairs::<Value, Value>() {
            let (k, _) = pair?;
            match number(&k) {
                Some(k) if k != 0.0 && k.floor() == k && k >= 1.0 => {
                    if k > f64::from(max) {
                        max = c_int(k);
                    }
                    items = items.wrapping_add(1);
                }
                _ => return Ok(-1),
            }
        }
        let c = self.cfg;
        if c.sparse_ratio > 0 && max > items.wrapping_mul(c.sparse_ratio) && max > c.sparse_safe {
            if c.sparse_convert == 0 {
                return Err(self.fail(&Value::Table(t.clone()), "excessively sparse array"));
            }
            return Ok(-1);
        }
        Ok(max)
    }
}

/// `cjson.encode(value)`.
fn encode(args: &Args, cfg: &Config, next: &Function) -> mlua::Result<MultiValue> {
    args.check(args.count() == 1, 1, "expected 1 argument")?;
    let lua = args.lua();
    let mut e = Encoder {
        args,
        cfg,
        out: Vec::new(),
    };
    let mut frames: Vec<Frame> = Vec::new();
    // The innermost table and its last key; outer ones wait on `saved`.
    let mut cur: Option<Table> = None;
    let mut key = Value::Nil;
    let mut saved = LuaStack::new(lua)?;
    // Lua stack slots the C encoder would use: its argument, then 1 per
    // open array (the element) and 2 per open object (key and value).
    let mut slots = 1;
    let mut pending = args.get(1).cloned().unwrap_or(Value::Nil);
    loop {
        if let Value::Table(t) = pending {
            let depth = frames.len() + 1;
            if depth > cfg.encode_max_depth as usize || slots + 3 > MAX_C_STACK {
                return Err(args.error(format!("Cannot serialise, excessive nesting ({depth})")));
            }
            let len = e.array_length(&t)?;
            if let Some(outer) = cur.replace(t) {
                saved.push(Value::Table(outer))?;
                saved.push(std::mem::take(&mut key))?;
            }
            if len > 0 {
                e.out.push(b'[');
                frames.push(Frame::Array { len, i: 0 });
                slots += 1;
            } else {
                e.out.push(b'{');
                frames.push(Frame::Object { first: true });
                slots += 2;
            }
        } else {
            e.scalar(&pending)?;
        }
        // Find the next value to write, closing finished tables.
        pending = loop {
            let (Some(frame), Some(t)) = (frames.last_mut(), cur.as_ref()) else {
                let s = lua.create_string(&e.out)?;
                return Ok(MultiValue::from_iter([Value::String(s)]));
            };
            match frame {
                Frame::Array { len, i } if *i < *len => {
                    if *i > 0 {
                        e.out.push(b',');
                    }
                    *i += 1;
                    break t.raw_get::<Value>(*i)?;
                }
                Frame::Array { .. } => {
                    e.out.push(b']');
                    slots -= 1;
                }
                Frame::Object { first } => {
                    let (k, v): (Value, Value) = next.call((t, key.clone()))?;
                    if !k.is_nil() {
                        if !*first {
                            e.out.push(b',');
                        }
                        *first = false;
                        match &k {
                            Value::Integer(_) | Value::Number(_) => {
                                e.out.push(b'"');
                                e.number(&k)?;
                                e.out.extend_from_slice(b"\":");
                            }
                            Value::String(s) => {
                                append_string(&mut e.out, &s.as_bytes());
                                e.out.push(b':');
                            }
                            _ => return Err(e.fail(&k, "table key must be a number or string")),
                        }
                        key = k;
                        break v;
                    }
                    e.out.push(b'}');
                    slots -= 2;
                }
            }
            frames.pop();
            cur = None;
            if !frames.is_empty() {
                key = saved.pop()?;
                if let Value::Table(outer) = saved.pop()? {
                    cur = Some(outer);
                }
            }
        };
    }
}
