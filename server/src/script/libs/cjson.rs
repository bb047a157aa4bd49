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

use mlua::{Function, IntoLuaMulti, LightUserData, Lua, MultiValue, Table, Value};
use parking_lot::Mutex;

use super::{Args, LuaStack, MAX_C_STACK, c_int, format_g, function, number};

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
    new_module(lua, next)
}

fn new_module(lua: &Lua, next: Function) -> mlua::Result<Table> {
    let cfg = Arc::new(Mutex::new(DEFAULTS));
    let t = lua.create_table()?;
    let c = cfg.clone();
    let n = next.clone();
    t.raw_set(
        "encode",
        function(lua, move |args| {
            let cfg = c.lock().clone();
            encode(args, &cfg, &n)
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
    let options: [(&str, fn(&Args, &mut Config) -> mlua::Result<MultiValue>); 7] = [
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
            new_module(args.lua(), next.clone())?.into_lua_multi(args.lua())
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
    Ok(match *setting {
        0 | 1 => Value::Boolean(*setting == 1),
        n => Value::String(args.lua().create_string(options[n as usize])?),
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

/// How each byte is written inside a JSON string (`None`: as itself).
fn escape(b: u8) -> Option<&'static [u8]> {
    const CONTROL: [&[u8]; 32] = [
        b"\\u0000", b"\\u0001", b"\\u0002", b"\\u0003", b"\\u0004", b"\\u0005", b"\\u0006",
        b"\\u0007", b"\\b", b"\\t", b"\\n", b"\\u000b", b"\\f", b"\\r", b"\\u000e", b"\\u000f",
        b"\\u0010", b"\\u0011", b"\\u0012", b"\\u0013", b"\\u0014", b"\\u0015", b"\\u0016",
        b"\\u0017", b"\\u0018", b"\\u0019", b"\\u001a", b"\\u001b", b"\\u001c", b"\\u001d",
        b"\\u001e", b"\\u001f",
    ];
    match b {
        0..=31 => Some(CONTROL[b as usize]),
        b'"' => Some(b"\\\""),
        b'/' => Some(b"\\/"),
        b'\\' => Some(b"\\\\"),
        127 => Some(b"\\u007f"),
        _ => None,
    }
}

fn append_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match escape(b) {
            Some(e) => out.extend_from_slice(e),
            None => out.push(b),
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
        let t = super::type_name(Some(v));
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

// ===== Decoding =====

/// A JSON token; errors carry CJSON's description.
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str(Vec<u8>),
    Num(f64),
    Bool(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Tok {
    /// The name CJSON's parse errors give a token.
    fn name(&self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str(_) => "T_STRING",
            Tok::Num(_) => "T_NUMBER",
            Tok::Bool(_) => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(e) => e,
        }
    }
}

/// The JSON text up to its first NUL (the C parser's end), and a position.
struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    invalid_numbers: bool,
}

impl Lexer<'_> {
    /// The byte at `i`, 0 past the end.
    fn at(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    /// The next token and where it starts.
    fn next(&mut self) -> (Tok, usize) {
        while matches!(self.at(self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let start = self.pos;
        let single = match self.at(start) {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b',' => Some(Tok::Comma),
            b':' => Some(Tok::Colon),
            _ => None,
        };
        if let Some(tok) = single {
            self.pos += 1;
            return (tok, start);
        }
        let rest = &self.data[start..];
        let tok = match self.at(start) {
            0 => Tok::End,
            b'"' => self.string(),
            b'-' | b'0'..=b'9' if !self.invalid_numbers && self.is_invalid_number() => {
                Tok::Error("invalid number")
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' if rest.starts_with(b"true") => self.word(4, Tok::Bool(true)),
            b'f' if rest.starts_with(b"false") => self.word(5, Tok::Bool(false)),
            b'n' if rest.starts_with(b"null") => self.word(4, Tok::Null),
            b'f' | b'i' | b'I' | b'n' | b'N' | b't' | b'+'
                if self.invalid_numbers && self.is_invalid_number() =>
            {
                self.number()
            }
            _ => Tok::Error("invalid token"),
        };
        // An error is reported where the lexer stopped.
        let at = if let Tok::Error(_) = tok {
            self.pos
        } else {
            start
        };
        (tok, at)
    }

    fn word(&mut self, len: usize, tok: Tok) -> Tok {
        self.pos += len;
        tok
    }

    /// `json_is_invalid_number`: what strict JSON refuses but `strtod`
    /// reads — a `+`, hex, leading zeros, `inf`, `nan`.
    fn is_invalid_number(&self) -> bool {
        let mut p = self.pos;
        match self.at(p) {
            b'+' => return true,
            b'-' => p += 1,
            _ => {}
        }
        let ch = self.at(p);
        if ch == b'0' {
            let ch2 = self.at(p + 1);
            return ch2 | 0x20 == b'x' || ch2.is_ascii_digit();
        }
        // C's char is signed: bytes from 0x80 compare below '9'.
        if (ch as i8) <= b'9' as i8 {
            return false;
        }
        let word = &self.data[p.min(self.data.len())..];
        [b"inf", b"nan"]
            .iter()
            .any(|w| word.len() >= 3 && word[..3].eq_ignore_ascii_case(*w))
    }

    fn number(&mut self) -> Tok {
        let r = crate::num::strtod::strtod(&self.data[self.pos..]);
        if r.used == 0 {
            return Tok::Error("invalid number");
        }
        // The shared strtod drops the sign of a NaN; glibc keeps it.
        let value = if r.value.is_nan() && self.at(self.pos) == b'-' {
            -f64::NAN
        } else {
            r.value
        };
        self.pos += r.used;
        Tok::Num(value)
    }

    /// A string token; an error leaves the position at the fault.
    fn string(&mut self) -> Tok {
        self.pos += 1;
        let mut s = Vec::new();
        loop {
            let ch = self.at(self.pos);
            match ch {
                b'"' => break,
                0 => return Tok::Error("unexpected end of string"),
                b'\\' => {
                    let esc = match self.at(self.pos + 1) {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 8,
                        b't' => b'\t',
                        b'n' => b'\n',
                        b'f' => 12,
                        b'r' => b'\r',
                        b'u' => match self.unicode_escape(&mut s) {
                            Some(len) => {
                                self.pos += len;
                                continue;
                            }
                            None => return Tok::Error("invalid unicode escape code"),
                        },
                        _ => return Tok::Error("invalid escape code"),
                    };
                    s.push(esc);
                    self.pos += 2;
                }
                _ => {
                    s.push(ch);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        Tok::Str(s)
    }

    /// Four hex digits at `i`.
    fn hex4(&self, i: usize) -> Option<u32> {
        (i..i + 4).try_fold(0, |a, j| {
            Some((a << 4) | (self.at(j) as char).to_digit(16)?)
        })
    }

    /// `\uXXXX` (or a surrogate pair) at the position, appended as UTF-8;
    /// returns the escape's length.
    fn unicode_escape(&self, out: &mut Vec<u8>) -> Option<usize> {
        let mut cp = self.hex4(self.pos + 2)?;
        let mut len = 6;
        if cp & 0xF800 == 0xD800 {
            if cp & 0x400 != 0 || self.at(self.pos + 6) != b'\\' || self.at(self.pos + 7) != b'u' {
                return None;
            }
            let low = self.hex4(self.pos + 8)?;
            if low & 0xFC00 != 0xDC00 {
                return None;
            }
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            len = 12;
        }
        // CJSON's own UTF-8 writer (code points never exceed 0x10FFFF here).
        match cp {
            0..=0x7F => out.push(cp as u8),
            0x80..=0x7FF => out.extend([(cp >> 6) as u8 | 0xC0, (cp & 0x3F) as u8 | 0x80]),
            0x800..=0xFFFF => out.extend([
                (cp >> 12) as u8 | 0xE0,
                ((cp >> 6) & 0x3F) as u8 | 0x80,
                (cp & 0x3F) as u8 | 0x80,
            ]),
            _ => out.extend([
                (cp >> 18) as u8 | 0xF0,
                ((cp >> 12) & 0x3F) as u8 | 0x80,
                ((cp >> 6) & 0x3F) as u8 | 0x80,
                (cp & 0x3F) as u8 | 0x80,
            ]),
        }
        Some(len)
    }
}

/// An open container while decoding: the next array index, or the key
/// whose value is being read.
enum Ctx {
    Array(i64),
    Object(Vec<u8>),
}

/// Takes the key out of an object key token.
fn key_of(tok: &mut (Tok, usize)) -> Option<Vec<u8>> {
    match &mut tok.0 {
        Tok::Str(k) => Some(std::mem::take(k)),
        _ => None,
    }
}

/// `cjson.decode(text)`.
fn decode(args: &Args, cfg: &Config) -> mlua::Result<MultiValue> {
    args.check(args.count() == 1, 1, "expected 1 argument")?;
    let text = args.check_bytes(1)?;
    if text.len() >= 2 && (text[0] == 0 || text[1] == 0) {
        return Err(args.error("JSON parser does not support UTF-16 or UTF-32"));
    }
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    let mut lx = Lexer {
        data: &text[..end],
        pos: 0,
        invalid_numbers: cfg.decode_invalid_numbers != 0,
    };
    let lua = args.lua();
    let expected = |what: &str, (tok, at): &(Tok, usize)| {
        let found = tok.name();
        args.error(format!(
            "Expected {what} but found {found} at character {}",
            at + 1
        ))
    };
    let mut ctx: Vec<Ctx> = Vec::new();
    // The innermost open table; outer ones wait on `saved`.
    let mut cur: Option<Table> = None;
    let mut saved = LuaStack::new(lua)?;
    // Lua stack slots the C parser would use: the argument, then 1 per open
    // array (the table) and 2 per open object (the table and a key).
    let mut slots = 1;
    let mut tok = lx.next();
    let result = 'value: loop {
        let mut v = match &tok.0 {
            Tok::Str(s) => Value::String(lua.create_string(s)?),
            Tok::Num(n) => Value::Number(*n),
            Tok::Bool(b) => Value::Boolean(*b),
            Tok::Null => Value::LightUserData(LightUserData(std::ptr::null_mut())),
            Tok::ObjBegin | Tok::ArrBegin => {
                let object = matches!(tok.0, Tok::ObjBegin);
                let depth = ctx.len() + 1;
                let need = if object { 3 } else { 2 };
                if depth > cfg.decode_max_depth as usize || slots + need > MAX_C_STACK {
                    return Err(args.error(format!(
                        "Found too many nested data structures ({depth}) at character {}",
                        lx.pos
                    )));
                }
                let t = lua.create_table()?;
                tok = lx.next();
                let empty = if object { Tok::ObjEnd } else { Tok::ArrEnd };
                if tok.0.name() == empty.name() {
                    Value::Table(t)
                } else {
                    if let Some(outer) = cur.replace(t) {
                        saved.push(Value::Table(outer))?;
                    }
                    if object {
                        let Some(key) = key_of(&mut tok) else {
                            return Err(expected("object key string", &tok));
                        };
                        tok = lx.next();
                        if !matches!(tok.0, Tok::Colon) {
                            return Err(expected("colon", &tok));
                        }
                        tok = lx.next();
                        ctx.push(Ctx::Object(key));
                        slots += 2;
                    } else {
                        ctx.push(Ctx::Array(1));
                        slots += 1;
                    }
                    continue 'value;
                }
            }
            _ => return Err(expected("value", &tok)),
        };
        // Store the value in its container; close the containers it ends.
        loop {
            let (Some(c), Some(t)) = (ctx.last_mut(), cur.as_ref()) else {
                break 'value v;
            };
            let more = match c {
                Ctx::Array(i) => {
                    t.raw_set(*i, v)?;
                    *i += 1;
                    tok = lx.next();
                    match tok.0 {
                        Tok::ArrEnd => false,
                        Tok::Comma => true,
                        _ => return Err(expected("comma or array end", &tok)),
                    }
                }
                Ctx::Object(key) => {
                    t.raw_set(lua.create_string(&key)?, v)?;
                    tok = lx.next();
                    match tok.0 {
                        Tok::ObjEnd => false,
                        Tok::Comma => {
                            tok = lx.next();
                            let Some(k) = key_of(&mut tok) else {
                                return Err(expected("object key string", &tok));
                            };
                            *key = k;
                            tok = lx.next();
                            if !matches!(tok.0, Tok::Colon) {
                                return Err(expected("colon", &tok));
                            }
                            true
                        }
                        _ => return Err(expected("comma or object end", &tok)),
                    }
                }
            };
            if more {
                tok = lx.next();
                continue 'value;
            }
            slots -= match ctx.pop() {
                Some(Ctx::Array(_)) => 1,
                _ => 2,
            };
            v = cur.take().map_or(Value::Nil, Value::Table);
            if !ctx.is_empty() {
                if let Value::Table(outer) = saved.pop()? {
                    cur = Some(outer);
                }
            }
        }
    };
    tok = lx.next();
    if !matches!(tok.0, Tok::End) {
        return Err(expected("the end", &tok));
    }
    Ok(MultiValue::from_iter([result]))
}
