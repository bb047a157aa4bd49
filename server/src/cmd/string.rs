//! String commands: SET and its variants, GET and its variants, MSET/MGET,
//! APPEND, STRLEN, GETRANGE/SETRANGE, the INCR family, INCRBYFLOAT and LCS.
//!
//! Each command follows Redis 7.0's `t_string.c` step by step, because the
//! order of its checks is visible: which error wins when several apply,
//! whether a key is created, whether an encoding changes, which keyspace
//! events fire. Values are read and changed only through the string API of
//! [`Value`](crate::db::Value) (`str_bytes`, `str_bytes_mut`…), which also
//! picks the encoding `OBJECT ENCODING` reports: whole values get Redis's
//! `tryObjectEncoding` choice, in-place changes make them `raw`, INCR makes
//! them `int` and INCRBYFLOAT `embstr`/`raw`.
//!
//! This file holds the command table; the steps the commands share are in
//! `steps`, and the commands live in `set` (SET, GET and their variants,
//! MSET, MGET), `range` (APPEND, STRLEN, GETRANGE, SETRANGE), `counter`
//! (INCR family, INCRBYFLOAT) and `lcs`. It does not own expiry (the
//! keyspace does) nor number syntax ([`crate::num`]).

mod counter;
mod lcs;
mod range;
mod set;
mod steps;

use super::CommandSpec;
use super::flags::*;

/// The string commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, set::get)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read string fast")
        .doc("string", "1.0.0", "Get the value of a key"),
    CommandSpec::new("set", -3, set::set)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc("string", "1.0.0", "Set the string value of a key"),
    CommandSpec::new("setnx", 3, set::setnx)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Set the value of a key, only if the key does not exist",
        ),
    CommandSpec::new("setex", 4, set::setex)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc("string", "2.0.0", "Set the value and expiration of a key"),
    CommandSpec::new("psetex", 4, set::psetex)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc(
            "string",
            "2.6.0",
            "Set the value and expiration in milliseconds of a key",
        ),
    CommandSpec::new("getset", 3, set::getset)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Set the string value of a key and return its old value",
        ),
    CommandSpec::new("getdel", 2, set::getdel)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "6.2.0",
            "Get the value of a key and delete the key",
        ),
    CommandSpec::new("getex", -2, set::getex)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "6.2.0",
            "Get the value of a key and optionally set its expiration",
        ),
    CommandSpec::new("mset", -3, set::mset)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 2)
        .acl("write string slow")
        .doc("string", "1.0.1", "Set multiple keys to multiple values"),
    CommandSpec::new("msetnx", -3, set::msetnx)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 2)
        .acl("write string slow")
        .doc(
            "string",
            "1.0.1",
            "Set multiple keys to multiple values, only if none of the keys exist",
        ),
    CommandSpec::new("mget", -2, set::mget)
        .flags(READONLY | FAST)
        .keys(1, -1, 1)
        .acl("read string fast")
        .doc("string", "1.0.0", "Get the values of all the given keys"),
    CommandSpec::new("append", 3, range::append)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc("string", "2.0.0", "Append a value to a key"),
    CommandSpec::new("strlen", 2, range::strlen)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read string fast")
        .doc(
            "string",
            "2.2.0",
            "Get the length of the value stored in a key",
        ),
    CommandSpec::new("getrange", 4, range::getrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read string slow")
        .doc(
            "string",
            "2.4.0",
            "Get a substring of the string stored at a key",
        ),
    CommandSpec::new("substr", 4, range::getrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read string slow")
        .doc(
            "string",
            "1.0.0",
            "Get a substring of the string stored at a key",
        ),
    CommandSpec::new("setrange", 4, range::setrange)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc(
            "string",
            "2.2.0",
            "Overwrite part of a string at key starting at the specified offset",
        ),
    CommandSpec::new("incr", 2, counter::incr)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Increment the integer value of a key by one",
        ),
    CommandSpec::new("incrby", 3, counter::incrby)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Increment the integer value of a key by the given amount",
        ),
    CommandSpec::new("decr", 2, counter::decr)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Decrement the integer value of a key by one",
        ),
    CommandSpec::new("decrby", 3, counter::decrby)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Decrement the integer value of a key by the given number",
        ),
    CommandSpec::new("incrbyfloat", 3, counter::incrbyfloat)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "2.6.0",
            "Increment the float value of a key by the given amount",
        ),
    CommandSpec::new("lcs", -3, lcs::lcs)
        .flags(READONLY)
        .keys(1, 2, 1)
        .acl("read string slow")
        .doc("string", "7.0.0", "Find longest common substring"),
];
