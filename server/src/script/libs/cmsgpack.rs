//! `cmsgpack`: lua-cmsgpack 0.4.0 as Redis bundles it — MessagePack
//! encoding of Lua values.
//!
//! Packing: a number that a 64-bit integer holds exactly is packed as the
//! smallest integer type, any other number as a float32 when that is exact
//! and a float64 otherwise; strings always use the str types; a table
//! whose keys are exactly 1..n is an array, any other a map (keys in
//! `next` order); tables nested 16 deep, and values of other types, are
//! packed as nil. Unpacking reads the str, int, float, array and map types
//! (bin and ext are a format error) and returns every value; `unpack_one`
//! and `unpack_limit` also return the offset to continue from (-1 at the
//! end).

use mlua::{Lua, MultiValue, Table, Value};

use super::capi::{Args, LuaStack, MAX_C_STACK, c_int, c_long, function, number};

/// `LUACMSGPACK_MAX_NESTING`: deeper tables are packed as nil.
const MAX_NESTING: usize = 16;

/// Builds the `cmsgpack` table.
pub(crate) fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", function(lua, pack)?)?;
    t.raw_set("unpack", function(lua, |args| unpack_full(args, 0, 0))?)?;
    t.raw_set("unpack_one", function(lua, unpack_one)?)?;
    t.raw_set("unpack_limit", function(lua, unpack_limit)?)?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(t)
}

/// `cmsgpack.pack(...)`: every argument packed, concatenated.
fn pack(args: &Args) -> mlua::Result<MultiValue> {
    let n = args.count();
    if n == 0 {
        return Err(args.arg_error(0, "MessagePack pack needs input."));
    }
    // lua_checkstack(L, nargs) on top of the nargs arguments.
    if 2 * n > MAX_C_STACK {
        return Err(args.arg_error(0, "Too many arguments for MessagePack pack."));
    }
    let mut out = Vec::new();
    for i in 1..=n {
        encode(&mut out, args.get(i).unwrap_or(&Value::Nil), 0)?;
    }
    let s = args.lua().create_string(&out)?;
    Ok(MultiValue::from_iter([Value::String(s)]))
}

/// Appends a type byte and a big-endian length of `width` bytes.
fn header(out: &mut Vec<u8>, code: u8, len: u64, width: usize) {
    out.push(code);
    out.extend_from_slice(&len.to_be_bytes()[8 - width..]);
}

/// Packs one value; `level` is its table nesting.
fn encode(out: &mut Vec<u8>, v: &Value, level: usize) -> mlua::Result<()> {
    match v {
        Value::String(s) => {
            let s = s.as_bytes();
            let len = s.len() as u64;
            match len {
                0..=31 => out.push(0xa0 | len as u8),
                32..=0xff => header(out, 0xd9, len, 1),
                0x100..=0xffff => header(out, 0xda, len, 2),
                _ => header(out, 0xdb, len & 0xffff_ffff, 4),
            }
            out.extend_from_slice(&s);
        }
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(_) | Value::Number(_) => encode_number(out, number(v).unwrap_or(0.0)),
        Value::Table(t) if level < MAX_NESTING => encode_table(out, t, level)?,
        _ => out.push(0xc0),
    }
    Ok(())
}

fn encode_number(out: &mut Vec<u8>, n: f64) {
    // IS_INT64_EQUIVALENT: the C cast to int64 gives the number back.
    if !n.is_infinite() && c_long(n) as f64 == n {
        encode_int(out, c_long(n));
    } else if f64::from(n as f32) == n {
        header(out, 0xca, u64::from((n as f32).to_bits()), 4);
    } else {
        header(out, 0xcb, n.to_bits(), 8);
    }
}

fn encode_int(out: &mut Vec<u8>, n: i64) {
    let u = n as u64;
    match n {
        0..=127 => out.push(n as u8),
        128..=0xff => header(out, 0xcc, u, 1),
        0x100..=0xffff => header(out, 0xcd, u, 2),
        0x1_0000..=0xffff_ffff => header(out, 0xce, u, 4),
        0x1_0000_0000.. => header(out, 0xcf, u, 8),
        -32..=-1 => out.push(n as u8),
        -128..=-33 => header(out, 0xd0, u, 1),
        -32768..=-129 => header(out, 0xd1, u, 2),
        -2_147_483_648..=-32769 => header(out, 0xd2, u, 4),
        _ => header(out, 0xd3, u, 8),
    }
}

/// `table_is_an_array`: every key a positive number that a C `int` holds,
/// and as many keys as the largest one.
fn is_array(t: &Table) -> mlua::Result<bool> {
    let (mut count, mut max) = (0i32, 0i32);
    for pair in t.pairs::<Value, mlua::Value>() {
        let (k, _) = pair?;
        let Some(n) = number(&k) else {
            return Ok(false);
        };
        if n <= 0.0 || n.is_infinite() || f64::from(c_int(n)) != n {
            return Ok(false);
        }
        if n > f64::from(max) {
            max = c_int(n);
        }
        count = count.wrapping_add(1);
    }
    Ok(max == count)
}

fn encode_table(out: &mut Vec<u8>, t: &Table, level: usize) -> mlua::Result<()> {
    if is_array(t)? {
        let len = t.raw_len() as u64;
        match len {
            0..=15 => out.push(0x90 | len as u8),
            16..=0xffff => header(out, 0xdc, len, 2),
            _ => header(out, 0xdd, len & 0xffff_ffff, 4),
        }
        for i in 1..=len {
            encode(out, &t.raw_get::<Value>(i)?, level + 1)?;
        }
    } else {
        let len = t.pairs::<Value, Value>().count() as u64;
        match len {
            0..=15 => out.push(0x80 | len as u8),
            16..=0xffff => header(out, 0xde, len, 2),
            _ => header(out, 0xdf, len & 0xffff_ffff, 4),
        }
        // Nesting stops at 16 levels, so holding an iterator per level is
        // cheap.
        for pair in t.pairs::<Value, Value>() {
            let (k, v) = pair?;
            encode(out, &k, level + 1)?;
            encode(out, &v, level + 1)?;
        }
    }
    Ok(())
}

/// `cmsgpack.unpack_one(s [, offset])`.
fn unpack_one(args: &Args) -> mlua::Result<MultiValue> {
    let offset = args.opt_integer(2, 0)?;
    unpack_full(args, 1, offset)
}

/// `cmsgpack.unpack_limit(s, limit [, offset])`.
fn unpack_limit(args: &Args) -> mlua::Result<MultiValue> {
    let limit = args.check_integer(2)?;
    let offset = args.opt_integer(3, 0)?;
    unpack_full(args, limit, offset)
}

/// `mp_unpack_full`: up to `limit` values from `offset` (everything when
/// both are 0, and then no offset is returned).
fn unpack_full(args: &Args, limit: i64, offset: i64) -> mlua::Result<MultiValue> {
    let s = args.check_bytes(1)?;
    let len = s.len();
    if offset < 0 || limit < 0 {
        return Err(args.error(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset as i32, len as i32
        )));
    }
    if offset as u64 > len as u64 {
        return Err(args.error(format!(
            "Start offset {} greater than input length {}.",
            offset as i32, len as i32
        )));
    }
    let decode_all = limit == 0 && offset == 0;
    let limit = if decode_all {
        i64::from(i32::MAX)
    } else {
        limit
    };
    // Lua stack slots in use: the arguments left on the stack (unpack_one
    // and unpack_limit drop all but the string), then each value.
    let base = if decode_all { args.count() } else { 1 };
    let mut d = Decoder {
        args,
        data: &s,
        pos: offset as usize,
        slots: base,
    };
    let mut values = Vec::new();
    while d.pos < len && (values.len() as i64) < limit {
        values.push(d.value()?);
        d.slots += 1;
    }
    if !decode_all {
        let next = if d.pos == len { -1.0 } else { d.pos as f64 };
        values.insert(0, Value::Number(next));
    }
    Ok(MultiValue::from_iter(values))
}

/// A container being filled while unpacking.
enum Open {
    Array {
        left: u64,
        index: i64,
    },
    /// `key` says whether the pending key is on the [`LuaStack`].
    Map {
        left: u64,
        key: bool,
    },
}

/// The unpacking cursor, with the Lua stack slots the C code would be
/// using (its nesting limit).
struct Decoder<'a, 'b> {
    args: &'a Args<'b>,
    data: &'a [u8],
    pos: usize,
    slots: usize,
}

/// Why a value could not be read: the C cursor's error codes.
enum Bad {
    Eof,
    Format,
}

impl Decoder<'_, '_> {
    /// `mp_cur_need` then consume: the next `n` bytes.
    fn take(&mut self, n: u64) -> Result<&[u8], Bad> {
        let left = (self.data.len() - self.pos) as u64;
        if left < n {
            return Err(Bad::Eof);
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.data[start..self.pos])
    }

    /// A big-endian unsigned integer of `n` bytes.
    fn uint(&mut self, n: u64) -> Result<u64, Bad> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0, |a, &b| (a << 8) | u64::from(b)))
    }

    /// Checks the stack room the C code asks for before each value.
    fn need_slot(&self, what: &str) -> mlua::Result<()> {
        if self.slots + 1 > MAX_C_STACK {
            return Err(self.args.error(format!("stack overflow ({what})")));
        }
        Ok(())
    }

    /// One top-level value, nesting handled with explicit stacks.
    fn value(&mut self) -> mlua::Result<Value> {
        let lua = self.args.lua();
        let mut open: Vec<Open> = Vec::new();
        // Tables being filled and pending map keys, deepest last.
        let mut tables = LuaStack::new(lua)?;
        loop {
            // `slots` is the stack height below the value about to be read.
            if self.pos >= self.data.len() {
                return Err(self.args.error("Missing bytes in input."));
            }
            self.need_slot(
                "too many return values at once; use unpack_one or unpack_limit instead.",
            )?;
            let mut v = match self.scalar_or_open() {
                Ok(Item::Value(v)) => v,
                Ok(Item::Str(start, end)) => {
                    Value::String(lua.create_string(&self.data[start..end])?)
                }
                Ok(Item::Open(kind)) => {
                    tables.push(Value::Table(lua.create_table()?))?;
                    self.slots += 1;
                    let left = match kind {
                        Open::Array { left, .. } => {
                            self.need_slot("in function mp_decode_to_lua_array")?;
                            // The index pushed before each element.
                            self.slots += usize::from(left > 0);
                            left
                        }
                        Open::Map { left, .. } => left,
                    };
                    open.push(kind);
                    if left > 0 {
                        continue;
                    }
                    self.close(&mut open, &mut tables)?
                }
                Err(Bad::Eof) => return Err(self.args.error("Missing bytes in input.")),
                Err(Bad::Format) => return Err(self.args.error("Bad data format in input.")),
            };
            // Store the finished value in its container, closing the
            // containers it fills.
            loop {
                match open.last_mut() {
                    None => return Ok(v),
                    Some(Open::Map {
                        key: key @ false, ..
                    }) => {
                        // The key stays on the stack while its value is read.
                        tables.push(v)?;
                        *key = true;
                        self.slots += 1;
                        break;
                    }
                    Some(Open::Map { left, key }) => {
                        let k = tables.pop()?;
                        let t = table_at_top(&mut tables)?;
                        // lua_settable's own errors, raised without a position.
                        match k {
                            Value::Nil => {
                                return Err(mlua::Error::RuntimeError("table index is nil".into()));
                            }
                            Value::Number(n) if n.is_nan() => {
                                return Err(mlua::Error::RuntimeError("table index is NaN".into()));
                            }
                            k => t.raw_set(k, v)?,
                        }
                        *key = false;
                        *left -= 1;
                        self.slots = self.slots.saturating_sub(1);
                        if *left > 0 {
                            break;
                        }
                    }
                    Some(Open::Array { left, index }) => {
                        table_at_top(&mut tables)?.raw_set(*index, v)?;
                        *index += 1;
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        self.slots = self.slots.saturating_sub(1);
                    }
                }
                v = self.close(&mut open, &mut tables)?;
            }
        }
    }

    /// Ends the innermost container, returning its table.
    fn close(&mut self, open: &mut Vec<Open>, tables: &mut LuaStack) -> mlua::Result<Value> {
        open.pop();
        self.slots = self.slots.saturating_sub(1);
        tables.pop()
    }

    /// Reads a scalar, or the header of an array or map.
    fn scalar_or_open(&mut self) -> Result<Item, Bad> {
        let code = self.take(1)?[0];
        let num = |n: f64| Ok(Item::Value(Value::Number(n)));
        match code {
            0xc0 => Ok(Item::Value(Value::Nil)),
            0xc2 => Ok(Item::Value(Value::Boolean(false))),
            0xc3 => Ok(Item::Value(Value::Boolean(true))),
            0xcc => num(self.uint(1)? as f64),
            0xcd => num(self.uint(2)? as f64),
            0xce => num(self.uint(4)? as f64),
            // Pushed as lua_Integer: the top bit makes it negative.
            0xcf | 0xd3 => num(self.uint(8)? as i64 as f64),
            0xd0 => num(f64::from(self.uint(1)? as u8 as i8)),
            0xd1 => num(f64::from(self.uint(2)? as u16 as i16)),
            0xd2 => num(f64::from(self.uint(4)? as u32 as i32)),
            0xca => num(f64::from(f32::from_bits(self.uint(4)? as u32))),
            0xcb => num(f64::from_bits(self.uint(8)?)),
            0xd9 => self.string(1),
            0xda => self.string(2),
            0xdb => self.string(4),
            0xdc => Ok(Item::array(self.uint(2)?)),
            0xdd => Ok(Item::array(self.uint(4)?)),
            0xde => Ok(Item::map(self.uint(2)?)),
            0xdf => Ok(Item::map(self.uint(4)?)),
            0x00..=0x7f => num(f64::from(code)),
            0xe0..=0xff => num(f64::from(code as i8)),
            0xa0..=0xbf => self.bytes(u64::from(code & 0x1f)),
            0x90..=0x9f => Ok(Item::array(u64::from(code & 0xf))),
            0x80..=0x8f => Ok(Item::map(u64::from(code & 0xf))),
            _ => Err(Bad::Format),
        }
    }

    /// A str8/16/32: its length in `width` bytes, then the bytes.
    fn string(&mut self, width: u64) -> Result<Item, Bad> {
        let len = self.uint(width)?;
        self.bytes(len)
    }

    /// The next `len` bytes as a string.
    fn bytes(&mut self, len: u64) -> Result<Item, Bad> {
        let end = self.pos + self.take(len)?.len();
        Ok(Item::Str(end - len as usize, end))
    }
}

/// What one read produced.
enum Item {
    Value(Value),
    /// A string: its byte range in the input.
    Str(usize, usize),
    /// The start of a container.
    Open(Open),
}

impl Item {
    fn array(left: u64) -> Item {
        Item::Open(Open::Array { left, index: 1 })
    }

    fn map(left: u64) -> Item {
        Item::Open(Open::Map { left, key: false })
    }
}

/// The innermost open table (put back on the stack).
fn table_at_top(tables: &mut LuaStack) -> mlua::Result<Table> {
    let v = tables.pop()?;
    tables.push(v.clone())?;
    match v {
        Value::Table(t) => Ok(t),
        other => Err(mlua::Error::FromLuaConversionError {
            from: other.type_name(),
            to: "table".into(),
            message: None,
        }),
    }
}
