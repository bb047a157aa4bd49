//! `struct`: Roberto Ierusalimschy's struct library (1.4, with Redis's
//! fixes) — binary packing of Lua values, as on a 64-bit little-endian
//! machine.
//!
//! Formats: `>` `<` (endianness, little by default), `!n` (maximum
//! alignment, 8 when `n` is omitted; off until set), `x` (a zero byte),
//! `b B h H l L T` (1, 1, 2, 2, 8, 8 and 8 bytes), `i`/`I` with an optional
//! size (4 by default, at most 32), `f d` (IEEE single and double),
//! `cn` (n bytes; `c0` means the whole string when packing and the
//! previous number when unpacking), `s` (NUL-terminated) and ` `.
//! A format ends at its first NUL byte, as the C library reads it.

use mlua::{Lua, MultiValue, Table, Value};

use super::capi::{Args, MAX_C_STACK, c_long, function};

/// `MAXINTSIZE`: the largest `i`/`I` size.
const MAX_INT_SIZE: usize = 32;

/// `MAXALIGN` on x86-64: the alignment of a double.
const MAX_ALIGN: usize = 8;

/// Builds the `struct` table.
pub(crate) fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", function(lua, pack)?)?;
    t.raw_set("unpack", function(lua, unpack)?)?;
    t.raw_set("size", function(lua, size)?)?;
    Ok(t)
}

/// Endianness and alignment, changed by control options.
struct Header {
    big: bool,
    align: usize,
}

impl Header {
    fn new() -> Self {
        Header {
            big: false,
            align: 1,
        }
    }
}

/// A format string being read.
struct Format {
    bytes: Vec<u8>,
    at: usize,
}

impl Format {
    /// The next option, if any.
    fn next(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    /// `getnum`: the digits after an option, or `default`; an `int`
    /// overflow is an error, detected before it happens as in Redis.
    fn num(&mut self, args: &Args, default: usize) -> mlua::Result<usize> {
        let mut a: i32 = 0;
        let mut any = false;
        while let Some(&d @ b'0'..=b'9') = self.bytes.get(self.at) {
            let d = i32::from(d - b'0');
            if a > i32::MAX / 10 || a * 10 > i32::MAX - d {
                return Err(args.error("integral size overflow"));
            }
            a = a * 10 + d;
            any = true;
            self.at += 1;
        }
        Ok(if any { a as usize } else { default })
    }
}

/// `optsize`: the bytes an option takes (0 for control options and `s`).
fn optsize(args: &Args, opt: u8, fmt: &mut Format) -> mlua::Result<usize> {
    Ok(match opt {
        b'B' | b'b' | b'x' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'c' => fmt.num(args, 1)?,
        b'i' | b'I' => {
            let size = fmt.num(args, 4)?;
            if size > MAX_INT_SIZE {
                return Err(args.error(format!(
                    "integral size {size} is larger than limit of {MAX_INT_SIZE}"
                )));
            }
            size
        }
        _ => 0,
    })
}

/// `gettoalign`: padding before an item of `size` bytes at offset `len`.
/// Sizes are not always powers of two (`i3`); the arithmetic is the C's.
fn gettoalign(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    size.wrapping_sub(len & size.wrapping_sub(1)) & size.wrapping_sub(1)
}

/// `controloptions`: endianness, alignment and blanks; anything else is
/// an invalid option.
fn control(args: &Args, opt: u8, fmt: &mut Format, h: &mut Header) -> mlua::Result<()> {
    match opt {
        b' ' => {}
        b'>' => h.big = true,
        b'<' => h.big = false,
        b'!' => {
            let a = fmt.num(args, MAX_ALIGN)?;
            if !a.is_power_of_two() {
                return Err(args.error(format!("alignment {a} is not a power of 2")));
            }
            h.align = a;
        }
        _ => {
            let opt = String::from_utf8_lossy(&[opt]).into_owned();
            return Err(args.arg_error(1, format!("invalid format option '{opt}'")));
        }
    }
    Ok(())
}

/// C's cast of a double to `unsigned long` on x86-64: values from 2^63 go
/// through a signed conversion of `n - 2^63`; out of range gives 2^63's
/// bit pattern either way.
fn c_ulong(n: f64) -> u64 {
    if n >= 9_223_372_036_854_775_808.0 {
        (c_long(n - 9_223_372_036_854_775_808.0) as u64) ^ (1 << 63)
    } else {
        c_long(n) as u64
    }
}

/// Appends `size` bytes of `value`, beyond 8 bytes zero-filled.
fn put_integer(out: &mut Vec<u8>, value: u64, big: bool, size: usize) {
    let byte = |i: usize| if i < 8 { (value >> (8 * i)) as u8 } else { 0 };
    if big {
        out.extend((0..size).rev().map(byte));
    } else {
        out.extend((0..size).map(byte));
    }
}

/// `struct.pack(fmt, ...)`.
fn pack(args: &Args) -> mlua::Result<MultiValue> {
    let mut fmt = Format {
        bytes: args.check_c_string(1)?,
        at: 0,
    };
    // The C pushes a nil after the arguments before packing, so the first
    // missing value reads as nil ("got nil", not "got no value").
    let args = &args.with_trailing_nil();
    let mut h = Header::new();
    let mut arg = 2;
    let mut out = Vec::new();
    while let Some(opt) = fmt.next() {
        let mut size = optsize(args, opt, &mut fmt)?;
        let pad = gettoalign(out.len(), &h, opt, size);
        out.resize(out.len() + pad, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = args.check_number(arg)?;
                arg += 1;
                let value = if n < 0.0 {
                    c_long(n) as u64
                } else {
                    c_ulong(n)
                };
                put_integer(&mut out, value, h.big, size);
            }
            b'x' => out.push(0),
            b'f' => {
                let bits = (args.check_number(arg)? as f32).to_bits();
                arg += 1;
                put_integer(&mut out, u64::from(bits), h.big, 4);
            }
            b'd' => {
                let bits = args.check_number(arg)?.to_bits();
                arg += 1;
                put_integer(&mut out, bits, h.big, 8);
            }
            b'c' | b's' => {
                let s = args.check_bytes(arg)?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                // The C checks after advancing, so it names the next argument.
                args.check(s.len() >= size, arg as i64, "string too short")?;
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => control(args, opt, &mut fmt, &mut h)?,
        }
    }
    let s = args.lua().create_string(&out)?;
    Ok(MultiValue::from_iter([Value::String(s)]))
}

/// Reads `size` bytes as an integer: the low 64 bits, sign-extended from
/// bit `size*8 - 1` (taken modulo 64, as x86 shifts do) when signed.
fn get_integer(data: &[u8], big: bool, signed: bool, size: usize) -> f64 {
    let mut l: u64 = 0;
    let mut add = |b: u8| l = (l << 8) | u64::from(b);
    if big {
        data[..size].iter().copied().for_each(&mut add);
    } else {
        data[..size].iter().rev().copied().for_each(&mut add);
    }
    if !signed {
        return l as f64;
    }
    let mask = u64::MAX << ((size * 8).wrapping_sub(1) & 63);
    if l & mask != 0 {
        l |= mask;
    }
    l as i64 as f64
}

/// `struct.unpack(fmt, data [, pos])`: the values, then the position
/// after them.
fn unpack(args: &Args) -> mlua::Result<MultiValue> {
    let mut fmt = Format {
        bytes: args.check_c_string(1)?,
        at: 0,
    };
    let data = args.check_bytes(2)?;
    let ld = data.len();
    let pos = args.opt_integer(3, 1)? as usize;
    args.check(pos > 0, 3, "offset must be 1 or greater")?;
    let mut pos = pos - 1;
    let mut h = Header::new();
    let mut out: Vec<Value> = Vec::new();
    let lua = args.lua();
    while let Some(opt) = fmt.next() {
        let mut size = optsize(args, opt, &mut fmt)?;
        pos = pos.wrapping_add(gettoalign(pos, &h, opt, size));
        args.check(size <= ld && pos <= ld - size, 2, "data string too short")?;
        // luaL_checkstack(L, 2): the arguments and results so far, plus 2.
        if args.count() + out.len() + 2 > MAX_C_STACK {
            return Err(args.error("stack overflow (too many results)"));
        }
        let item = &data[pos..];
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let signed = opt.is_ascii_lowercase();
                out.push(Value::Number(get_integer(item, h.big, signed, size)));
            }
            b'x' => {}
            b'f' => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&item[..4]);
                let f = if h.big {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                };
                out.push(Value::Number(f64::from(f)));
            }
            b'd' => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&item[..8]);
                let d = if h.big {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                };
                out.push(Value::Number(d));
            }
            b'c' => {
                if size == 0 {
                    let prev = match out.last() {
                        Some(v) => lua.coerce_number(v.clone())?,
                        None => None,
                    };
                    let Some(n) = prev else {
                        return Err(args.error("format 'c0' needs a previous size"));
                    };
                    out.pop();
                    size = c_ulong(n) as usize;
                    args.check(size <= ld && pos <= ld - size, 2, "data string too short")?;
                }
                out.push(Value::String(lua.create_string(&data[pos..pos + size])?));
            }
            b's' => {
                let Some(len) = item.iter().position(|&b| b == 0) else {
                    return Err(args.error("unfinished string in data"));
                };
                out.push(Value::String(lua.create_string(&item[..len])?));
                size = len + 1;
            }
            _ => control(args, opt, &mut fmt, &mut h)?,
        }
        pos = pos.wrapping_add(size);
    }
    out.push(Value::Number(pos.wrapping_add(1) as i64 as f64));
    Ok(MultiValue::from_iter(out))
}

/// `struct.size(fmt)`: the bytes a fixed-size format packs to.
fn size(args: &Args) -> mlua::Result<MultiValue> {
    let mut fmt = Format {
        bytes: args.check_c_string(1)?,
        at: 0,
    };
    let mut h = Header::new();
    let mut pos: usize = 0;
    while let Some(opt) = fmt.next() {
        let size = optsize(args, opt, &mut fmt)?;
        pos = pos.wrapping_add(gettoalign(pos, &h, opt, size));
        if opt == b's' {
            return Err(args.arg_error(1, "option 's' has no fixed size"));
        } else if opt == b'c' && size == 0 {
            return Err(args.arg_error(1, "option 'c0' has no fixed size"));
        }
        // Letters and digits that are not options are skipped here.
        if !opt.is_ascii_alphanumeric() {
            control(args, opt, &mut fmt, &mut h)?;
        }
        pos = pos.wrapping_add(size);
    }
    Ok(MultiValue::from_iter([Value::Number(pos as i64 as f64)]))
}
