//! Redis's `math.random` and `math.randomseed`: Lua 5.1's range logic on a
//! rand48 generator, so that scripts draw the same numbers on every
//! platform (and in every replica).
//!
//! rand48 is the linear congruential generator `x = (0x5DEECE66D·x + 0xB)
//! mod 2^48`; a draw is the state's top 31 bits. Redis divides the draw
//! (modulo `INT32_MAX`) by `INT32_MAX` for `math.random()`. The state is per
//! Lua state, kept in the state's app data in a `Cell`, so that drawing
//! needs only a shared borrow (app data borrows that clash would panic).

use std::cell::Cell;

use mlua::{IntoLuaMulti, Lua, MultiValue, Table};

use super::capi::{Args, function};

/// The seed of Redis's start-up state (`0x1234ABCD`).
const START_SEED: i32 = 305_441_741;

/// `REDIS_LRAND48_MAX`: `INT32_MAX`.
const LRAND48_MAX: i64 = i32::MAX as i64;

/// The generator's 48-bit state.
struct Rand48(Cell<u64>);

/// `redisSrand48`: the seed's 32 bits above the constant 0x330E.
fn seeded(seed: i32) -> u64 {
    (u64::from(seed as u32) << 16) | 0x330E
}

/// Replaces `math.random` and `math.randomseed` and seeds the generator.
pub(crate) fn install(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    let math = match globals.raw_get::<Option<Table>>("math")? {
        Some(math) => math,
        None => {
            let math = lua.create_table()?;
            globals.raw_set("math", &math)?;
            math
        }
    };
    math.raw_set("random", function(lua, random)?)?;
    math.raw_set("randomseed", function(lua, randomseed)?)?;
    seed(lua, START_SEED)
}

/// Puts the generator back in Redis's start-up state.
/// The generator's state (48 bits), to carry over to a new Lua state.
pub(crate) fn state(lua: &Lua) -> Option<u64> {
    lua.try_app_data_ref::<Rand48>()
        .ok()
        .flatten()
        .map(|r| r.0.get())
}

/// Restores a state taken with [`state`].
pub(crate) fn set_state(lua: &Lua, state: u64) -> mlua::Result<()> {
    lua.try_set_app_data(Rand48(Cell::new(state)))
        .map(|_| ())
        .map_err(|_| mlua::Error::runtime("cannot set the random state"))
}

/// Sets the generator's state from a seed, creating it if needed.
fn seed(lua: &Lua, seed: i32) -> mlua::Result<()> {
    let unavailable = || mlua::Error::RuntimeError("random generator state unavailable".into());
    match lua.try_app_data_ref::<Rand48>() {
        Ok(Some(state)) => {
            state.0.set(seeded(seed));
            return Ok(());
        }
        Ok(None) => {}
        Err(_) => return Err(unavailable()),
    }
    lua.try_set_app_data(Rand48(Cell::new(seeded(seed))))
        .map(|_| ())
        .map_err(|_| unavailable())
}

/// `redisLrand48`: steps the generator and returns its top 31 bits.
fn draw(lua: &Lua) -> mlua::Result<i64> {
    if !matches!(lua.try_app_data_ref::<Rand48>(), Ok(Some(_))) {
        seed(lua, START_SEED)?;
    }
    let state = lua
        .try_app_data_ref::<Rand48>()
        .ok()
        .flatten()
        .ok_or_else(|| mlua::Error::RuntimeError("random generator state unavailable".into()))?;
    let x = (state.0.get().wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB)) & ((1 << 48) - 1);
    state.0.set(x);
    Ok((x >> 17) as i64)
}

/// `math.random([m [, n]])`, as Lua 5.1's with Redis's generator. The draw
/// happens before the arguments are checked, as in Redis.
fn random(args: &Args) -> mlua::Result<MultiValue> {
    let r = (draw(args.lua())? % LRAND48_MAX) as f64 / LRAND48_MAX as f64;
    let v = match args.count() {
        0 => r,
        1 => {
            let u = args.check_int(1)?;
            args.check(1 <= u, 1, "interval is empty")?;
            (r * f64::from(u)).floor() + 1.0
        }
        2 => {
            let l = args.check_int(1)?;
            let u = args.check_int(2)?;
            args.check(l <= u, 2, "interval is empty")?;
            // C computes u-l+1 in int arithmetic, which wraps.
            let span = u.wrapping_sub(l).wrapping_add(1);
            (r * f64::from(span)).floor() + f64::from(l)
        }
        _ => return Err(args.error("wrong number of arguments")),
    };
    v.into_lua_multi(args.lua())
}

/// `math.randomseed(x)`: reseeds with `x` cut to a C `int`.
fn randomseed(args: &Args) -> mlua::Result<MultiValue> {
    seed(args.lua(), args.check_int(1)?)?;
    Ok(MultiValue::new())
}
