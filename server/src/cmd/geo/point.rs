//! GEOADD, GEOPOS, GEODIST and GEOHASH, and reading a geo key.

use bytes::Bytes;

use super::geohash::{decode_score, distance, score_of, standard_geohash};
use super::parse::{lon_lat, reply_coordinate, reply_distance, unit};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::cmd::{Ctx, find, is};
use crate::db::zset::ZSet;
use crate::db::{Lookup, Value};

/// Looks `key` up for reading (lazy expiry, statistics): `Ok(true)` if it
/// holds a sorted set, `Ok(false)` if it does not exist, `WRONGTYPE`
/// otherwise.
pub(super) fn probe(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, CmdError> {
    match ctx.lookup_read(key).map(|e| &e.value) {
        None => Ok(false),
        Some(Value::ZSet(_)) => Ok(true),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// The sorted set at `key` (already [`probe`]d), without side effects.
pub(super) fn zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<&'c ZSet> {
    let now = ctx.now;
    let db = ctx.db();
    match db.lookup(key, now) {
        Lookup::Found(i) => match &db.entry_at_mut(i).value {
            Value::ZSet(z) => Some(z),
            _ => None,
        },
        _ => None,
    }
}

/// The scores of `members` in the sorted set at `key`: `None` for a
/// missing key, WRONGTYPE for another type.
fn scores(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    members: &[Bytes],
) -> Result<Option<Vec<Option<f64>>>, CmdError> {
    if !probe(ctx, key)? {
        return Ok(None);
    }
    Ok(zset(ctx, key).map(|z| members.iter().map(|m| z.score(m)).collect()))
}

/// # Format
/// `GEOADD key [NX | XX] [CH] longitude latitude member [longitude
/// latitude member ...]`
///
/// As in Redis, a ZADD of the members with their positions encoded as
/// 52-bit geohash scores, options passed through: ZADD makes the reply,
/// the `zadd` event and the encoding.
pub(super) fn geoadd(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let mut first = 2;
    let (mut nx, mut xx) = (false, false);
    while first < args.len() {
        let opt = &args[first][..];
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if !is(opt, "ch") {
            break;
        }
        first += 1;
    }
    if !(args.len() - first).is_multiple_of(3) || (nx && xx) {
        return Err(error::SYNTAX);
    }
    let mut zadd_args: Vec<Bytes> = Vec::with_capacity(first + (args.len() - first) / 3 * 2);
    zadd_args.push(Bytes::from_static(b"zadd"));
    zadd_args.extend(args[1..first].iter().cloned());
    for triple in args[first..].chunks(3) {
        let (lon, lat) = lon_lat(triple)?;
        zadd_args.push(Bytes::from(score_of(lon, lat).to_string()));
        zadd_args.push(triple[2].clone());
    }
    // GEOADD is ZADD's body run on new arguments (Redis calls zaddCommand
    // after replacing the argument vector): one command, counted once.
    let Some(zadd) = find(b"zadd").and_then(|spec| spec.handler) else {
        return Err(error::generic("ZADD is not available"));
    };
    let mut sub = Ctx {
        state: &mut *ctx.state,
        client: &mut *ctx.client,
        host: ctx.host,
        args: &zadd_args,
        out: &mut *ctx.out,
        now: ctx.now,
        now_us: ctx.now_us,
        caller: ctx.caller,
        after: ctx.after,
        block: None,
        ready_key: None,
        detached: None,
    };
    let result = zadd(&mut sub);
    ctx.after = sub.after;
    result
}

/// # Format
/// `GEOPOS key [member [member ...]]`
///
/// `[longitude, latitude]` of each member, a null array for one missing.
pub(super) fn geopos(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let found = scores(ctx, &args[1], &args[2..])?;
    ctx.out.array(args.len() - 2);
    for i in 0..args.len() - 2 {
        match found.as_ref().and_then(|s| s[i]) {
            Some(score) => {
                let (lon, lat) = decode_score(score);
                ctx.out.array(2);
                reply_coordinate(ctx.out, lon);
                reply_coordinate(ctx.out, lat);
            }
            None => ctx.out.null_array(),
        }
    }
    Ok(())
}

/// # Format
/// `GEODIST key member1 member2 [M | KM | FT | MI]`
///
/// The distance with four decimals, null if a member (or the key) is
/// missing.
pub(super) fn geodist(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let to_meters = match args.len() {
        5 => unit(&args[4])?,
        n if n > 5 => return Err(error::SYNTAX),
        _ => 1.0,
    };
    let found = scores(ctx, &args[1], &args[2..4])?;
    match found.as_deref() {
        Some(&[Some(a), Some(b)]) => {
            let (lon1, lat1) = decode_score(a);
            let (lon2, lat2) = decode_score(b);
            reply_distance(ctx.out, distance(lon1, lat1, lon2, lat2) / to_meters);
        }
        _ => ctx.out.null(),
    }
    Ok(())
}

/// # Format
/// `GEOHASH key [member [member ...]]`
///
/// The standard 11-character geohash of each member, null for one
/// missing.
pub(super) fn geohash(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let found = scores(ctx, &args[1], &args[2..])?;
    ctx.out.array(args.len() - 2);
    for i in 0..args.len() - 2 {
        match found.as_ref().and_then(|s| s[i]) {
            Some(score) => ctx.out.bulk(&standard_geohash(score)),
            None => ctx.out.null(),
        }
    }
    Ok(())
}
