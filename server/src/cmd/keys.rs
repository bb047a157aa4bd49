//! Generic key commands.

use super::error::CmdResult;
use super::flags::*;
use super::{CommandSpec, Ctx};

/// The generic key commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::new("del", -2, del)
    .flags(WRITE)
    .keys(1, -1, 1)
    .acl("keyspace write slow")
    .doc("generic", "1.0.0", "Deletes one or more keys.")];

/// # Format
/// `DEL key [key ...]`
fn del(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut n = 0;
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        if ctx.delete(key) {
            ctx.key_modified(key);
            n += 1;
        }
    }
    ctx.out.int(n);
    Ok(())
}
