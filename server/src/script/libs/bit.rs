//! `bit`: the LuaBitOp 1.0.2 library as Redis bundles it — 32-bit
//! operations on Lua numbers.
//!
//! Every argument is turned into 32 bits the way LuaBitOp does on a
//! double-number Lua: add 2^52 + 2^51 and keep the low word of the
//! double's bits. That wraps large values modulo 2^32, rounds fractions to
//! nearest with ties to even, and makes NaN, infinities and anything of
//! magnitude 2^51 or more come out as some fixed low word (often 0).
//! Results are signed 32-bit numbers.

use mlua::{IntoLuaMulti, Lua, MultiValue, Table};

use super::capi::{Args, function};

/// Builds the `bit` table.
pub(crate) fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("tobit", unary(lua, |b| b)?)?;
    t.raw_set("bnot", unary(lua, |b| !b)?)?;
    t.raw_set("bswap", unary(lua, u32::swap_bytes)?)?;
    t.raw_set("band", fold(lua, |a, b| a & b)?)?;
    t.raw_set("bor", fold(lua, |a, b| a | b)?)?;
    t.raw_set("bxor", fold(lua, |a, b| a ^ b)?)?;
    t.raw_set("lshift", shift(lua, |b, n| b << n)?)?;
    t.raw_set("rshift", shift(lua, |b, n| b >> n)?)?;
    t.raw_set("arshift", shift(lua, |b, n| ((b as i32) >> n) as u32)?)?;
    t.raw_set("rol", shift(lua, u32::rotate_left)?)?;
    t.raw_set("ror", shift(lua, u32::rotate_right)?)?;
    t.raw_set("tohex", function(lua, tohex)?)?;
    Ok(t)
}

/// LuaBitOp's `barg`: argument `n` as 32 bits.
fn barg(args: &Args, n: usize) -> mlua::Result<u32> {
    // A non-number reads as 0, which LuaBitOp only rejects when the bits
    // come out as 0 — always the case for 0.
    let Some(v) = args.to_number(n) else {
        return Err(args.type_error(n, "number"));
    };
    // 2^52 + 2^51: the sum's unit in the last place is 1, so the low word
    // of its bits holds the (rounded) integer modulo 2^32.
    Ok((v + 6_755_399_441_055_744.0).to_bits() as u32)
}

/// A result: the bits as a signed 32-bit number.
fn ret(lua: &Lua, b: u32) -> mlua::Result<MultiValue> {
    f64::from(b as i32).into_lua_multi(lua)
}

fn unary(lua: &Lua, op: fn(u32) -> u32) -> mlua::Result<mlua::Function> {
    function(lua, move |args| ret(args.lua(), op(barg(args, 1)?)))
}

/// `band`, `bor`, `bxor`: the first argument, then the others folded in
/// from the last one down (the order in which bad arguments are found).
fn fold(lua: &Lua, op: fn(u32, u32) -> u32) -> mlua::Result<mlua::Function> {
    function(lua, move |args| {
        let mut b = barg(args, 1)?;
        for i in (2..=args.count()).rev() {
            b = op(b, barg(args, i)?);
        }
        ret(args.lua(), b)
    })
}

/// Shifts and rotations: the count is taken modulo 32.
fn shift(lua: &Lua, op: fn(u32, u32) -> u32) -> mlua::Result<mlua::Function> {
    function(lua, move |args| {
        let b = barg(args, 1)?;
        let n = barg(args, 2)? & 31;
        ret(args.lua(), op(b, n))
    })
}

/// `tohex(x [, n])`: the low `|n|` hex digits (8 by default, at most 8),
/// upper case when `n` is negative.
fn tohex(args: &Args) -> mlua::Result<MultiValue> {
    let mut b = barg(args, 1)?;
    let n = if args.get(2).is_none() {
        8
    } else {
        barg(args, 2)? as i32
    };
    let (n, digits) = if n < 0 {
        // -(-2^31) does not fit; LuaBitOp ends up printing 8 digits.
        (n.checked_neg().unwrap_or(8), b"0123456789ABCDEF")
    } else {
        (n, b"0123456789abcdef")
    };
    let n = n.min(8) as usize;
    let mut buf = vec![0u8; n];
    for slot in buf.iter_mut().rev() {
        *slot = digits[(b & 15) as usize];
        b >>= 4;
    }
    args.lua().create_string(&buf)?.into_lua_multi(args.lua())
}
