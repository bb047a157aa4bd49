//! HRANDFIELD and HSCAN: random fields from the server's seeded
//! generator, in O(count) by position, and cursors over storage positions.

use super::super::collection::{
    MAX_REPEATED_PICKS, parse_cursor, parse_random_count, parse_scan_options, reply_empty_scan,
    reply_scan, sample_distinct,
};
use super::super::error::{self, CmdResult};
use super::super::{Ctx, is};
use super::read;
use crate::db::blob::Blob;
use crate::protocol::{Out, Resp};

/// # Format
/// `HRANDFIELD key [count [WITHVALUES]]`
///
/// Without a count: one field, or null. A positive count: that many
/// distinct fields (the whole hash, in its order, if it has no more); a
/// negative count: that many independent picks, repeats allowed. With
/// WITHVALUES, RESP2 gets a flat array of fields and values and RESP3 an
/// array of `[field, value]` pairs. The count is checked (and the syntax
/// after it) before the key is looked at.
pub(super) fn hrandfield(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if ctx.argc() >= 3 {
        let count = parse_random_count(ctx.arg(2))?;
        let with_values = match ctx.argc() {
            3 => false,
            4 if is(ctx.arg(3), "withvalues") => true,
            _ => return Err(error::SYNTAX),
        };
        // Redis refuses counts whose doubled reply length would overflow.
        if with_values && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
            return Err(error::out_of_range("value"));
        }
        return hrandfield_count(ctx, key, count, with_values);
    }
    let (hash, out, rng) = read(ctx, key)?;
    match hash.and_then(|h| h.get_index(rng.usize(..h.len()))) {
        Some((field, _)) => out.bulk(field),
        None => out.null(),
    }
    Ok(())
}

fn hrandfield_count(ctx: &mut Ctx<'_>, key: &[u8], count: i64, with_values: bool) -> CmdResult {
    let (hash, out, rng) = read(ctx, key)?;
    let Some(hash) = hash else {
        out.array(0);
        return Ok(());
    };
    if count == 0 {
        out.array(0);
        return Ok(());
    }
    let pairs = with_values && out.resp() == Resp::V3;
    let header = |out: &mut Out, n: usize| {
        out.array(if with_values && !pairs { n * 2 } else { n });
    };
    let emit = |out: &mut Out, (field, value): (&Blob, &Blob)| {
        if pairs {
            out.array(2);
        }
        out.bulk(field);
        if with_values {
            out.bulk(value);
        }
    };
    let len = hash.len();
    if count < 0 || count == 1 {
        let picks = count.unsigned_abs();
        if picks > MAX_REPEATED_PICKS {
            return Err(error::out_of_range("value"));
        }
        header(out, picks as usize);
        for _ in 0..picks {
            if let Some(pair) = hash.get_index(rng.usize(..len)) {
                emit(out, pair);
            }
        }
        return Ok(());
    }
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    if wanted >= len {
        header(out, len);
        for pair in hash.iter() {
            emit(out, pair);
        }
        return Ok(());
    }
    header(out, wanted);
    for i in sample_distinct(rng, len, wanted) {
        if let Some(pair) = hash.get_index(i) {
            emit(out, pair);
        }
    }
    Ok(())
}

/// # Format
/// `HSCAN key cursor [MATCH pattern] [COUNT count]`
///
/// A listpack hash is returned whole with cursor 0, whatever the cursor
/// and COUNT, as Redis does. The cursor is checked before the key, the
/// options only once the key is known to be a hash (a missing key answers
/// an empty scan even with bad options).
pub(super) fn hscan(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    let cursor = parse_cursor(ctx.arg(2))?;
    let (hash, out, _) = read(ctx, key)?;
    let Some(hash) = hash else {
        reply_empty_scan(out);
        return Ok(());
    };
    let opts = parse_scan_options(args, 3)?;
    let mut items: Vec<&[u8]> = Vec::new();
    let next = if hash.is_listpack() {
        for (f, v) in hash.iter() {
            if opts.matches(f) {
                items.push(f);
                items.push(v);
            }
        }
        0
    } else {
        hash.scan(cursor, opts.count, |f, v| {
            if opts.matches(f) {
                items.push(f);
                items.push(v);
            }
        })
    };
    reply_scan(out, next, &items);
    Ok(())
}
