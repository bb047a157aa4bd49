//! Encoding of replies in the client's protocol version, RESP2 or RESP3.
//!
//! Commands write their reply straight into an [`Out`] buffer instead of
//! building a tree of values: a reply is encoded once, under the state lock,
//! in the form the client asked for. The RESP3 types that RESP2 lacks are
//! downgraded exactly as Redis downgrades them (maps become flat arrays,
//! doubles bulk strings, booleans integers, nulls `$-1` or `*-1`).
//!
//! This module knows the wire format and nothing about commands.

use crate::num::format_double;

/// The RESP version a connection speaks (`HELLO 2` / `HELLO 3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Resp {
    /// RESP2, the default for every new connection.
    #[default]
    V2,
    /// RESP3, after `HELLO 3`.
    V3,
}

impl Resp {
    /// The number `HELLO` reports: 2 or 3.
    pub fn number(self) -> i64 {
        match self {
            Resp::V2 => 2,
            Resp::V3 => 3,
        }
    }
}

/// A reply buffer that encodes for one protocol version.
#[derive(Debug, Default)]
pub struct Out {
    buf: Vec<u8>,
    resp: Resp,
}

impl Out {
    /// An empty buffer encoding for `resp`.
    pub fn new(resp: Resp) -> Self {
        Out {
            buf: Vec::new(),
            resp,
        }
    }

    /// The protocol version replies are encoded in.
    pub fn resp(&self) -> Resp {
        self.resp
    }

    /// Switches the protocol version for the replies written from now on.
    pub fn set_resp(&mut self, resp: Resp) {
        self.resp = resp;
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Number of bytes written so far; a mark for [`Out::truncate`].
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Forgets everything written after `mark` (a value of [`Out::len`]).
    pub fn truncate(&mut self, mark: usize) {
        self.buf.truncate(mark);
    }

    /// Inserts already-encoded bytes at position `mark` (a value of
    /// [`Out::len`]), ahead of what was written after it.
    pub fn insert(&mut self, mark: usize, bytes: &[u8]) {
        let mark = mark.min(self.buf.len());
        self.buf.splice(mark..mark, bytes.iter().copied());
    }

    /// Empties the buffer, keeping its allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Takes the encoded bytes, leaving the buffer empty.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Appends bytes that are already encoded (for this protocol version).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A HELP reply: a first line naming the command, the given lines,
    /// and a closing HELP line, as Redis's help replies are shaped.
    pub fn help(&mut self, command: &str, lines: &[&str]) {
        let head = format!("{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        self.array(lines.len() + 3);
        self.simple(&head);
        for l in lines {
            self.simple(l);
        }
        self.simple("HELP");
        self.simple("    Prints this help.");
    }

    /// A simple string of any bytes (`+…`). Must not contain CR or LF.
    pub fn simple_bytes(&mut self, s: &[u8]) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A simple string (`+…`). Must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error line (`-…`). The text starts with its code (`ERR`,
    /// `WRONGTYPE`…); newlines are replaced by spaces as Redis does, so a
    /// message can never break the framing.
    pub fn error(&mut self, text: &str) {
        self.error_bytes(text.as_bytes());
    }

    /// An error of any bytes (`-…`): CR and LF at its end go and those
    /// inside become spaces, as Redis makes them, so that the reply stays
    /// one line.
    pub fn error_bytes(&mut self, text: &[u8]) {
        let end = text
            .iter()
            .rposition(|&b| b != b'\r' && b != b'\n')
            .map_or(0, |i| i + 1);
        let text = &text[..end];
        self.buf.push(b'-');
        self.buf.extend(
            text.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer (`:…`).
    pub fn int(&mut self, n: i64) {
        self.buf.push(b':');
        self.number(n);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string (`$len\r\n…`).
    pub fn bulk(&mut self, data: &[u8]) {
        self.buf.push(b'$');
        self.number(data.len() as i64);
        self.buf.extend_from_slice(b"\r\n");
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding the decimal form of `n`.
    pub fn bulk_int(&mut self, n: i64) {
        let mut tmp = itoa::Buffer::new();
        self.bulk(tmp.format(n).as_bytes());
    }

    /// The null reply for a missing string: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        match self.resp {
            Resp::V2 => self.buf.extend_from_slice(b"$-1\r\n"),
            Resp::V3 => self.buf.extend_from_slice(b"_\r\n"),
        }
    }

    /// The null reply for a missing array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        match self.resp {
            Resp::V2 => self.buf.extend_from_slice(b"*-1\r\n"),
            Resp::V3 => self.buf.extend_from_slice(b"_\r\n"),
        }
    }

    /// The header of an array of `len` elements; the elements follow.
    pub fn array(&mut self, len: usize) {
        self.header(b'*', len);
    }

    /// The header of a map of `len` pairs: `%len` in RESP3, an array of
    /// `2 × len` elements in RESP2. Keys and values follow, alternating.
    pub fn map(&mut self, len: usize) {
        match self.resp {
            Resp::V2 => self.header(b'*', len * 2),
            Resp::V3 => self.header(b'%', len),
        }
    }

    /// The header of a set of `len` elements: `~len` in RESP3, an array in RESP2.
    pub fn set(&mut self, len: usize) {
        match self.resp {
            Resp::V2 => self.header(b'*', len),
            Resp::V3 => self.header(b'~', len),
        }
    }

    /// The header of an out-of-band push message: `>len` in RESP3, an array in RESP2.
    pub fn push(&mut self, len: usize) {
        match self.resp {
            Resp::V2 => self.header(b'*', len),
            Resp::V3 => self.header(b'>', len),
        }
    }

    /// A double: `,…` in RESP3, a bulk string in RESP2, formatted as Redis
    /// 7.0 formats doubles (`%.17g`, `inf`, `-inf`).
    pub fn double(&mut self, d: f64) {
        let text = format_double(d);
        match self.resp {
            Resp::V2 => self.bulk(text.as_bytes()),
            Resp::V3 => {
                self.buf.push(b',');
                self.buf.extend_from_slice(text.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A double the caller formatted itself (Redis's
    /// `addReplyHumanLongDouble`, e.g. GEOPOS coordinates): a bulk string
    /// in RESP2, a double (`,…`) in RESP3.
    pub fn double_text(&mut self, text: &str) {
        match self.resp {
            Resp::V2 => self.bulk(text.as_bytes()),
            Resp::V3 => {
                self.buf.push(b',');
                self.buf.extend_from_slice(text.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    #[allow(
        dead_code,
        reason = "the Lua bridge's RESP3 conversions use it (issue 4)"
    )]
    pub fn bool(&mut self, b: bool) {
        match self.resp {
            Resp::V2 => self.int(i64::from(b)),
            Resp::V3 => self
                .buf
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    /// A verbatim string (`=len\r\ntxt:…`) in RESP3, a bulk string in RESP2.
    /// `format` is the three-letter type, `txt` or `mkd`.
    pub fn verbatim(&mut self, format: &str, data: &[u8]) {
        match self.resp {
            Resp::V2 => self.bulk(data),
            Resp::V3 => {
                self.buf.push(b'=');
                self.number((data.len() + 4) as i64);
                self.buf.extend_from_slice(b"\r\n");
                self.buf.extend_from_slice(format.as_bytes());
                self.buf.push(b':');
                self.buf.extend_from_slice(data);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A big number (`(…`) in RESP3, a bulk string in RESP2.
    #[allow(
        dead_code,
        reason = "the Lua bridge's RESP3 conversions use it (issue 4)"
    )]
    pub fn big_number(&mut self, digits: &str) {
        match self.resp {
            Resp::V2 => self.bulk(digits.as_bytes()),
            Resp::V3 => {
                self.buf.push(b'(');
                self.buf.extend_from_slice(digits.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<'a, I>(&mut self, items: I)
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: ExactSizeIterator,
    {
        let items = items.into_iter();
        self.array(items.len());
        for item in items {
            self.bulk(item);
        }
    }

    fn header(&mut self, kind: u8, len: usize) {
        self.buf.push(kind);
        self.number(len as i64);
        self.buf.extend_from_slice(b"\r\n");
    }

    fn number(&mut self, n: i64) {
        let mut tmp = itoa::Buffer::new();
        self.buf.extend_from_slice(tmp.format(n).as_bytes());
    }
}

/// Length of the first complete reply frame in `buf` (as this module
/// encodes them: every RESP2 and RESP3 type), or `None` if incomplete or
/// malformed. Used to split a stream of replies back into replies.
pub fn frame_len(buf: &[u8]) -> Option<usize> {
    let line_end = buf.windows(2).position(|w| w == b"\r\n")?;
    let head = *buf.first()?;
    let body = std::str::from_utf8(&buf[1..line_end]).ok()?;
    let after = line_end + 2;
    match head {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => Some(after),
        b'$' | b'=' | b'!' => {
            let n: i64 = body.parse().ok()?;
            if n < 0 {
                return Some(after);
            }
            let end = after
                .checked_add(usize::try_from(n).ok()?)?
                .checked_add(2)?;
            (buf.len() >= end).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = body.parse().ok()?;
            if n < 0 {
                return Some(after);
            }
            let items = if matches!(head, b'%' | b'|') {
                n * 2
            } else {
                n
            };
            let mut pos = after;
            for _ in 0..items {
                pos += frame_len(&buf[pos..])?;
            }
            Some(pos)
        }
        _ => None,
    }
}

/// The value of a whole integer reply (`:n\r\n`), `None` for any other
/// reply: how in-crate callers that run a command for themselves (the
/// direct API) read the count it answered, without a client's parser.
pub fn integer(reply: &[u8]) -> Option<i64> {
    let body = reply.strip_prefix(b":")?.strip_suffix(b"\r\n")?;
    crate::num::parse_i64(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(resp: Resp, f: impl FnOnce(&mut Out)) -> String {
        let mut out = Out::new(resp);
        f(&mut out);
        String::from_utf8(out.take()).unwrap()
    }

    #[test]
    fn resp2_downgrades() {
        assert_eq!(enc(Resp::V2, |o| o.null()), "$-1\r\n");
        assert_eq!(enc(Resp::V2, |o| o.null_array()), "*-1\r\n");
        assert_eq!(enc(Resp::V2, |o| o.map(2)), "*4\r\n");
        assert_eq!(enc(Resp::V2, |o| o.bool(true)), ":1\r\n");
        assert_eq!(enc(Resp::V2, |o| o.double(1.5)), "$3\r\n1.5\r\n");
        assert_eq!(enc(Resp::V2, |o| o.double(f64::INFINITY)), "$3\r\ninf\r\n");
    }

    #[test]
    fn resp3_types() {
        assert_eq!(enc(Resp::V3, |o| o.null()), "_\r\n");
        assert_eq!(enc(Resp::V3, |o| o.map(2)), "%2\r\n");
        assert_eq!(enc(Resp::V3, |o| o.set(1)), "~1\r\n");
        assert_eq!(enc(Resp::V3, |o| o.bool(false)), "#f\r\n");
        assert_eq!(enc(Resp::V3, |o| o.double(-0.5)), ",-0.5\r\n");
        assert_eq!(
            enc(Resp::V3, |o| o.verbatim("txt", b"hi")),
            "=6\r\ntxt:hi\r\n"
        );
        assert_eq!(enc(Resp::V3, |o| o.push(3)), ">3\r\n");
    }

    #[test]
    fn frames_split_back_into_replies() {
        let mut out = Out::new(Resp::V3);
        out.push(3);
        out.bulk(b"message");
        out.null();
        out.map(1);
        out.bulk(b"k");
        out.double(1.5);
        out.int(7);
        let bytes = out.take();
        let first = frame_len(&bytes).unwrap();
        assert_eq!(&bytes[first..], b":7\r\n");
        assert_eq!(frame_len(&bytes[..first - 1]), None);
    }

    #[test]
    fn integer_replies_read_back() {
        assert_eq!(
            integer(&enc(Resp::V2, |o| o.int(-42)).into_bytes()),
            Some(-42)
        );
        assert_eq!(
            integer(&enc(Resp::V3, |o| o.int(i64::MAX)).into_bytes()),
            Some(i64::MAX)
        );
        assert_eq!(integer(b"+OK\r\n"), None);
        assert_eq!(integer(b":1"), None);
        assert_eq!(integer(b"$1\r\n1\r\n"), None);
    }

    #[test]
    fn integers_and_errors() {
        assert_eq!(
            enc(Resp::V2, |o| o.int(i64::MIN)),
            ":-9223372036854775808\r\n"
        );
        assert_eq!(enc(Resp::V2, |o| o.int(0)), ":0\r\n");
        assert_eq!(enc(Resp::V2, |o| o.error("ERR a\r\nb")), "-ERR a  b\r\n");
        assert_eq!(enc(Resp::V2, |o| o.bulk(b"")), "$0\r\n\r\n");
    }
}
