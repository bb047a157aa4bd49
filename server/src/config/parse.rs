//! Parsing of configuration values as Redis 7.0 parses them (numbers,
//! memory sizes, multi-word values, the special formats), and the
//! C-library quirks they depend on.

use super::table::{Num, Syntax};
use crate::cmd::error::config_texts;

/// Words of the shutdown flags, in Redis's order.
pub(super) const SHUTDOWN_FLAGS: [(&str, u32); 5] = [
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

/// Client classes of `client-output-buffer-limit`, in output order.
const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

pub(super) fn enum_error<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = names.collect();
    config_texts::one_of(&list.join(", "))
}

/// Splits a multi-word value on single spaces like Redis's `sdssplitlen`:
/// the empty string has no words, and doubled spaces yield empty words.
pub(super) fn split_args(raw: &[u8]) -> Vec<&[u8]> {
    if raw.is_empty() {
        Vec::new()
    } else {
        raw.split(|&c| c == b' ').collect()
    }
}

/// Redis's `string2ll`: optional `-`, no `+`, no leading zeros or spaces.
pub(super) fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    if !matches!(digits.first(), Some(b'1'..=b'9')) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// C's `strtoll(s, &end, 10)` followed by a check that `end` is the end of
/// `s`: leading white space and a sign are accepted, overflow saturates,
/// and the empty string is 0.
pub(super) fn c_strtoll(s: &[u8]) -> Option<i64> {
    let mut i = s
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'..=b'\r'))
        .count();
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        // No conversion: `end` is the start of the string.
        return s.is_empty().then_some(0);
    }
    if i + digits != s.len() {
        return None;
    }
    let value = s[i..].iter().try_fold(0i64, |acc, &d| {
        let d = i64::from(d - b'0');
        let next = acc.checked_mul(10)?;
        if negative {
            next.checked_sub(d)
        } else {
            next.checked_add(d)
        }
    });
    Some(value.unwrap_or(if negative { i64::MIN } else { i64::MAX }))
}

/// Redis's `memtoull`: digits then an optional unit; no sign. Overflowing
/// digits saturate and the unit multiplication wraps, as in C.
pub(super) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = s[digits..].to_ascii_lowercase();
    let multiplier: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let value = s[..digits].iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some(value.wrapping_mul(multiplier))
}

/// Parses and range-checks a numeric value with Redis's error texts.
pub(super) fn parse_num(num: &Num, raw: &[u8]) -> Result<i64, String> {
    let parsed = match num.syntax {
        Syntax::Int => string2ll(raw).ok_or(config_texts::NOT_INTEGER),
        Syntax::Memory => memtoull(raw)
            .map(|v| v as i64)
            .ok_or(config_texts::NOT_MEMORY),
        Syntax::MemoryOrPercent => memtoull(raw)
            .map(|v| v as i64)
            .or_else(|| {
                let digits = raw.strip_suffix(b"%").filter(|d| !d.is_empty())?;
                string2ll(digits).filter(|v| *v >= 0).map(|v| -v)
            })
            .ok_or(config_texts::NOT_MEMORY_OR_PERCENT),
        Syntax::Octal => std::str::from_utf8(raw)
            .ok()
            .and_then(|s| i64::from_str_radix(s, 8).ok())
            .ok_or(config_texts::NOT_OCTAL),
    };
    let n = parsed.map_err(str::to_owned)?;
    if num.syntax == Syntax::MemoryOrPercent && n < 0 {
        if i128::from(n) < num.lo {
            return Err(config_texts::percentage_at_most(-num.lo));
        }
        return Ok(n);
    }
    let checked = if num.unsigned {
        i128::from(n as u64)
    } else {
        i128::from(n)
    };
    if checked < num.lo || checked > num.hi {
        return Err(if num.syntax == Syntax::Octal {
            config_texts::between_octal(num.lo, num.hi)
        } else {
            config_texts::between(num.lo, num.hi)
        });
    }
    Ok(n)
}

pub(super) fn parse_shutdown(raw: &[u8]) -> Result<u32, String> {
    let words = split_args(raw);
    let mut flags = 0;
    for word in &words {
        match SHUTDOWN_FLAGS
            .iter()
            .find(|f| word.eq_ignore_ascii_case(f.0.as_bytes()))
        {
            Some(f) => flags |= f.1,
            None => return Err(enum_error(SHUTDOWN_FLAGS.iter().map(|f| f.0))),
        }
    }
    if words.is_empty() {
        return Err(enum_error(SHUTDOWN_FLAGS.iter().map(|f| f.0)));
    }
    if flags & 3 == 3 {
        return Err(config_texts::SAVE_AND_NOSAVE.into());
    }
    Ok(flags)
}

/// `save`: pairs of seconds (>= 1) and changes (>= 0), printed back as
/// `"<seconds> <changes> ..."`; changes are a C `int` in Redis.
pub(super) fn parse_save(raw: &[u8]) -> Result<Vec<u8>, String> {
    let words = split_args(raw);
    let invalid = || config_texts::INVALID_SAVE.to_owned();
    if words.len() % 2 == 1 {
        return Err(invalid());
    }
    let mut parts = Vec::with_capacity(words.len());
    for pair in words.chunks(2) {
        let seconds = c_strtoll(pair[0]).filter(|&s| s >= 1).ok_or_else(invalid)?;
        let changes = c_strtoll(pair[1]).filter(|&c| c >= 0).ok_or_else(invalid)?;
        parts.push(format!("{seconds} {}", changes as i32));
    }
    Ok(parts.join(" ").into_bytes())
}

/// `client-output-buffer-limit`: groups of `<class> <hard> <soft> <secs>`
/// merged into `current` (the canonical text of all three classes).
pub(super) fn parse_output_buffer_limit(raw: &[u8], current: &[u8]) -> Result<Vec<u8>, String> {
    let words = split_args(raw);
    if !words.chunks_exact(4).remainder().is_empty() {
        return Err(config_texts::BUFFER_LIMIT_ARITY.into());
    }
    let mut limits = [(0u64, 0u64, 0i32); 3];
    for (slot, chunk) in limits.iter_mut().zip(split_args(current).chunks(4)) {
        if let [_, hard, soft, secs] = chunk {
            *slot = (memtoull(hard).unwrap_or(0), memtoull(soft).unwrap_or(0), {
                c_strtoll(secs).unwrap_or(0) as i32
            });
        }
    }
    for group in words.chunks(4) {
        let class = match group[0].to_ascii_lowercase().as_slice() {
            b"normal" => 0,
            b"slave" | b"replica" => 1,
            b"pubsub" => 2,
            _ => {
                return Err(config_texts::BUFFER_LIMIT_CLASS.into());
            }
        };
        let secs = c_strtoll(group[3]).map(|s| s as i32);
        match (memtoull(group[1]), memtoull(group[2]), secs) {
            (Some(hard), Some(soft), Some(secs)) if secs >= 0 => limits[class] = (hard, soft, secs),
            _ => {
                return Err(config_texts::BUFFER_LIMIT_VALUES.into());
            }
        }
    }
    let text: Vec<String> = OBUF_CLASSES
        .iter()
        .zip(limits)
        .map(|(class, (hard, soft, secs))| format!("{class} {hard} {soft} {secs}"))
        .collect();
    Ok(text.join(" ").into_bytes())
}

pub(super) fn parse_oom_values(raw: &[u8]) -> Result<Vec<u8>, String> {
    let words = split_args(raw);
    if words.len() != 3 {
        return Err(config_texts::OOM_VALUES_ARITY.into());
    }
    let mut values = Vec::with_capacity(3);
    for word in words {
        match c_strtoll(word) {
            Some(v) if (-2000..=2000).contains(&v) => values.push(v.to_string()),
            _ => {
                return Err(config_texts::OOM_VALUES_RANGE.into());
            }
        }
    }
    Ok(values.join(" ").into_bytes())
}

/// `latency-tracking-info-percentiles`: numbers in 0..=100, printed with
/// C's `%f` and trailing zeros trimmed.
pub(super) fn parse_percentiles(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for word in split_args(raw) {
        let p = string2d(word).ok_or(config_texts::PERCENTILES_INVALID)?;
        if !(0.0..=100.0).contains(&p) {
            return Err(config_texts::PERCENTILES_RANGE.into());
        }
        let fixed = format!("{p:.6}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        out.push(trimmed.to_owned());
    }
    Ok(out.join(" ").into_bytes())
}

/// Redis's `string2d`: the whole input must be a `strtod` number, with no
/// leading space, no NaN and no overflow (a literal `inf` is accepted).
pub(super) fn string2d(word: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(word).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let body = text.trim_start_matches(['+', '-']);
    let negative = text.starts_with('-');
    let value = if text.len() - body.len() > 1 {
        return None;
    } else if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = parse_hex_float(hex)?;
        if negative { -v } else { v }
    } else {
        text.parse::<f64>().ok()?
    };
    let literal_inf = body
        .bytes()
        .next()
        .is_some_and(|c| c.eq_ignore_ascii_case(&b'i'));
    let overflow = value.is_infinite() && !literal_inf;
    let mantissa = body.split(['e', 'E']).next().unwrap_or("");
    let underflow = value == 0.0 && mantissa.bytes().any(|c| (b'1'..=b'9').contains(&c));
    (!value.is_nan() && !overflow && !underflow).then_some(value)
}

/// The part of a C hexadecimal float after `0x`: hex digits with an
/// optional point, then an optional binary exponent `p[+-]digits`.
pub(super) fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exponent) = match s.find(['p', 'P']) {
        Some(at) => (&s[..at], s[at + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let scale = exponent - 4 * i32::try_from(frac_part.len()).ok()?;
    Some(value * 2f64.powi(scale))
}

/// `proc-title-template`: `{var}` placeholders must be known and the
/// expansion (with an empty title, as Redis validates) must not be blank.
pub(super) fn valid_proc_title(raw: &[u8]) -> bool {
    let mut expanded = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.iter().position(|&c| c == b'{') {
        expanded.extend_from_slice(&rest[..open]);
        rest = &rest[open + 1..];
        match rest.first() {
            None => return false,
            Some(b'{') => {
                expanded.push(b'{');
                rest = &rest[1..];
                continue;
            }
            Some(_) => {}
        }
        let Some(close) = rest.iter().position(|&c| c == b'}') else {
            return false;
        };
        let value: &[u8] = match &rest[..close] {
            b"title" | b"server-mode" | b"unixsocket" => b"",
            b"listen-addr" | b"port" | b"tls-port" | b"config-file" => b"x",
            _ => return false,
        };
        expanded.extend_from_slice(value);
        rest = &rest[close + 1..];
    }
    expanded.extend_from_slice(rest);
    expanded.iter().any(|&c| c != b' ')
}
