//! Numbers as Redis reads and writes them.
//!
//! Redis's replies depend on C library details: integers are accepted by
//! `string2ll` (no `+`, no leading zeros, no spaces), doubles by `strtod`
//! and printed with `%.17g`, and `INCRBYFLOAT` computes in the x87 80-bit
//! `long double` and prints with `%.17Lf`. This module reproduces each rule
//! exactly, so that `INCRBYFLOAT` of `10.6` by `1e20` answers
//! `100000000000000000008` here as it does on Redis 7.0 on x86-64.
//!
//! It owns number syntax and formatting only; commands decide which error a
//! failed parse becomes.

mod long_double;
pub mod strtod;

pub use long_double::LongDouble;

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Parses a signed 64-bit integer with Redis's `string2ll` rules.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    // LONG_STR_SIZE is 21: longer input is rejected before any digit is read.
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let first = *digits.first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if value > i64::MAX as u64 + 1 {
            None
        } else {
            Some((value as i128).wrapping_neg() as i64)
        }
    } else {
        i64::try_from(value).ok()
    }
}

/// The pieces of a decimal, hexadecimal (or inf) literal accepted by `strtod`.
enum Literal {
    Infinite {
        negative: bool,
    },
    Finite {
        negative: bool,
        digits: BigUint,
        exp10: i64,
        nonzero: bool,
    },
    /// A hexadecimal literal (`0x1.8p3`): `digits × 2^exp2`.
    Binary {
        negative: bool,
        digits: BigUint,
        exp2: i64,
        nonzero: bool,
    },
}

/// Splits `s` as C's `strtod`/`strtold` would, requiring the whole string
/// to be consumed and no leading blank (Redis rejects both). NaN is refused
/// (Redis refuses it everywhere). Hexadecimal floats (`0x10`, `0x1.8p-3`)
/// are lexed as [`Literal::Binary`].
fn lex_float(s: &[u8]) -> Option<Literal> {
    let first = *s.first()?;
    if first.is_ascii_whitespace() || first == 0x0b || first == 0x0c {
        return None;
    }
    let (negative, body) = match first {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(Literal::Infinite { negative });
    }
    if body.len() > 2 && body[0] == b'0' && (body[1] == b'x' || body[1] == b'X') {
        return lex_hex(negative, &body[2..]);
    }
    let mut digits = BigUint::zero();
    let mut exp10: i64 = 0;
    let mut seen_digit = false;
    let mut nonzero = false;
    let mut i = 0;
    let mut pending: u64 = 0;
    let mut pending_len = 0u32;
    let flush = |digits: &mut BigUint, pending: &mut u64, len: &mut u32| {
        if *len > 0 {
            *digits = &*digits * BigUint::from(10u64.pow(*len)) + BigUint::from(*pending);
            *pending = 0;
            *len = 0;
        }
    };
    while i < body.len() && body[i].is_ascii_digit() {
        pending = pending * 10 + u64::from(body[i] - b'0');
        pending_len += 1;
        if pending_len == 18 {
            flush(&mut digits, &mut pending, &mut pending_len);
        }
        nonzero |= body[i] != b'0';
        seen_digit = true;
        i += 1;
    }
    if i < body.len() && body[i] == b'.' {
        i += 1;
        while i < body.len() && body[i].is_ascii_digit() {
            pending = pending * 10 + u64::from(body[i] - b'0');
            pending_len += 1;
            if pending_len == 18 {
                flush(&mut digits, &mut pending, &mut pending_len);
            }
            nonzero |= body[i] != b'0';
            seen_digit = true;
            exp10 -= 1;
            i += 1;
        }
    }
    flush(&mut digits, &mut pending, &mut pending_len);
    if !seen_digit {
        return None;
    }
    if i < body.len() && (body[i] == b'e' || body[i] == b'E') {
        i += 1;
        let mut exp_negative = false;
        if i < body.len() && (body[i] == b'+' || body[i] == b'-') {
            exp_negative = body[i] == b'-';
            i += 1;
        }
        let start = i;
        let mut e: i64 = 0;
        while i < body.len() && body[i].is_ascii_digit() {
            e = (e * 10 + i64::from(body[i] - b'0')).min(1_000_000_000);
            i += 1;
        }
        if i == start {
            // strtod stops before a bare 'e', leaving it unconsumed.
            return None;
        }
        exp10 += if exp_negative { -e } else { e };
    }
    if i != body.len() {
        return None;
    }
    Some(Literal::Finite {
        negative,
        digits,
        exp10,
        nonzero,
    })
}

/// The part of a hexadecimal float after `0x`: hex digits with an optional
/// point, then an optional binary exponent `p[+-]digits`. As with
/// `strtold`, a literal with no hex digit, or a bare `p`, leaves input
/// unconsumed and so is refused.
fn lex_hex(negative: bool, body: &[u8]) -> Option<Literal> {
    let mut digits = BigUint::zero();
    let mut exp2: i64 = 0;
    let mut seen_digit = false;
    let mut nonzero = false;
    let mut i = 0;
    let mut in_fraction = false;
    while i < body.len() {
        let c = body[i];
        if c == b'.' && !in_fraction {
            in_fraction = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        digits = (digits << 4usize) + BigUint::from(d);
        nonzero |= d != 0;
        seen_digit = true;
        if in_fraction {
            exp2 -= 4;
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if i < body.len() && (body[i] == b'p' || body[i] == b'P') {
        i += 1;
        let mut exp_negative = false;
        if i < body.len() && (body[i] == b'+' || body[i] == b'-') {
            exp_negative = body[i] == b'-';
            i += 1;
        }
        let start = i;
        let mut e: i64 = 0;
        while i < body.len() && body[i].is_ascii_digit() {
            e = (e * 10 + i64::from(body[i] - b'0')).min(1_000_000_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp2 += if exp_negative { -e } else { e };
    }
    if i != body.len() {
        return None;
    }
    Some(Literal::Binary {
        negative,
        digits,
        exp2,
        nonzero,
    })
}

/// C's `(uint64_t)` of a double as gcc compiles it for x86-64: below 2^63
/// through a signed conversion (so a negative value wraps), above it with
/// 2^63 taken off and put back; out of range gives 2^63 before the fix-up.
/// Redis's geohash scores and HyperLogLog estimates go through it, so
/// their results depend on it.
pub fn c_double_to_u64(x: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let signed = |v: f64| {
        if v.is_finite() && (-TWO_63..TWO_63).contains(&v) {
            v as i64
        } else {
            i64::MIN
        }
    };
    if x >= TWO_63 {
        (signed(x - TWO_63) as u64) ^ (1 << 63)
    } else {
        signed(x) as u64
    }
}

/// Parses a double with the rules of Redis's `getDoubleFromObject`
/// (`string2d`): C's `strtod` over the whole argument — decimal or
/// hexadecimal, `inf`/`infinity` accepted — with no leading blank, no NaN,
/// and no overflow to infinity or underflow to zero.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    strtod::score(s)
}

/// Formats a double as Redis 7.0 does in replies: `%.17g`, with `inf` and
/// `-inf` spelled out.
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.is_nan() {
        return "nan".into();
    }
    format_g(d, 17)
}

/// C's `%.<precision>g` for a finite double.
pub fn format_g(d: f64, precision: usize) -> String {
    let precision = precision.max(1);
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // `{:.Ne}` rounds correctly to N+1 significant digits, as glibc does.
    let sci = format!("{:.*e}", precision - 1, d);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim_fraction(&format!("{d:.decimals$}")).to_string()
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_rules() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        for bad in [
            &b"9223372036854775808"[..],
            b"+1",
            b"01",
            b"-0",
            b" 1",
            b"1 ",
            b"",
            b"-",
            b"1a",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn strtod_rules() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"+.5"), Some(0.5));
        assert_eq!(parse_f64(b"5."), Some(5.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"+Infinity"), Some(f64::INFINITY));
        for bad in [
            &b"nan"[..],
            b"1e",
            b" 1",
            b"1 ",
            b"",
            b".",
            b"1e400",
            b"1e-400",
            b"abc",
        ] {
            assert_eq!(parse_f64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_f64(b"0e400"), Some(0.0));
        assert_eq!(parse_f64(b"0x10"), Some(16.0));
        assert_eq!(parse_f64(b"-0x1.8p1"), Some(-3.0));
        assert_eq!(parse_f64(b"0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(parse_f64(b"0x1p2000"), None);
    }

    #[test]
    fn percent_17g() {
        assert_eq!(format_double(1.1), "1.1000000000000001");
        assert_eq!(format_double(1e20), "1e+20");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(1e-5), "1.0000000000000001e-05");
        assert_eq!(
            format_double(123456789012345678.0),
            "1.2345678901234568e+17"
        );
        assert_eq!(format_double(-0.0), "-0");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_double(0.0001), "0.0001");
    }

    fn incr(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).unwrap();
        let b = LongDouble::parse(b.as_bytes()).unwrap();
        a.add(&b).to_human_string().unwrap()
    }

    #[test]
    fn long_double_matches_redis_incrbyfloat() {
        // Each expectation was read off Redis 7.0.15 on x86-64.
        assert_eq!(incr("10.5", "0.1"), "10.6");
        assert_eq!(incr("10.6", "1e20"), "100000000000000000008");
        assert_eq!(incr("1", "1.5e-10"), "1.00000000015");
        assert_eq!(incr("5.0e3", "2.0e2"), "5200");
        assert_eq!(incr("10.6", "-5"), "5.6");
        assert_eq!(incr("0", "0"), "0");
        assert_eq!(incr("1", "-1"), "0");
        assert_eq!(incr("-0", "-0"), "0");
        // Hexadecimal literals, as strtold reads them.
        assert_eq!(incr("0", "0x10"), "16");
        assert_eq!(incr("0x1p-2", "0X.8P1"), "1.25");
        assert_eq!(incr("0", "-0x1.8"), "-1.5");
        assert_eq!(incr("0", "0x123456789abcdef12p0"), "20988295479420645138");
    }

    #[test]
    fn long_double_parse_refuses_what_strtold_reports_as_erange() {
        let refused = [
            "0x",
            "0x1p",
            "0xg",
            "0x.p1",
            "1e5000",
            "1e-5000",
            "0x1p16384",
            "0x1p-16500",
        ];
        for bad in refused {
            assert_eq!(LongDouble::parse(bad.as_bytes()), None, "{bad}");
        }
        // Subnormal, but not zero: accepted, as Redis accepts it.
        assert!(LongDouble::parse(b"1e-4940").is_some());
        assert!(LongDouble::parse(b"0x1.fffffffffffffffep16383").is_some());
    }
}
