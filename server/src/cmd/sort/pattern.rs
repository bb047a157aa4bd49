//! What SORT's `BY` and `GET` patterns find, and how a weight reads as a
//! number.
//!
//! Redis handles patterns as C strings in places (finding `*`, `->` and
//! `#` stops at a NUL byte) and as binary-safe strings in others (the
//! parts it copies); [`lookup`] follows it exactly, so a pattern with a
//! NUL byte finds the key Redis finds.

use num_bigint::BigUint;

use crate::cmd::Ctx;
use crate::cmd::error::c_str;
use crate::db::Value;
use crate::num::strtod::strtod;

/// Redis's `lookupKeyByPattern`: the value `pattern` names for
/// `element`. `#` is the element itself; otherwise the first `*` is
/// replaced by the element and the key read (`lookupKeyRead`: lazy
/// expiry, statistics): a string's value, or with `->field` after the
/// `*` the field of a hash. `None` where there is no `*`, no such key, a
/// key of another type, or no such field.
pub(super) fn lookup(ctx: &mut Ctx<'_>, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    let cpat = c_str(pattern);
    if cpat == b"#" {
        return Some(element.to_vec());
    }
    let star = cpat.iter().position(|&b| b == b'*')?;
    // `->` after the `*`, followed by at least one byte before any NUL.
    let arrow = cpat[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < cpat.len());
    // The field runs to the end of the whole pattern, NULs and all.
    let field = arrow.map(|f| &pattern[f + 2..]);
    let suffix_end = arrow.unwrap_or(pattern.len());
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..suffix_end]);
    let entry = ctx.lookup_read(&key)?;
    match (field, &entry.value) {
        (Some(field), Value::Hash(h)) => h.get(field).map(|v| v.to_vec()),
        (None, value) if value.is_string() => value.str_bytes().map(|b| b.into_owned()),
        _ => None,
    }
}

/// A weight read as SORT reads it: C's `strtod` over the bytes up to the
/// first NUL, refused if anything but the end follows the number, if
/// `errno` would be `ERANGE` (overflow, underflow to zero, or an inexact
/// subnormal result) or if it is NaN. Leading blanks are accepted, and
/// so is the empty string (0).
pub(super) fn weight(bytes: &[u8]) -> Option<f64> {
    let text = c_str(bytes);
    let r = strtod(text);
    if r.used != text.len() || r.value.is_nan() || r.range_error {
        return None;
    }
    let v = r.value;
    if v != 0.0 && v.is_finite() && v.abs() < f64::MIN_POSITIVE && !exact_hex(text, v) {
        // glibc reports ERANGE for a subnormal result it had to round. A
        // decimal literal is exactly a subnormal only with hundreds of
        // digits, so decimal ones count as rounded; hexadecimal ones are
        // checked.
        return None;
    }
    Some(v)
}

/// Whether `text` (all of it read by `strtod`) is a hexadecimal float
/// whose value is exactly `v`.
fn exact_hex(text: &[u8], v: f64) -> bool {
    let t = text.trim_ascii_start();
    let t = t
        .strip_prefix(b"-")
        .or_else(|| t.strip_prefix(b"+"))
        .unwrap_or(t);
    let Some(body) = t.strip_prefix(b"0x").or_else(|| t.strip_prefix(b"0X")) else {
        return false;
    };
    let (digits, exp) = match body.iter().position(|&b| b == b'p' || b == b'P') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &b""[..]),
    };
    let mut exp2: i64 = if exp.is_empty() {
        0
    } else {
        match std::str::from_utf8(exp).ok().and_then(|e| e.parse().ok()) {
            Some(e) => e,
            None => return false,
        }
    };
    let mut mantissa = BigUint::default();
    let mut after_point = false;
    for &b in digits {
        if b == b'.' {
            after_point = true;
            continue;
        }
        let Some(d) = (b as char).to_digit(16) else {
            return false;
        };
        mantissa = mantissa * 16u32 + d;
        if after_point {
            exp2 -= 4;
        }
    }
    // A subnormal v is n × 2^-1074, n its bits; the literal is
    // mantissa × 2^exp2.
    let n = BigUint::from(v.abs().to_bits());
    let shift = exp2 + 1074;
    if shift >= 0 {
        mantissa << shift as usize == n
    } else {
        let s = shift.unsigned_abs() as usize;
        mantissa.trailing_zeros().unwrap_or(u64::MAX) >= s as u64 && mantissa >> s == n
    }
}

#[cfg(test)]
mod tests {
    use super::weight;

    #[test]
    fn weights_read_as_strtod_reads_them() {
        assert_eq!(weight(b""), Some(0.0));
        assert_eq!(weight(b"  1"), Some(1.0));
        assert_eq!(weight(b"0x10"), Some(16.0));
        assert_eq!(weight(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(weight(b"1\0junk"), Some(1.0));
        assert_eq!(weight(b"0x1p-1074"), Some(f64::from_bits(1)));
        for bad in [
            &b"1 "[..],
            b"nan",
            b"1e-400",
            b"1e400",
            b"4.9e-324",
            b"0x",
            b"abc",
            b"   ",
        ] {
            assert_eq!(weight(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(weight(b"0x1.00000000000001p-1070"), None);
    }
}
