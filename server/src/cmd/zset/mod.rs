//! Sorted-set commands (Redis 7.0), blocking ones excepted.
//!
//! * [`add`]: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK, ZREVRANK.
//! * [`range`]: the ZRANGE family, ZRANGESTORE, ZCOUNT, ZLEXCOUNT.
//! * [`remove`]: the ZREMRANGEBY* commands.
//! * [`seek`]: where a range starts and how Redis walks it.
//! * [`setops`]: ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD.
//! * [`pop`]: ZPOPMIN, ZPOPMAX, ZMPOP, and the pop shared with the
//!   blocking variants.
//! * [`random`]: ZRANDMEMBER and ZSCAN.
//! * [`parse`]: ranges and cursors, and [`strtod`]: scores, as Redis's C
//!   library reads them.
//! * [`access`]: what the commands share — the lookup with its type
//!   check, borrowing the set, the side effects of writes (WATCH signal,
//!   deleting an emptied key, storing a result) and the members reply.
//!
//! The value type and its order-statistic index live in `db::zset`. This
//! module owns argument checking (in Redis's order), replies in both
//! protocol versions, and the side effects of writes: WATCH signals,
//! keyspace events named as in Redis's `t_zset.c`, and deleting a key
//! whose sorted set became empty.

mod access;
mod add;
mod blocking;
mod parse;
pub(crate) mod pop;
mod random;
mod range;
mod remove;
mod seek;
mod setops;

use super::CommandSpec;
use super::flags::*;

const GROUP: &str = "sorted-set";

/// The sorted-set commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, add::zadd)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write sortedset fast")
        .doc(
            GROUP,
            "1.2.0",
            "Adds members with scores to a sorted set, or updates their scores.",
        ),
    CommandSpec::new("zincrby", 4, add::zincrby)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write sortedset fast")
        .doc(
            GROUP,
            "1.2.0",
            "Adds an increment to the score of a sorted-set member.",
        ),
    CommandSpec::new("zrem", -3, add::zrem)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write sortedset fast")
        .doc(GROUP, "1.2.0", "Removes members from a sorted set."),
    CommandSpec::new("zscore", 3, add::zscore)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read sortedset fast")
        .doc(GROUP, "1.2.0", "Returns the score of a sorted-set member."),
    CommandSpec::new("zmscore", -3, add::zmscore)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read sortedset fast")
        .doc(
            GROUP,
            "6.2.0",
            "Returns the scores of several sorted-set members.",
        ),
    CommandSpec::new("zcard", 2, add::zcard)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read sortedset fast")
        .doc(GROUP, "1.2.0", "Returns how many members a sorted set has."),
    CommandSpec::new("zcount", 4, range::zcount)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read sortedset fast")
        .doc(
            GROUP,
            "2.0.0",
            "Counts the members whose scores fall within a range.",
        ),
    CommandSpec::new("zlexcount", 4, range::zlexcount)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read sortedset fast")
        .doc(
            GROUP,
            "2.8.9",
            "Counts the members that fall within a lexicographical range.",
        ),
    CommandSpec::new("zrank", 3, add::zrank)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read sortedset fast")
        .doc(
            GROUP,
            "2.0.0",
            "Returns the position of a member, lowest score first.",
        ),
    CommandSpec::new("zrevrank", 3, add::zrevrank)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read sortedset fast")
        .doc(
            GROUP,
            "2.0.0",
            "Returns the position of a member, highest score first.",
        ),
    CommandSpec::new("zrange", -4, range::zrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "1.2.0",
            "Returns members in a range of positions, scores or strings.",
        ),
    CommandSpec::new("zrangestore", -5, range::zrangestore)
        .flags(WRITE | DENYOOM)
        .keys(1, 2, 1)
        .acl("write sortedset slow")
        .doc(
            GROUP,
            "6.2.0",
            "Copies a range of a sorted set into another key.",
        ),
    CommandSpec::new("zrevrange", -4, range::zrevrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "1.2.0",
            "Returns members in a range of positions, highest score first.",
        ),
    CommandSpec::new("zrangebyscore", -4, range::zrangebyscore)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "1.0.5",
            "Returns members whose scores fall within a range.",
        ),
    CommandSpec::new("zrevrangebyscore", -4, range::zrevrangebyscore)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "2.2.0",
            "Returns members within a score range, highest score first.",
        ),
    CommandSpec::new("zrangebylex", -4, range::zrangebylex)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "2.8.9",
            "Returns members within a lexicographical range.",
        ),
    CommandSpec::new("zrevrangebylex", -4, range::zrevrangebylex)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "2.8.9",
            "Returns members within a lexicographical range, in reverse order.",
        ),
    CommandSpec::new("zremrangebyrank", 4, remove::zremrangebyrank)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write sortedset slow")
        .doc(
            GROUP,
            "2.0.0",
            "Removes the members within a range of positions.",
        ),
    CommandSpec::new("zremrangebyscore", 4, remove::zremrangebyscore)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write sortedset slow")
        .doc(
            GROUP,
            "1.2.0",
            "Removes the members whose scores fall within a range.",
        ),
    CommandSpec::new("zremrangebylex", 4, remove::zremrangebylex)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write sortedset slow")
        .doc(
            GROUP,
            "2.8.9",
            "Removes the members within a lexicographical range.",
        ),
    CommandSpec::new("zpopmin", -2, pop::zpopmin)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write sortedset fast")
        .doc(
            GROUP,
            "5.0.0",
            "Removes and returns the members with the lowest scores.",
        ),
    CommandSpec::new("zpopmax", -2, pop::zpopmax)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write sortedset fast")
        .doc(
            GROUP,
            "5.0.0",
            "Removes and returns the members with the highest scores.",
        ),
    CommandSpec::new("zmpop", -4, pop::zmpop)
        .numkeys(1, false)
        .flags(WRITE | MOVABLE_KEYS)
        .acl("write sortedset slow")
        .doc(
            GROUP,
            "7.0.0",
            "Pops members from the first non-empty sorted set of several.",
        ),
    CommandSpec::new("bzpopmin", -3, blocking::bzpopmin)
        .flags(WRITE | NOSCRIPT | BLOCKING | FAST)
        .keys(1, -2, 1)
        .acl("write sortedset fast blocking")
        .doc(
            GROUP,
            "5.0.0",
            "Removes and returns the member with the lowest score from the first non-empty sorted set, or blocks until one is available.",
        ),
    CommandSpec::new("bzpopmax", -3, blocking::bzpopmax)
        .flags(WRITE | NOSCRIPT | BLOCKING | FAST)
        .keys(1, -2, 1)
        .acl("write sortedset fast blocking")
        .doc(
            GROUP,
            "5.0.0",
            "Removes and returns the member with the highest score from the first non-empty sorted set, or blocks until one is available.",
        ),
    CommandSpec::new("bzmpop", -5, blocking::bzmpop)
        .numkeys(2, false)
        .flags(WRITE | BLOCKING | MOVABLE_KEYS)
        .acl("write sortedset slow blocking")
        .doc(
            GROUP,
            "7.0.0",
            "Pops members from the first non-empty sorted set of several, or blocks until one is available.",
        ),
    CommandSpec::new("zunion", -3, setops::zunion)
        .numkeys(1, false)
        .flags(READONLY | MOVABLE_KEYS)
        .acl("read sortedset slow")
        .doc(GROUP, "6.2.0", "Returns the union of sorted sets."),
    CommandSpec::new("zinter", -3, setops::zinter)
        .numkeys(1, false)
        .flags(READONLY | MOVABLE_KEYS)
        .acl("read sortedset slow")
        .doc(GROUP, "6.2.0", "Returns the intersection of sorted sets."),
    CommandSpec::new("zdiff", -3, setops::zdiff)
        .numkeys(1, false)
        .flags(READONLY | MOVABLE_KEYS)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "6.2.0",
            "Returns the members of the first sorted set absent from the others.",
        ),
    CommandSpec::new("zunionstore", -4, setops::zunionstore)
        .numkeys(2, true)
        .flags(WRITE | DENYOOM | MOVABLE_KEYS)
        .keys(1, 1, 1)
        .acl("write sortedset slow")
        .doc(GROUP, "2.0.0", "Stores the union of sorted sets in a key."),
    CommandSpec::new("zinterstore", -4, setops::zinterstore)
        .numkeys(2, true)
        .flags(WRITE | DENYOOM | MOVABLE_KEYS)
        .keys(1, 1, 1)
        .acl("write sortedset slow")
        .doc(
            GROUP,
            "2.0.0",
            "Stores the intersection of sorted sets in a key.",
        ),
    CommandSpec::new("zdiffstore", -4, setops::zdiffstore)
        .numkeys(2, true)
        .flags(WRITE | DENYOOM | MOVABLE_KEYS)
        .keys(1, 1, 1)
        .acl("write sortedset slow")
        .doc(
            GROUP,
            "6.2.0",
            "Stores the difference of sorted sets in a key.",
        ),
    CommandSpec::new("zintercard", -3, setops::zintercard)
        .numkeys(1, false)
        .flags(READONLY | MOVABLE_KEYS)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "7.0.0",
            "Counts the members common to several sorted sets.",
        ),
    CommandSpec::new("zrandmember", -2, random::zrandmember)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(GROUP, "6.2.0", "Returns random members of a sorted set."),
    CommandSpec::new("zscan", -3, random::zscan)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read sortedset slow")
        .doc(
            GROUP,
            "2.8.0",
            "Iterates over the members and scores of a sorted set.",
        ),
];
