//! Geo commands (Redis 7.0): positions kept as sorted-set scores.
//!
//! * [`point`]: GEOADD (ZADD of encoded positions), GEOPOS, GEODIST,
//!   GEOHASH.
//! * [`search`]: GEOSEARCH, GEOSEARCHSTORE and the older GEORADIUS,
//!   GEORADIUSBYMEMBER and their `_RO` forms — one search, as Redis's
//!   `georadiusGeneric`.
//! * [`geohash`]: the arithmetic — the 52-bit interleaved geohash, the
//!   nine cells a search reads, the haversine distance.
//! * [`parse`]: coordinates, units, radii and boxes as Redis reads them,
//!   and how it prints coordinates and distances.
//!
//! A geo key is an ordinary sorted set (ZRANGE, ZREM and friends work on
//! it); the sorted-set family owns its storage and encodings.

mod geohash;
mod parse;
mod point;
mod search;

use super::CommandSpec;
use super::flags::*;

const GROUP: &str = "geo";

/// The geo commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("geoadd", -5, point::geoadd)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write geo slow")
        .doc(
            GROUP,
            "3.2.0",
            "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
        ),
    CommandSpec::new("geopos", -2, point::geopos)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read geo slow")
        .doc(
            GROUP,
            "3.2.0",
            "Returns the longitude and latitude of members from a geospatial index.",
        ),
    CommandSpec::new("geodist", -4, point::geodist)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read geo slow")
        .doc(
            GROUP,
            "3.2.0",
            "Returns the distance between two members of a geospatial index.",
        ),
    CommandSpec::new("geohash", -2, point::geohash)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read geo slow")
        .doc(
            GROUP,
            "3.2.0",
            "Returns members from a geospatial index as geohash strings.",
        ),
    CommandSpec::new("geosearch", -7, search::geosearch)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read geo slow")
        .doc(
            GROUP,
            "6.2.0",
            "Queries a geospatial index for members inside an area of a box or a circle.",
        ),
    CommandSpec::new("geosearchstore", -8, search::geosearchstore)
        .flags(WRITE | DENYOOM)
        .keys(1, 2, 1)
        .acl("write geo slow")
        .doc(
            GROUP,
            "6.2.0",
            "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.",
        ),
    CommandSpec::new("georadius", -6, search::georadius)
        .flags(WRITE | DENYOOM | MOVABLE_KEYS)
        .keys(1, 1, 1)
        .acl("write geo slow")
        .doc(
            GROUP,
            "3.2.0",
            "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.",
        ),
    CommandSpec::new("georadiusbymember", -5, search::georadiusbymember)
        .flags(WRITE | DENYOOM | MOVABLE_KEYS)
        .keys(1, 1, 1)
        .acl("write geo slow")
        .doc(
            GROUP,
            "3.2.0",
            "Queries a geospatial index for members within a distance from a member, optionally stores the result.",
        ),
    CommandSpec::new("georadius_ro", -6, search::georadius_ro)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read geo slow")
        .doc(
            GROUP,
            "3.2.10",
            "Returns members from a geospatial index that are within a distance from a coordinate.",
        ),
    CommandSpec::new("georadiusbymember_ro", -5, search::georadiusbymember_ro)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read geo slow")
        .doc(
            GROUP,
            "3.2.10",
            "Returns members from a geospatial index that are within a distance from a member.",
        ),
];
