//! HyperLogLog commands (Redis 7.0): PFADD, PFCOUNT, PFMERGE, PFDEBUG and
//! PFSELFTEST.
//!
//! * [`commands`]: PFADD, PFCOUNT (one key, with the cached cardinality,
//!   or the union of several), PFMERGE.
//! * [`debug`]: PFDEBUG (GETREG, DECODE, ENCODING, TODENSE) and
//!   PFSELFTEST.
//! * [`access`]: what they share — the check that a string is a
//!   HyperLogLog (Redis's two errors), reading and writing its bytes, and
//!   `hll-sparse-max-bytes`.
//!
//! A HyperLogLog is a string value; its bytes (`db::hll`) are Redis's, so
//! GET, SET, DUMP and friends see exactly what Redis would. This module
//! owns the commands' argument order, errors, replies and side effects
//! (WATCH signals, the `pfadd` keyspace event, the dirty counter).

mod access;
mod commands;
mod debug;

use super::CommandSpec;
use super::flags::*;

const GROUP: &str = "hyperloglog";

/// The HyperLogLog commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("pfadd", -2, commands::pfadd)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write hyperloglog fast")
        .doc(
            GROUP,
            "2.8.9",
            "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
        ),
    CommandSpec::new("pfcount", -2, commands::pfcount)
        .flags(READONLY)
        .keys(1, -1, 1)
        .acl("read hyperloglog slow")
        .doc(
            GROUP,
            "2.8.9",
            "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
        ),
    CommandSpec::new("pfmerge", -2, commands::pfmerge)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 1)
        .acl("write hyperloglog slow")
        .doc(GROUP, "2.8.9", "Merges one or more HyperLogLog values into a single key."),
    CommandSpec::new("pfdebug", 3, debug::pfdebug)
        .flags(WRITE | DENYOOM | ADMIN)
        .keys(2, 2, 1)
        .acl("write hyperloglog admin slow dangerous")
        .doc(GROUP, "2.8.9", "Internal commands for debugging HyperLogLog values."),
    CommandSpec::new("pfselftest", 1, debug::pfselftest)
        .flags(ADMIN)
        .acl("hyperloglog admin slow dangerous")
        .doc(GROUP, "2.8.9", "An internal command for testing HyperLogLog values."),
];
