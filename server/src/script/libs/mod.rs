//! The Lua libraries Redis 7.0 loads into its scripting engine, written
//! in Rust on `mlua`: `cjson`, `bit`, `struct`, `cmsgpack`, and Redis's
//! rand48 `math.random` / `math.randomseed`.
//!
//! Each library reproduces the observable behaviour of the C library that
//! Redis 7.0.15 bundles — return values, number formats, key orders and
//! error texts — and was checked case by case against a real server: the
//! recorded cases are in `testdata/`, run by `tests.rs`.
//!
//! Each library is a module of its own, written against `capi`: what C
//! code sees of Lua and of C (the auxiliary library's argument checks and
//! errors, C's casts and number formats), rebuilt on `mlua`.
//!
//! # Errors
//!
//! A library error is an [`mlua::Error::RuntimeError`] whose text is
//! exactly Redis's, including the `user_script:1: ` position that
//! `luaL_error` prefixes (taken from the calling Lua function, as Lua does).
//! Inside Lua it travels as mlua's wrapped error value (a userdata), so the
//! script engine's `pcall` and error handler should turn a wrapped error
//! into its root cause's text.
//!
//! # Nesting
//!
//! mlua keeps every Lua value held from Rust in one auxiliary Lua stack of
//! about 8000 slots per state, while Redis lets `cjson` nest up to 8000
//! levels. So the deep walkers here keep their ancestors in a Lua table
//! ([`capi::LuaStack`]) and hold only a few references at any depth, and
//! they reproduce Redis's depth errors by counting the Lua stack slots the
//! C code would have used ([`capi::MAX_C_STACK`]).

mod bit;
mod capi;
mod cjson;
mod cmsgpack;
mod lstruct;
mod random;
#[cfg(test)]
mod tests;

pub(crate) use capi::Args;
use mlua::Lua;

/// Installs cjson, bit, struct and cmsgpack as globals, and Redis's
/// math.random / math.randomseed (a rand48 generator, see below).
///
/// Run it on a state with Lua's standard base, string, table and math
/// libraries loaded, before the global table is made read-only: it sets
/// the globals `cjson`, `bit`, `struct` and `cmsgpack`, and the `random`
/// and `randomseed` fields of the `math` table. The generator starts from
/// Redis's start-up state (seed 305441741) and continues from call to
/// call, as in Redis 7.0, until `math.randomseed` (SCRIPT FLUSH keeps it: see [`random_state`]).
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    globals.raw_set("cjson", cjson::module(lua)?)?;
    globals.raw_set("bit", bit::module(lua)?)?;
    globals.raw_set("struct", lstruct::module(lua)?)?;
    globals.raw_set("cmsgpack", cmsgpack::module(lua)?)?;
    random::install(lua, &globals)
}

/// The math.random generator's state, to carry over to a new Lua state
/// (Redis's generator is process-wide: SCRIPT FLUSH does not reset it).
pub fn random_state(lua: &Lua) -> Option<u64> {
    random::state(lua)
}

/// Restores a state taken with [`random_state`].
pub fn set_random_state(lua: &Lua, state: u64) -> mlua::Result<()> {
    random::set_state(lua, state)
}
