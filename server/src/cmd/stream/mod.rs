//! Stream commands (Redis 7.0).
//!
//! * [`add`]: XADD, XTRIM, XDEL, XLEN, XSETID and the trimming options.
//! * [`range`]: XRANGE and XREVRANGE.
//! * [`read`]: XREAD and XREADGROUP, blocking or not.
//! * [`group`]: the XGROUP subcommands and XACK.
//! * [`pending`]: XPENDING, XCLAIM and XAUTOCLAIM.
//! * [`info`]: the XINFO subcommands.
//! * [`access`]: what the commands share — the lookup with its type
//!   check, IDs as Redis parses them, the node limits and entry replies.
//!
//! The value type, its node model and its groups live in `db::stream`.
//! This module owns argument checking (in Redis's order), IDs from the
//! server clock, replies in both protocol versions, and the side effects
//! of writes: WATCH signals, keyspace events named as in Redis's
//! `t_stream.c`, and waking blocked readers.

mod access;
mod add;
mod group;
mod info;
mod pending;
mod range;
mod read;

use super::CommandSpec;
use super::flags::*;

const GROUP: &str = "stream";

/// The XGROUP subcommands.
const XGROUP_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xgroup|create", -5, group::create_group)
        .flags(WRITE | DENYOOM)
        .keys(2, 2, 1)
        .acl("write stream slow")
        .doc(GROUP, "5.0.0", "Creates a consumer group."),
    CommandSpec::new("xgroup|setid", -5, group::setid)
        .flags(WRITE)
        .keys(2, 2, 1)
        .acl("write stream slow")
        .doc(
            GROUP,
            "5.0.0",
            "Sets the last-delivered ID of a consumer group.",
        ),
    CommandSpec::new("xgroup|destroy", 4, group::destroy)
        .flags(WRITE)
        .keys(2, 2, 1)
        .acl("write stream slow")
        .doc(GROUP, "5.0.0", "Destroys a consumer group."),
    CommandSpec::new("xgroup|createconsumer", 5, group::createconsumer)
        .flags(WRITE | DENYOOM)
        .keys(2, 2, 1)
        .acl("write stream slow")
        .doc(GROUP, "6.2.0", "Creates a consumer in a consumer group."),
    CommandSpec::new("xgroup|delconsumer", 5, group::delconsumer)
        .flags(WRITE)
        .keys(2, 2, 1)
        .acl("write stream slow")
        .doc(GROUP, "5.0.0", "Deletes a consumer from a consumer group."),
    CommandSpec::new("xgroup|help", 2, group::help)
        .flags(LOADING | STALE)
        .acl("stream slow")
        .doc(
            GROUP,
            "5.0.0",
            "Returns helpful text about the XGROUP subcommands.",
        ),
];

/// The XINFO subcommands.
const XINFO_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xinfo|stream", -3, info::stream_info)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("read stream slow")
        .doc(GROUP, "5.0.0", "Returns information about a stream."),
    CommandSpec::new("xinfo|groups", 3, info::groups)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("read stream slow")
        .doc(
            GROUP,
            "5.0.0",
            "Returns a list of the consumer groups of a stream.",
        ),
    CommandSpec::new("xinfo|consumers", 4, info::consumers)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("read stream slow")
        .doc(
            GROUP,
            "5.0.0",
            "Returns a list of the consumers in a consumer group.",
        ),
    CommandSpec::new("xinfo|help", 2, info::help)
        .flags(LOADING | STALE)
        .acl("stream slow")
        .doc(
            GROUP,
            "5.0.0",
            "Returns helpful text about the XINFO subcommands.",
        ),
];

/// The stream commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xadd", -5, add::xadd)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write stream fast")
        .doc(GROUP, "5.0.0", "Appends a new entry to a stream."),
    CommandSpec::new("xtrim", -4, add::xtrim)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write stream slow")
        .doc(GROUP, "5.0.0", "Deletes entries from the beginning of a stream."),
    CommandSpec::new("xdel", -3, add::xdel)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write stream fast")
        .doc(GROUP, "5.0.0", "Deletes entries from a stream."),
    CommandSpec::new("xlen", 2, add::xlen)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read stream fast")
        .doc(GROUP, "5.0.0", "Returns the number of entries in a stream."),
    CommandSpec::new("xsetid", -3, add::xsetid)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write stream fast")
        .doc(GROUP, "5.0.0", "An internal command for replicating stream values."),
    CommandSpec::new("xrange", -4, range::xrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read stream slow")
        .doc(GROUP, "5.0.0", "Returns the entries within a range of IDs."),
    CommandSpec::new("xrevrange", -4, range::xrevrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read stream slow")
        .doc(GROUP, "5.0.0", "Returns the entries within a range of IDs, in reverse order."),
    CommandSpec::new("xread", -4, read::xread)
        .flags(READONLY | BLOCKING | MOVABLE_KEYS)
        .acl("read stream slow blocking")
        .doc(
            GROUP,
            "5.0.0",
            "Returns entries from streams with IDs greater than the given ones, or blocks until there are some.",
        ),
    CommandSpec::new("xreadgroup", -7, read::xreadgroup)
        .flags(WRITE | BLOCKING | MOVABLE_KEYS)
        .acl("write stream slow blocking")
        .doc(
            GROUP,
            "5.0.0",
            "Returns new or historical entries to a consumer of a group, or blocks until there are some.",
        ),
    CommandSpec::new("xack", -4, group::xack)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write stream fast")
        .doc(GROUP, "5.0.0", "Acknowledges entries of a consumer group's pending list."),
    CommandSpec::new("xpending", -3, pending::xpending)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read stream slow")
        .doc(GROUP, "5.0.0", "Returns information about a consumer group's pending entries."),
    CommandSpec::new("xclaim", -6, pending::xclaim)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write stream fast")
        .doc(GROUP, "5.0.0", "Changes the ownership of pending entries."),
    CommandSpec::new("xautoclaim", -6, pending::xautoclaim)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write stream fast")
        .doc(
            GROUP,
            "6.2.0",
            "Changes the ownership of pending entries idle long enough, scanning the pending list.",
        ),
    CommandSpec::container("xgroup", XGROUP_SUBCOMMANDS)
        .acl("slow")
        .doc(GROUP, "5.0.0", "A container for consumer groups commands."),
    CommandSpec::container("xinfo", XINFO_SUBCOMMANDS)
        .acl("slow")
        .doc(GROUP, "5.0.0", "A container for stream introspection commands."),
];
