//! List commands: pushes and pops at both ends, indexed access, LPOS,
//! moves between lists, and the blocking pops and moves.
//!
//! Every command follows `t_list.c` of Redis 7.0 in the order of its
//! checks (which argument is parsed before the key is looked up, and which
//! after), its replies in both protocols, and its keyspace events. A list
//! that becomes empty is deleted at once, as Redis never keeps an empty
//! list.
//!
//! The blocking commands find nothing, ask the core to block
//! ([`Ctx::block`](crate::cmd::Ctx::block)) and are run again, with
//! [`Ctx::ready_key`](crate::cmd::Ctx::ready_key) set, when a key they wait
//! on changes; [`crate::state::waiters`] owns the waiting, the order of
//! service and the timeouts.
//!
//! * [`edit`]: pushes, pops, LSET, LINSERT, LREM, LTRIM.
//! * [`read`]: LLEN, LRANGE, LINDEX, LPOS.
//! * [`transfer`]: LMOVE, RPOPLPUSH and their blocking forms.
//! * [`multipop`]: LMPOP, BLPOP, BRPOP, BLMPOP.
//! * [`access`]: what they share — the lookup with its type check, the
//!   side effects of pushes and pops, `LEFT`/`RIGHT` and array replies.

mod access;
mod edit;
mod multipop;
mod read;
mod transfer;

use super::CommandSpec;
use super::flags::*;

const GROUP: &str = "list";

/// The list commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("lpush", -3, edit::lpush)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(GROUP, "1.0.0", "Adds elements at the head of a list."),
    CommandSpec::new("rpush", -3, edit::rpush)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(GROUP, "1.0.0", "Adds elements at the tail of a list."),
    CommandSpec::new("lpushx", -3, edit::lpushx)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "2.2.0",
            "Adds elements at the head of a list that already exists.",
        ),
    CommandSpec::new("rpushx", -3, edit::rpushx)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "2.2.0",
            "Adds elements at the tail of a list that already exists.",
        ),
    CommandSpec::new("lpop", -2, edit::lpop)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "1.0.0",
            "Removes and returns elements from the head of a list.",
        ),
    CommandSpec::new("rpop", -2, edit::rpop)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "1.0.0",
            "Removes and returns elements from the tail of a list.",
        ),
    CommandSpec::new("lrange", 4, read::lrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Returns the elements of a list between two indexes.",
        ),
    CommandSpec::new("llen", 2, read::llen)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read list fast")
        .doc(GROUP, "1.0.0", "Returns how many elements a list holds."),
    CommandSpec::new("lindex", 3, read::lindex)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read list slow")
        .doc(GROUP, "1.0.0", "Returns the element of a list at an index."),
    CommandSpec::new("lset", 4, edit::lset)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Replaces the element of a list at an index.",
        ),
    CommandSpec::new("linsert", 5, edit::linsert)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "2.2.0",
            "Inserts an element before or after the first occurrence of another.",
        ),
    CommandSpec::new("lrem", 4, edit::lrem)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Removes occurrences of an element from a list.",
        ),
    CommandSpec::new("ltrim", 4, edit::ltrim)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Keeps only the elements of a list between two indexes.",
        ),
    CommandSpec::new("lpos", -3, read::lpos)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read list slow")
        .doc(
            GROUP,
            "6.0.6",
            "Returns the indexes at which an element occurs in a list.",
        ),
    CommandSpec::new("lmove", 5, transfer::lmove)
        .flags(WRITE | DENYOOM)
        .keys(1, 2, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "6.2.0",
            "Pops an element from one end of a list and pushes it onto an end of another.",
        ),
    CommandSpec::new("rpoplpush", 3, transfer::rpoplpush)
        .flags(WRITE | DENYOOM)
        .keys(1, 2, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.2.0",
            "Pops the tail element of a list and pushes it at the head of another.",
        ),
    CommandSpec::new("lmpop", -4, multipop::lmpop)
        .numkeys(1, false)
        .flags(WRITE | MOVABLE_KEYS)
        .acl("write list slow")
        .doc(
            GROUP,
            "7.0.0",
            "Pops elements from the first non-empty list among several keys.",
        ),
    CommandSpec::new("blpop", -3, multipop::blpop)
        .flags(WRITE | NOSCRIPT | BLOCKING)
        .keys(1, -2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "2.0.0",
            "Pops the head element of the first non-empty list, waiting for one if none.",
        ),
    CommandSpec::new("brpop", -3, multipop::brpop)
        .flags(WRITE | NOSCRIPT | BLOCKING)
        .keys(1, -2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "2.0.0",
            "Pops the tail element of the first non-empty list, waiting for one if none.",
        ),
    CommandSpec::new("blmove", 6, transfer::blmove)
        .flags(WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .keys(1, 2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "6.2.0",
            "Moves an element between lists as LMOVE, waiting for one if the source is empty.",
        ),
    CommandSpec::new("brpoplpush", 4, transfer::brpoplpush)
        .flags(WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .keys(1, 2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "2.2.0",
            "Moves an element as RPOPLPUSH, waiting for one if the source is empty.",
        ),
    CommandSpec::new("blmpop", -5, multipop::blmpop)
        .numkeys(2, false)
        .flags(WRITE | BLOCKING | MOVABLE_KEYS)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "7.0.0",
            "Pops elements as LMPOP, waiting for a non-empty list if there is none.",
        ),
];
