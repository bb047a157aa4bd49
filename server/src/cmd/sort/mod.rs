//! SORT and SORT_RO (Redis 7.0).
//!
//! * [`run`]: the command — option parsing in Redis's order, gathering
//!   the elements of a list, set or sorted set, weighting, ordering
//!   (numeric or `ALPHA`, `ASC|DESC`, `LIMIT`, `BY`), the `GET` and
//!   `STORE` outputs.
//! * [`pattern`]: what `BY` and `GET` patterns look up (`*` replaced by
//!   the element, `->field` of a hash, `#` the element itself) and how a
//!   weight reads as a number (C's `strtod`).
//!
//! Key patterns (`BY` with a `*`, `GET` other than `#`) name keys that
//! the command's key specification cannot list; Redis refuses them in
//! cluster mode. redsim has no cluster mode yet, so they are always
//! allowed; a cluster mode must refuse them as Redis does.

mod pattern;
mod run;

use super::CommandSpec;
use super::flags::*;

const GROUP: &str = "generic";

/// SORT and SORT_RO.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sort", -2, run::sort)
        .flags(WRITE | DENYOOM | MOVABLE_KEYS)
        .keys(1, 1, 1)
        .acl("write set sortedset list slow dangerous")
        .doc(
            GROUP,
            "1.0.0",
            "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
        ),
    CommandSpec::new("sort_ro", -2, run::sort_ro)
        .flags(READONLY | MOVABLE_KEYS)
        .keys(1, 1, 1)
        .acl("read set sortedset list slow dangerous")
        .doc(
            GROUP,
            "7.0.0",
            "Returns the sorted elements of a list, a set, or a sorted set.",
        ),
];
