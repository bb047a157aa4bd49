//! C's `strtod`, as Redis reads every double argument (scores,
//! increments, weights) and score range items.
//!
//! Redis reads scores with `strtod` (through `string2d`), so hexadecimal
//! floats (`0x1p3`), `infinity` and denormals are scores; overflow and
//! underflow to zero are refused. Score *range* items use `strtod` with
//! laxer checks, built on the same [`strtod`] here.

/// The outcome of C's `strtod` on a byte string.
#[derive(Clone, Copy, Debug)]
pub struct Strtod {
    /// The value read (0 when nothing was).
    pub value: f64,
    /// Bytes consumed, leading blanks included; 0 when nothing was read.
    pub used: usize,
    /// Whether `errno` would be `ERANGE` (overflow, or underflow to zero).
    pub range_error: bool,
}

pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_nocase(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// C's `strtod` in the C locale, as glibc implements it: leading blanks,
/// a sign, then `inf`/`infinity`, `nan[(…)]`, a hexadecimal float or a
/// decimal one. Stops at the first byte that cannot continue the number.
pub fn strtod(s: &[u8]) -> Strtod {
    let none = Strtod {
        value: 0.0,
        used: 0,
        range_error: false,
    };
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let sign = |v: f64| if negative { -v } else { v };
    let rest = &s[i..];
    if starts_with_nocase(rest, b"inf") {
        let len = if starts_with_nocase(rest, b"infinity") {
            8
        } else {
            3
        };
        return Strtod {
            value: sign(f64::INFINITY),
            used: i + len,
            range_error: false,
        };
    }
    if starts_with_nocase(rest, b"nan") {
        let mut len = 3;
        if rest.get(3) == Some(&b'(') {
            let close = rest[4..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
            if let Some(p) = close
                && rest[4 + p] == b')'
            {
                len = 4 + p + 1;
            }
        }
        return Strtod {
            value: f64::NAN,
            used: i + len,
            range_error: false,
        };
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((value, len, range_error)) = hex_float(&rest[2..]) {
            return Strtod {
                value: sign(value),
                used: i + 2 + len,
                range_error,
            };
        }
        // "0x" with no hex digit after it is the number 0 followed by "x".
        return Strtod {
            value: sign(0.0),
            used: i + 1,
            range_error: false,
        };
    }
    let start = i;
    let mut digits = 0;
    let mut nonzero = false;
    while i < s.len() && s[i].is_ascii_digit() {
        nonzero |= s[i] != b'0';
        digits += 1;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            nonzero |= s[i] != b'0';
            digits += 1;
            i += 1;
        }
    }
    if digits == 0 {
        return none;
    }
    if i < s.len() && (s[i] | 0x20) == b'e' {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        let exp_digits = s[j..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    // The matched text is plain ASCII in a syntax Rust's parser accepts and
    // rounds correctly, as glibc does.
    let text = std::str::from_utf8(&s[start..i]).unwrap_or("0");
    let magnitude: f64 = text.parse().unwrap_or(0.0);
    let range_error = magnitude.is_infinite() || (magnitude == 0.0 && nonzero);
    Strtod {
        value: sign(magnitude),
        used: i,
        range_error,
    }
}

/// The digits of a hexadecimal float after `0x`: value, bytes used and
/// whether it overflowed or underflowed to zero. `None` without a digit.
fn hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut mant: u64 = 0;
    // Binary exponent of mant's last bit.
    let mut exp: i64 = 0;
    let mut sticky = false;
    let mut digits = 0;
    let mut i = 0;
    let mut after_point = false;
    while let Some(&b) = s.get(i) {
        if b == b'.' && !after_point {
            after_point = true;
            i += 1;
            continue;
        }
        let Some(d) = (b as char).to_digit(16) else {
            break;
        };
        digits += 1;
        if mant < 1 << 60 {
            mant = mant * 16 + u64::from(d);
            if after_point {
                exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !after_point {
                exp += 4;
            }
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        let mut j = i + 1;
        let mut neg = false;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            neg = s[j] == b'-';
            j += 1;
        }
        let start = j;
        let mut e: i64 = 0;
        while j < s.len() && s[j].is_ascii_digit() {
            e = (e * 10 + i64::from(s[j] - b'0')).min(1 << 40);
            j += 1;
        }
        if j > start {
            exp += if neg { -e } else { e };
            i = j;
        }
    }
    if mant == 0 {
        return Some((0.0, i, false));
    }
    let bits = 64 - i64::from(mant.leading_zeros());
    // The value lies in [2^top, 2^(top+1)).
    let top = exp + bits - 1;
    if top > 1023 {
        return Some((f64::INFINITY, i, true));
    }
    let value = if top >= -1022 {
        let shift = bits - 53;
        let m = round_shift(mant, shift, sticky);
        // Rounding may carry into a 54th bit.
        let (m, top) = if m >> 53 != 0 {
            (m >> 1, top + 1)
        } else {
            (m, top)
        };
        if top > 1023 {
            return Some((f64::INFINITY, i, true));
        }
        f64::from_bits((((top + 1023) as u64) << 52) | (m & ((1 << 52) - 1)))
    } else {
        // Subnormal: the unit is 2^-1074.
        let shift = -1074 - exp;
        let m = round_shift(mant, shift, sticky);
        if m == 0 {
            return Some((0.0, i, true));
        }
        f64::from_bits(m)
    };
    Some((value, i, false))
}

/// `mant × 2^-shift` rounded to nearest, ties to even; `sticky` says
/// nonzero bits were already dropped below `mant`.
fn round_shift(mant: u64, shift: i64, sticky: bool) -> u64 {
    if shift <= 0 {
        return mant << (-shift).min(63);
    }
    if shift > 64 {
        return 0;
    }
    let wide = u128::from(mant);
    let q = (wide >> shift) as u64;
    let rem = wide & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rem > half || (rem == half && (sticky || q & 1 == 1)) {
        q + 1
    } else {
        q
    }
}

/// Reads a score, increment or weight as Redis's `string2d` does: `strtod`
/// over the whole argument, no leading blank, no NaN, no overflow and no
/// underflow to zero.
pub fn score(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || is_c_space(arg[0]) {
        return None;
    }
    let r = strtod(arg);
    if r.used != arg.len() || r.value.is_nan() {
        return None;
    }
    if r.range_error && (r.value.is_infinite() || r.value == 0.0) {
        return None;
    }
    Some(r.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_strtod() {
        assert_eq!(score(b"1.5"), Some(1.5));
        assert_eq!(score(b"0x10"), Some(16.0));
        assert_eq!(score(b"0x1p-2"), Some(0.25));
        assert_eq!(score(b"-0X1.8P1"), Some(-3.0));
        assert_eq!(score(b"inf"), Some(f64::INFINITY));
        assert_eq!(score(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(score(b"+5"), Some(5.0));
        assert_eq!(score(b".5"), Some(0.5));
        assert_eq!(score(b"5."), Some(5.0));
        assert!(score(b"1e-320").is_some_and(|v| v > 0.0));
        assert_eq!(score(b"1e400"), None);
        assert_eq!(score(b"1e-400"), None);
        assert_eq!(score(b"0e-400"), Some(0.0));
        assert_eq!(score(b"nan"), None);
        assert_eq!(score(b""), None);
        assert_eq!(score(b" 1"), None);
        assert_eq!(score(b"1 "), None);
        assert_eq!(score(b"1e"), None);
        assert_eq!(score(b"0x"), None);
        assert_eq!(score(b"abc"), None);
    }

    #[test]
    fn hex_floats_round_to_nearest_even() {
        assert_eq!(score(b"0x1.fffffffffffff8p0"), Some(2.0));
        assert_eq!(
            score(b"0x1.fffffffffffff7p0"),
            Some(f64::from_bits(0x3FFF_FFFF_FFFF_FFFF))
        );
        assert_eq!(score(b"0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(score(b"0x1p-1075"), None);
        assert_eq!(score(b"0x1.8p-1074"), Some(f64::from_bits(2)));
        assert_eq!(score(b"0x1p1024"), None);
        assert_eq!(score(b"0x1.fffffffffffffp1023"), Some(f64::MAX));
        assert_eq!(
            score(b"0x123456789abcdef0123456789"),
            Some(0x123456789abcdef0123456789u128 as f64)
        );
    }
}
