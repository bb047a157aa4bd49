//! `cjson.decode`: CJSON's tokenizer and parser, with its error texts and
//! positions, its nesting limit, and C's `strtod` for numbers.
//!
//! The parser is iterative: open containers wait in a [`LuaStack`], so
//! depth costs no Rust stack and no mlua references.

use mlua::{LightUserData, MultiValue, Table, Value};

use super::Config;
use crate::script::libs::capi::{Args, LuaStack, MAX_C_STACK};

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
pub(super) fn decode(args: &Args, cfg: &Config) -> mlua::Result<MultiValue> {
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
            if !ctx.is_empty()
                && let Value::Table(outer) = saved.pop()?
            {
                cur = Some(outer);
            }
        }
    };
    tok = lx.next();
    if !matches!(tok.0, Tok::End) {
        return Err(expected("the end", &tok));
    }
    Ok(MultiValue::from_iter([result]))
}
