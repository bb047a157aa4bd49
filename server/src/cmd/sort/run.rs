//! SORT and SORT_RO, after Redis's `sortCommandGeneric`.

use std::cmp::Ordering;

use super::pattern::{lookup, weight};
use crate::cmd::acl::check::{acl_command, check_user};
use crate::cmd::error::{self, CmdResult, c_str};
use crate::cmd::{Caller, Client, Ctx, find, int_arg, is};
use crate::config::notify;
use crate::db::list::List;
use crate::db::zset::Encoding;
use crate::db::{Blob, Value};
use crate::state::State;
use crate::state::acl::{KEY_READ, Selector, User, selector_flags};

/// # Format
/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern
/// ...]] [ASC | DESC] [ALPHA] [STORE destination]`
pub(super) fn sort(ctx: &mut Ctx<'_>) -> CmdResult {
    sort_generic(ctx, false)
}

/// # Format
/// `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET
/// pattern ...]] [ASC | DESC] [ALPHA]`
///
/// `STORE` is a syntax error here.
pub(super) fn sort_ro(ctx: &mut Ctx<'_>) -> CmdResult {
    sort_generic(ctx, true)
}

/// The options, as parsed.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit: (i64, i64),
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// `BY` a pattern without `*`: keep the stored order.
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
}

fn parse<'a>(
    args: &'a [bytes::Bytes],
    readonly: bool,
    cluster: bool,
    full_key_access: impl Fn() -> bool,
) -> Result<Options<'a>, error::CmdError> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit: (0, -1),
        store: None,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < args.len() {
        let arg = &args[j][..];
        let left = args.len() - j - 1;
        if is(arg, "asc") {
            o.desc = false;
        } else if is(arg, "desc") {
            o.desc = true;
        } else if is(arg, "alpha") {
            o.alpha = true;
        } else if is(arg, "limit") && left >= 2 {
            o.limit = (int_arg(&args[j + 1])?, int_arg(&args[j + 2])?);
            j += 2;
        } else if !readonly && is(arg, "store") && left >= 1 {
            o.store = Some(&args[j + 1]);
            j += 1;
        } else if is(arg, "by") && left >= 1 {
            let pattern = &args[j + 1][..];
            o.by = Some(pattern);
            // Redis looks for the `*` in a C string.
            o.dont_sort = !c_str(pattern).contains(&b'*');
            // Redis 7.0 refuses every key pattern in cluster mode (hash
            // tags or not: 7.4 learned to compare slots), before the ACL
            // check.
            if !o.dont_sort && cluster {
                return Err(error::SORT_BY_CLUSTER);
            }
            // A key pattern reads keys the ACL check could not see.
            if !o.dont_sort && !full_key_access() {
                return Err(error::SORT_BY_ACL);
            }
            j += 1;
        } else if is(arg, "get") && left >= 1 {
            // Even `GET #` in 7.0.
            if cluster {
                return Err(error::SORT_GET_CLUSTER);
            }
            if !full_key_access() {
                return Err(error::SORT_GET_ACL);
            }
            o.gets.push(&args[j + 1]);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// One element being sorted, with what it sorts by.
struct Item {
    element: Blob,
    /// Numeric weight (0 when a `BY` key is missing).
    score: f64,
    /// `ALPHA BY`: the weight's bytes, `None` when missing.
    by: Option<Vec<u8>>,
}

fn sort_generic(ctx: &mut Ctx<'_>, readonly: bool) -> CmdResult {
    let args = ctx.args;
    let mut o = {
        let (state, client) = (&*ctx.state, &*ctx.client);
        let cluster = state.cluster.is_some();
        parse(args, readonly, cluster, || {
            full_key_access(state, client, args)
        })?
    };
    let key = ctx.arg(1);

    // The elements, in the order Redis loads them, and what kind of value
    // held them.
    #[derive(PartialEq)]
    enum Kind {
        List,
        Set,
        ZSet,
    }
    let (kind, all): (Kind, Vec<Blob>) = match ctx.lookup_read(key).map(|e| &mut e.value) {
        None => (Kind::List, Vec::new()),
        Some(Value::List(l)) => (Kind::List, l.items.iter().cloned().collect()),
        Some(Value::Set(s)) => (Kind::Set, s.ordered().into_iter().cloned().collect()),
        Some(Value::ZSet(z)) => {
            // Redis converts a sorted set for good before sorting it.
            z.convert(Encoding::Skiplist);
            (Kind::ZSet, z.iter().map(|(m, _)| m.clone()).collect())
        }
        Some(_) => return Err(error::WRONGTYPE),
    };

    // A set's stored order is not one a replica or a script could rely
    // on: stored or scripted, an unsorted SORT of a set is sorted ALPHA.
    if o.dont_sort && kind == Kind::Set && (o.store.is_some() || ctx.caller == Caller::Script) {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }

    let len = all.len() as i64;
    let mut start = o.limit.0.max(0).min(len);
    let count = o.limit.1.max(-1).min(len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }

    // Lists and sorted sets left unsorted are read in place: the range
    // only, from the tail first for DESC.
    let elements: Vec<Blob> = if o.dont_sort && kind != Kind::Set {
        let taken = if end >= start {
            (end - start + 1) as usize
        } else {
            0
        };
        let s = start.max(0) as usize;
        end -= start;
        start = 0;
        if o.desc {
            all.into_iter().rev().skip(s).take(taken).collect()
        } else {
            all.into_iter().skip(s).take(taken).collect()
        }
    } else {
        all
    };

    let mut items: Vec<Item> = elements
        .into_iter()
        .map(|element| Item {
            element,
            score: 0.0,
            by: None,
        })
        .collect();

    if !o.dont_sort {
        let mut not_double = false;
        for item in &mut items {
            let by_value = match o.by {
                Some(pattern) => match lookup(ctx, pattern, &item.element) {
                    Some(v) => v,
                    None => continue,
                },
                None => item.element.to_vec(),
            };
            if o.alpha {
                if o.by.is_some() {
                    item.by = Some(by_value);
                }
            } else {
                match weight(&by_value) {
                    Some(score) => item.score = score,
                    None => not_double = true,
                }
            }
        }
        if not_double {
            return Err(error::SORT_NOT_DOUBLE);
        }
        let stored = o.store.is_some();
        let by = o.by.is_some();
        let compare = |a: &Item, b: &Item| -> Ordering {
            let ord = if !o.alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.element.as_slice().cmp(b.element.as_slice()))
            } else if by {
                match (&a.by, &b.by) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => collate(x, y, stored),
                }
            } else {
                collate(&a.element, &b.element, stored)
            };
            if o.desc { ord.reverse() } else { ord }
        };
        // glibc's qsort is a merge sort: stable, as `sort_by` is. (With BY
        // and a LIMIT Redis sorts partially with its own quicksort; the
        // two agree except on the order of equal weights among seven or
        // more elements.)
        items.sort_by(compare);
    }

    let range = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &items[..0]
    };
    let gets = &o.gets;
    let per = if gets.is_empty() { 1 } else { gets.len() };
    let output_len = range.len() * per;

    let Some(dst) = o.store else {
        ctx.out.array(output_len);
        for item in range {
            if gets.is_empty() {
                ctx.out.bulk(&item.element);
            }
            for pattern in gets {
                match lookup(ctx, pattern, &item.element) {
                    Some(v) => ctx.out.bulk(&v),
                    None => ctx.out.null(),
                }
            }
        }
        return Ok(());
    };

    let mut list = List::default();
    for item in range {
        if gets.is_empty() {
            list.items.push_back(item.element.clone());
        }
        for pattern in gets {
            let v = lookup(ctx, pattern, &item.element).unwrap_or_default();
            list.items.push_back(Blob::from(v));
        }
    }
    if output_len > 0 {
        // Redis's setKey: any old value and its deadline go.
        let existed = ctx.lookup_write(dst).is_some();
        let lru = ctx.lru();
        ctx.db().insert(dst, Value::List(Box::new(list)), None, lru);
        if !existed {
            ctx.notify(notify::NEW, "new", dst);
        }
        ctx.key_modified(dst);
        ctx.notify(notify::LIST, "sortstore", dst);
        // Redis counts one change per element stored.
        ctx.state.dirty += output_len as u64 - 1;
    } else if ctx.delete(dst) {
        ctx.key_modified(dst);
        ctx.notify(notify::GENERIC, "del", dst);
    }
    ctx.out.int(output_len as i64);
    Ok(())
}

/// Whether the client's user may read any key with this command: one of
/// its selectors allows the command (with these arguments) and every key
/// (`allkeys`, or a `*` pattern that grants reading). Redis asks this
/// before SORT may follow BY and GET patterns
/// (`ACLUserCheckCmdWithUnrestrictedKeyAccess`).
fn full_key_access(state: &State, client: &Client, args: &[bytes::Bytes]) -> bool {
    let Some(user) = state.acl.users.get(client.user.as_ref()) else {
        return true;
    };
    if user.unrestricted() {
        return true;
    }
    let Some(spec) = find(&args[0]) else {
        return true;
    };
    let Some(meta) = acl_command(spec) else {
        return true;
    };
    let reads_everything = |s: &Selector| {
        s.has(selector_flags::ALLKEYS)
            || s.keys
                .iter()
                .any(|k| k.pattern == b"*" && k.access & KEY_READ != 0)
    };
    let unrestricted = User {
        selectors: user
            .selectors
            .iter()
            .filter(|s| reads_everything(s))
            .cloned()
            .collect(),
        ..user.clone()
    };
    !unrestricted.selectors.is_empty() && check_user(&unrestricted, meta, args).is_ok()
}

/// How `ALPHA` compares two strings: byte order over the whole strings
/// when storing (`compareStringObjects`), else `strcoll` in the C locale,
/// which is byte order over the strings up to their first NUL.
fn collate(a: &[u8], b: &[u8], stored: bool) -> Ordering {
    if stored {
        a.cmp(b)
    } else {
        c_str(a).cmp(c_str(b))
    }
}
