//! Replies and arguments as one line of text, for people: the command
//! journal prints them in test failure output.
//!
//! The rendering is close to `redis-cli`'s, folded onto one line: `OK`,
//! `(error) ERR …`, `(integer) 3`, `(nil)`, `"text"`, `[a, b]`, `{k: v}`.
//! Long strings and long aggregates are cut, saying how much was left out,
//! so that a journal line stays a line. This module reads RESP; it never
//! writes it.

use std::fmt::Write;

/// Bytes of one string shown before it is cut.
const MAX_STRING: usize = 64;
/// Elements of one aggregate shown before it is cut.
const MAX_ITEMS: usize = 16;

/// One argument as text: bare when it is printable and has no blanks or
/// quotes, quoted with escapes otherwise.
pub fn arg(bytes: &[u8]) -> String {
    let bare = !bytes.is_empty()
        && bytes.len() <= MAX_STRING
        && bytes
            .iter()
            .all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b'\'');
    if bare {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    quoted(bytes)
}

/// A string in double quotes, with `\n`, `\r`, `\t`, `\"`, `\\` and `\xHH`
/// escapes, cut after [`MAX_STRING`] bytes.
pub fn quoted(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(MAX_STRING)];
    let mut s = String::with_capacity(shown.len() + 2);
    s.push('"');
    for &b in shown {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b' '..=b'~' => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    if bytes.len() > shown.len() {
        let _ = write!(s, "…(+{} bytes)", bytes.len() - shown.len());
    }
    s
}

/// The first reply in `buf` as one line; what cannot be parsed is shown
/// as escaped bytes.
pub fn reply(buf: &[u8]) -> String {
    match frame(buf) {
        Some((text, _)) => text,
        None => quoted(buf),
    }
}

/// Renders the frame at the start of `buf`: its text and its length.
fn frame(buf: &[u8]) -> Option<(String, usize)> {
    let line_end = buf.windows(2).position(|w| w == b"\r\n")?;
    let head = *buf.first()?;
    let line = &buf[1..line_end];
    let text = || String::from_utf8_lossy(line).into_owned();
    let after = line_end + 2;
    let simple = |s: String| Some((s, after));
    match head {
        b'+' => simple(text()),
        b'-' => simple(format!("(error) {}", text())),
        b':' => simple(format!("(integer) {}", text())),
        b'_' => simple("(nil)".to_string()),
        b',' => simple(format!("(double) {}", text())),
        b'(' => simple(format!("(big number) {}", text())),
        b'#' => simple(if line == b"t" { "(true)" } else { "(false)" }.to_string()),
        b'$' | b'=' | b'!' => {
            let n: i64 = std::str::from_utf8(line).ok()?.parse().ok()?;
            if n < 0 {
                return simple("(nil)".to_string());
            }
            let end = after.checked_add(usize::try_from(n).ok()?)?;
            let body = buf.get(after..end)?;
            let shown = match head {
                b'$' => quoted(body),
                // Verbatim strings start with their format (`txt:`).
                b'=' => quoted(body.get(4..).unwrap_or(body)),
                _ => format!("(error) {}", String::from_utf8_lossy(body)),
            };
            Some((shown, end + 2))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = std::str::from_utf8(line).ok()?.parse().ok()?;
            if n < 0 {
                return simple("(nil)".to_string());
            }
            let pairs = matches!(head, b'%' | b'|');
            let items = usize::try_from(if pairs { n * 2 } else { n }).ok()?;
            let mut parts = Vec::with_capacity(items.min(MAX_ITEMS * 2));
            let mut pos = after;
            for _ in 0..items {
                let (s, len) = frame(&buf[pos..])?;
                parts.push(s);
                pos += len;
            }
            let cut = |parts: Vec<String>, max: usize| {
                let total = parts.len();
                let mut shown: Vec<String> = parts.into_iter().take(max).collect();
                if total > max {
                    shown.push(format!("…(+{} more)", total - max));
                }
                shown.join(", ")
            };
            let body = if pairs {
                let joined: Vec<String> = parts
                    .chunks(2)
                    .map(|kv| format!("{}: {}", kv[0], kv.get(1).map_or("", |v| v)))
                    .collect();
                cut(joined, MAX_ITEMS)
            } else {
                cut(parts, MAX_ITEMS)
            };
            let shown = match head {
                b'*' => format!("[{body}]"),
                b'~' => format!("set[{body}]"),
                b'>' => format!("push[{body}]"),
                b'|' => format!("attributes{{{body}}}"),
                _ => format!("{{{body}}}"),
            };
            Some((shown, pos))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(reply(b"+OK\r\n"), "OK");
        assert_eq!(reply(b"-ERR no\r\n"), "(error) ERR no");
        assert_eq!(reply(b":-3\r\n"), "(integer) -3");
        assert_eq!(reply(b"$-1\r\n"), "(nil)");
        assert_eq!(reply(b"*-1\r\n"), "(nil)");
        assert_eq!(reply(b"_\r\n"), "(nil)");
        assert_eq!(reply(b"$3\r\na b\r\n"), "\"a b\"");
        assert_eq!(reply(b"#t\r\n"), "(true)");
        assert_eq!(reply(b",1.5\r\n"), "(double) 1.5");
        assert_eq!(reply(b"=6\r\ntxt:hi\r\n"), "\"hi\"");
    }

    #[test]
    fn aggregates() {
        assert_eq!(reply(b"*2\r\n$1\r\na\r\n:1\r\n"), "[\"a\", (integer) 1]");
        assert_eq!(reply(b"*0\r\n"), "[]");
        assert_eq!(reply(b"%1\r\n+k\r\n+v\r\n"), "{k: v}");
        assert_eq!(reply(b"~1\r\n+m\r\n"), "set[m]");
        let mut many = b"*20\r\n".to_vec();
        for _ in 0..20 {
            many.extend_from_slice(b":1\r\n");
        }
        assert!(reply(&many).ends_with("…(+4 more)]"));
    }

    #[test]
    fn arguments_are_bare_or_quoted_and_cut() {
        assert_eq!(arg(b"lock:a"), "lock:a");
        assert_eq!(arg(b"a b"), "\"a b\"");
        assert_eq!(arg(b""), "\"\"");
        assert_eq!(arg(b"\x00\n"), "\"\\x00\\n\"");
        let long = vec![b'x'; 100];
        assert!(arg(&long).ends_with("…(+36 bytes)"));
    }

    #[test]
    fn garbage_is_shown_escaped() {
        assert_eq!(reply(b"?what\r\n"), "\"?what\\r\\n\"");
        assert_eq!(reply(b"*2\r\n:1\r\n"), "\"*2\\r\\n:1\\r\\n\"");
    }
}
