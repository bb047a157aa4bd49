//! GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and the `_RO`
//! forms: one search, after Redis's `georadiusGeneric`.
//!
//! A search reads the nine geohash cells around its centre
//! ([`Search::cells`]), each as a range of sorted-set scores, keeps the
//! members inside the circle or box, then sorts them by distance (stably,
//! as glibc's `qsort` does) and replies or stores them.

use std::cmp::Ordering;

use super::geohash::{Search, Shape, decode_score, is_cell, score_range};
use super::parse::{box_size, lon_lat, radius, reply_coordinate, reply_distance};
use super::point::{probe, zset};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg, is};
use crate::config::notify;
use crate::db::zset::{Limits, ZSet};
use crate::db::{Blob, Value};

/// How a command calls the search.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// GEORADIUS: a centre and radius in fixed places; STORE allowed.
    Radius,
    /// GEORADIUS_RO.
    RadiusRo,
    /// GEORADIUSBYMEMBER.
    Member,
    /// GEORADIUSBYMEMBER_RO.
    MemberRo,
    /// GEOSEARCH: FROM… and BY… options.
    Search,
    /// GEOSEARCHSTORE: GEOSEARCH into a destination.
    SearchStore,
}

impl Form {
    fn by_coords(self) -> bool {
        matches!(self, Form::Radius | Form::RadiusRo)
    }

    fn by_member(self) -> bool {
        matches!(self, Form::Member | Form::MemberRo)
    }

    fn no_store(self) -> bool {
        matches!(self, Form::RadiusRo | Form::MemberRo)
    }

    fn geosearch(self) -> bool {
        matches!(self, Form::Search | Form::SearchStore)
    }
}

/// # Format
/// `GEORADIUS key longitude latitude radius M | KM | FT | MI [WITHCOORD]
/// [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key |
/// STOREDIST key]`
pub(super) fn georadius(ctx: &mut Ctx<'_>) -> CmdResult {
    search(ctx, 1, Form::Radius)
}

/// # Format
/// `GEORADIUS_RO key longitude latitude radius M | KM | FT | MI
/// [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]`
pub(super) fn georadius_ro(ctx: &mut Ctx<'_>) -> CmdResult {
    search(ctx, 1, Form::RadiusRo)
}

/// # Format
/// `GEORADIUSBYMEMBER key member radius M | KM | FT | MI [WITHCOORD]
/// [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key |
/// STOREDIST key]`
pub(super) fn georadiusbymember(ctx: &mut Ctx<'_>) -> CmdResult {
    search(ctx, 1, Form::Member)
}

/// # Format
/// `GEORADIUSBYMEMBER_RO key member radius M | KM | FT | MI [WITHCOORD]
/// [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]`
pub(super) fn georadiusbymember_ro(ctx: &mut Ctx<'_>) -> CmdResult {
    search(ctx, 1, Form::MemberRo)
}

/// # Format
/// `GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude
/// BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI
/// [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]`
pub(super) fn geosearch(ctx: &mut Ctx<'_>) -> CmdResult {
    search(ctx, 1, Form::Search)
}

/// # Format
/// `GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT
/// longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width
/// height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [STOREDIST]`
pub(super) fn geosearchstore(ctx: &mut Ctx<'_>) -> CmdResult {
    search(ctx, 2, Form::SearchStore)
}

/// A member found.
struct Found {
    member: Blob,
    lon: f64,
    lat: f64,
    /// Meters, then the request's unit once sorted.
    dist: f64,
    score: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// The score of `member` in the sorted set at `key` as a position.
fn member_position(ctx: &mut Ctx<'_>, key: &[u8], member: &[u8]) -> Option<(f64, f64)> {
    zset(ctx, key)?.score(member).map(decode_score)
}

fn search(ctx: &mut Ctx<'_>, src_at: usize, form: Form) -> CmdResult {
    let args = ctx.args;
    let src = &args[src_at][..];
    let exists = probe(ctx, src)?;

    let mut center = (0.0, 0.0);
    let mut shape = Shape::Circle { radius: 0.0 };
    let mut conversion = 0.0;
    let mut store: Option<&[u8]> = None;
    let mut store_dist = false;
    let base = if form.by_coords() {
        center = lon_lat(&args[2..4])?;
        let (r, c) = radius(&args[4..6])?;
        (shape, conversion) = (Shape::Circle { radius: r }, c);
        6
    } else if form.by_member() {
        // Without a key Redis reads neither the member nor the radius.
        if exists {
            center = member_position(ctx, src, &args[2]).ok_or(error::MEMBER_NOT_DECODED)?;
            let (r, c) = radius(&args[3..5])?;
            (shape, conversion) = (Shape::Circle { radius: r }, c);
        }
        5
    } else if form == Form::SearchStore {
        store = Some(&args[1]);
        3
    } else {
        2
    };

    let (mut with_dist, mut with_hash, mut with_coord) = (false, false, false);
    let (mut from_member, mut from_lonlat, mut by_radius, mut by_box) =
        (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let remaining = args.len() - base;
    let mut i = 0;
    while i < remaining {
        let arg = &args[base + i][..];
        let at = base + i;
        if is(arg, "withdist") {
            with_dist = true;
        } else if is(arg, "withhash") {
            with_hash = true;
        } else if is(arg, "withcoord") {
            with_coord = true;
        } else if is(arg, "any") {
            any = true;
        } else if is(arg, "asc") {
            sort = Sort::Asc;
        } else if is(arg, "desc") {
            sort = Sort::Desc;
        } else if is(arg, "count") && i + 1 < remaining {
            count = int_arg(&args[at + 1])?;
            if count <= 0 {
                return Err(error::GEO_COUNT_NOT_POSITIVE);
            }
            i += 1;
        } else if (is(arg, "store") || is(arg, "storedist"))
            && i + 1 < remaining
            && !form.no_store()
            && !form.geosearch()
        {
            store = Some(&args[at + 1]);
            store_dist = is(arg, "storedist");
            i += 1;
        } else if is(arg, "storedist") && form == Form::SearchStore {
            store_dist = true;
        } else if is(arg, "frommember") && i + 1 < remaining && form.geosearch() && !from_lonlat {
            // Without a key Redis goes on parsing and answers empty.
            if exists {
                center =
                    member_position(ctx, src, &args[at + 1]).ok_or(error::MEMBER_NOT_DECODED)?;
            }
            from_member = true;
            i += 1;
        } else if is(arg, "fromlonlat") && i + 2 < remaining && form.geosearch() && !from_member {
            center = lon_lat(&args[at + 1..at + 3])?;
            from_lonlat = true;
            i += 2;
        } else if is(arg, "byradius") && i + 2 < remaining && form.geosearch() && !by_box {
            let (r, c) = radius(&args[at + 1..at + 3])?;
            (shape, conversion) = (Shape::Circle { radius: r }, c);
            by_radius = true;
            i += 2;
        } else if is(arg, "bybox") && i + 3 < remaining && form.geosearch() && !by_radius {
            let (width, height, c) = box_size(&args[at + 1..at + 4])?;
            (shape, conversion) = (Shape::Box { width, height }, c);
            by_box = true;
            i += 3;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }

    if store.is_some() && (with_dist || with_hash || with_coord) {
        return Err(error::store_with_geo_options(
            if form == Form::SearchStore {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            },
        ));
    }
    if form.geosearch() && !(from_member || from_lonlat) {
        return Err(error::geo_exactly_one_from(&args[0]));
    }
    if form.geosearch() && !(by_radius || by_box) {
        return Err(error::geo_exactly_one_by(&args[0]));
    }
    if any && count == 0 {
        return Err(error::ANY_NEEDS_COUNT);
    }

    if !exists {
        match store {
            Some(dst) => {
                if ctx.delete(dst) {
                    ctx.key_modified(dst);
                    ctx.notify(notify::GENERIC, "del", dst);
                }
                ctx.out.int(0);
            }
            None => ctx.out.array(0),
        }
        return Ok(());
    }

    // COUNT needs the nearest: it sorts unless ANY (any matches will do).
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let area = Search {
        lon: center.0,
        lat: center.1,
        shape,
        conversion,
    };
    let limit = if any { count as usize } else { 0 };
    let mut found = collect(ctx, src, &area, limit);

    if found.is_empty() && store.is_none() {
        ctx.out.array(0);
        return Ok(());
    }
    let returned = if count == 0 {
        found.len()
    } else {
        found.len().min(count as usize)
    };
    // glibc's qsort is a stable merge sort. (With COUNT below the matches
    // Redis sorts partially with its own quicksort, which agrees except on
    // the order of equal distances among seven or more matches.)
    match sort {
        Sort::None => {}
        Sort::Asc => found.sort_by(|a, b| a.dist.partial_cmp(&b.dist).unwrap_or(Ordering::Equal)),
        Sort::Desc => found.sort_by(|a, b| b.dist.partial_cmp(&a.dist).unwrap_or(Ordering::Equal)),
    }
    found.truncate(returned);
    for f in &mut found {
        f.dist /= conversion;
    }

    let Some(dst) = store else {
        let options = usize::from(with_dist) + usize::from(with_hash) + usize::from(with_coord);
        ctx.out.array(found.len());
        for f in &found {
            if options > 0 {
                ctx.out.array(options + 1);
            }
            ctx.out.bulk(&f.member);
            if with_dist {
                reply_distance(ctx.out, f.dist);
            }
            if with_hash {
                ctx.out.int(f.score as i64);
            }
            if with_coord {
                ctx.out.array(2);
                reply_coordinate(ctx.out, f.lon);
                reply_coordinate(ctx.out, f.lat);
            }
        }
        return Ok(());
    };

    let n = found.len();
    if n > 0 {
        let config = &ctx.state.config;
        let limits = Limits {
            entries: usize::try_from(config.zset_max_listpack_entries()).unwrap_or(0),
            value: usize::try_from(config.zset_max_listpack_value()).unwrap_or(0),
        };
        let items = found
            .into_iter()
            .map(|f| (f.member, if store_dist { f.dist } else { f.score }));
        let result = ZSet::build(ctx.state.hash_seed, items, limits);
        // Redis's setKey: any old value and its deadline go.
        let existed = ctx.lookup_write(dst).is_some();
        let lru = ctx.lru();
        ctx.db()
            .insert(dst, Value::ZSet(Box::new(result)), None, lru);
        if !existed {
            ctx.notify(notify::NEW, "new", dst);
        }
        ctx.key_modified(dst);
        let event = if form.geosearch() {
            "geosearchstore"
        } else {
            "georadiusstore"
        };
        ctx.notify(notify::ZSET, event, dst);
        // Redis counts one change per member stored.
        ctx.state.dirty += n as u64 - 1;
    } else if ctx.delete(dst) {
        ctx.key_modified(dst);
        ctx.notify(notify::GENERIC, "del", dst);
    }
    ctx.out.int(n as i64);
    Ok(())
}

/// The members of the sorted set at `key` inside the search, cell after
/// cell in Redis's order, each cell's in score order; with `limit` (ANY)
/// it stops once that many are found.
fn collect(ctx: &mut Ctx<'_>, key: &[u8], area: &Search, limit: usize) -> Vec<Found> {
    let mut found = Vec::new();
    let Some(z) = zset(ctx, key) else {
        return found;
    };
    let cells = area.cells();
    let full = |found: &Vec<Found>| limit > 0 && found.len() >= limit;
    // Redis skips a cell equal to the last one it read (huge radii make
    // neighbours coincide), though never by comparing with the centre.
    let mut last = 0;
    for (i, &cell) in cells.iter().enumerate() {
        if !is_cell(cell) || (last != 0 && cell == cells[last]) {
            continue;
        }
        if full(&found) {
            break;
        }
        let (min, max) = score_range(cell);
        let start = z.partition_point(|score, _| score < min);
        for (member, score) in z.iter_from(start) {
            if score >= max {
                break;
            }
            let (lon, lat) = decode_score(score);
            if let Some(dist) = area.contains(lon, lat) {
                found.push(Found {
                    member: member.clone(),
                    lon,
                    lat,
                    dist,
                    score,
                });
            }
            if full(&found) {
                break;
            }
        }
        last = i;
    }
    found
}
