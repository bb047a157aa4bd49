//! LCS: the longest common subsequence of two strings, its length, or
//! the matching runs (IDX), with Redis 7.0's reply shapes and limits.

use super::steps::{keyword, stored};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::cmd::{Ctx, int_arg};
use crate::db::Value;

/// One matching run found by LCS: inclusive byte ranges in each string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Match {
    a: (usize, usize),
    b: (usize, usize),
}

impl Match {
    fn len(&self) -> usize {
        self.a.1 - self.a.0 + 1
    }
}

/// The longest common subsequence of `a` and `b` and, when `ranges`, its
/// matching runs from the end of the strings backwards, as Redis's
/// `lcsCommand` walks its table. `Err` when the table cannot be had.
fn longest_common(
    a: &[u8],
    b: &[u8],
    max_table_bytes: i64,
    want_string: bool,
    ranges: bool,
) -> Result<(usize, Vec<u8>, Vec<Match>), CmdError> {
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return Err(error::LCS_TOO_LONG);
    }
    let (alen, blen) = (a.len(), b.len());
    let width = blen + 1;
    let cells = (alen as u128 + 1) * (blen as u128 + 1);
    let table_bytes = cells * 4;
    if table_bytes > max_table_bytes.max(0) as u128 {
        return Err(error::LCS_TABLE_TOO_BIG);
    }
    let cells = usize::try_from(cells).map_err(|_| error::LCS_NO_MEMORY)?;
    let mut table: Vec<u32> = Vec::new();
    table
        .try_reserve_exact(cells)
        .map_err(|_| error::LCS_NO_MEMORY)?;
    table.resize(cells, 0);
    for i in 1..=alen {
        for j in 1..=blen {
            table[i * width + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * width + j - 1] + 1
            } else {
                table[(i - 1) * width + j].max(table[i * width + j - 1])
            };
        }
    }
    let total = table[alen * width + blen] as usize;
    if !want_string && !ranges {
        return Ok((total, Vec::new(), Vec::new()));
    }
    let mut result = vec![0u8; total];
    let mut matches = Vec::new();
    let mut idx = total;
    let (mut i, mut j) = (alen, blen);
    // `None` is Redis's "arange_start == alen": no run in progress.
    let mut run: Option<Match> = None;
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            match &mut run {
                None => {
                    run = Some(Match {
                        a: (i - 1, i - 1),
                        b: (j - 1, j - 1),
                    })
                }
                Some(m) if m.a.0 == i && m.b.0 == j => {
                    m.a.0 -= 1;
                    m.b.0 -= 1;
                }
                Some(_) => emit = true,
            }
            if run.is_some_and(|m| m.a.0 == 0 || m.b.0 == 0) {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * width + j] > table[i * width + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if run.is_some() {
                emit = true;
            }
        }
        if emit && let Some(m) = run.take() {
            matches.push(m);
        }
    }
    Ok((total, result, matches))
}

/// # Format
/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]`
pub(super) fn lcs(ctx: &mut Ctx<'_>) -> CmdResult {
    let (k1, k2) = (ctx.arg(1), ctx.arg(2));
    // Redis 7.0 checks both types before the options, with its own text.
    let a_is_string = ctx.lookup_read(k1).map(|e| e.value.is_string());
    let b_is_string = ctx.lookup_read(k2).map(|e| e.value.is_string());
    if a_is_string == Some(false) || b_is_string == Some(false) {
        return Err(error::LCS_WRONGTYPE);
    }
    let (mut want_len, mut want_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len = 0i64;
    let mut j = 3;
    while j < ctx.argc() {
        let word = keyword(ctx.arg(j));
        let more = ctx.argc() - 1 - j;
        if word.eq_ignore_ascii_case(b"idx") {
            want_idx = true;
        } else if word.eq_ignore_ascii_case(b"len") {
            want_len = true;
        } else if word.eq_ignore_ascii_case(b"withmatchlen") {
            with_match_len = true;
        } else if word.eq_ignore_ascii_case(b"minmatchlen") && more > 0 {
            min_match_len = int_arg(ctx.arg(j + 1))?.max(0);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if want_idx && want_len {
        return Err(error::LCS_LEN_AND_IDX);
    }
    let max_table = ctx.state.config.proto_max_bulk_len();
    let (db, now) = (ctx.client.db, ctx.now);
    let a = stored(ctx.state, db, k1, now).and_then(Value::str_bytes);
    let b = stored(ctx.state, db, k2, now).and_then(Value::str_bytes);
    let (total, string, matches) = longest_common(
        a.as_deref().unwrap_or_default(),
        b.as_deref().unwrap_or_default(),
        max_table,
        !want_len,
        want_idx,
    )?;
    let out = &mut *ctx.out;
    if want_idx {
        let shown: Vec<&Match> = matches
            .iter()
            .filter(|m| min_match_len == 0 || m.len() as i64 >= min_match_len)
            .collect();
        out.map(2);
        out.bulk(b"matches");
        out.array(shown.len());
        for m in shown {
            out.array(if with_match_len { 3 } else { 2 });
            out.array(2);
            out.int(m.a.0 as i64);
            out.int(m.a.1 as i64);
            out.array(2);
            out.int(m.b.0 as i64);
            out.int(m.b.1 as i64);
            if with_match_len {
                out.int(m.len() as i64);
            }
        }
        out.bulk(b"len");
        out.int(total as i64);
    } else if want_len {
        out.int(total as i64);
    } else {
        out.bulk(&string);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(a: &str, b: &str) -> (usize, String, Vec<Match>) {
        let (n, s, m) = longest_common(a.as_bytes(), b.as_bytes(), i64::MAX, true, true).unwrap();
        (n, String::from_utf8(s).unwrap(), m)
    }

    #[test]
    fn lcs_walks_runs_backwards_as_redis() {
        let (n, s, m) = ranges("ohmytext", "mynewtext");
        assert_eq!((n, s.as_str()), (6, "mytext"));
        assert_eq!(
            m,
            vec![
                Match {
                    a: (4, 7),
                    b: (5, 8)
                },
                Match {
                    a: (2, 3),
                    b: (0, 1)
                },
            ]
        );
        assert_eq!(ranges("", "abc").0, 0);
        assert_eq!(
            ranges("abc", "abc").2,
            vec![Match {
                a: (0, 2),
                b: (0, 2)
            }]
        );
    }

    #[test]
    fn lcs_refuses_a_table_over_the_limit() {
        let a = vec![b'a'; 600];
        let err = longest_common(&a, &a, 1 << 20, true, false).unwrap_err();
        assert_eq!(err, error::LCS_TABLE_TOO_BIG);
    }
}
