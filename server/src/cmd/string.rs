//! String commands.

use super::error::{self, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx};
use crate::db::Value;

/// The string commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, get)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read string fast")
        .doc("string", "1.0.0", "Returns the string value of a key."),
    CommandSpec::new("set", -3, set)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc("string", "1.0.0", "Sets the string value of a key."),
];

/// # Format
/// `GET key`
fn get(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    match ctx.lookup_read(key).map(|e| &e.value) {
        None => ctx.out.null(),
        Some(Value::Str(b) | Value::RawStr(b)) => {
            let b = b.clone();
            ctx.out.bulk(&b)
        }
        Some(Value::Int(n)) => {
            let n = *n;
            ctx.out.bulk_int(n)
        }
        Some(_) => return Err(error::WRONGTYPE),
    }
    Ok(())
}

/// # Format
/// `SET key value`
fn set(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() != 3 {
        return Err(error::SYNTAX);
    }
    let (key, value) = (ctx.arg(1), ctx.arg(2));
    let lru = ctx.lru();
    ctx.db().insert(key, Value::string(value), None, lru);
    ctx.key_modified(key);
    ctx.out.ok();
    Ok(())
}
