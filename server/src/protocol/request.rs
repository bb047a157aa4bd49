//! Decoding of client requests: RESP multibulk arrays and inline commands.
//!
//! This is the server side of RESP, which is narrower than the protocol a
//! client reads: Redis accepts only an array of bulk strings (`*2\r\n$3\r\n…`)
//! or an inline line (`SET a b\r\n`, as typed into telnet). It owns the
//! request grammar, Redis's protocol-error texts and the request size limits;
//! it does not know what a command means.
//!
//! Why not `redis-protocol`'s decoder: a generic RESP decoder accepts every
//! frame type, waits for a declared bulk of 512 MB to arrive before saying
//! anything, and reports its own errors. Redis rejects a bad header as soon
//! as it is read, with texts that clients and conformance suites match byte
//! for byte, and it resumes a half-read request without rescanning it. That
//! behaviour is the specification here, so the grammar is written out.

use bytes::{Buf, Bytes, BytesMut};

use crate::cmd::error::{self, protocol_texts};

/// Longest inline request, and longest `*<n>` / `$<n>` header line, that
/// Redis buffers while waiting for a newline (`PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;

/// Largest multibulk count Redis accepts (`INT_MAX`).
const MULTIBULK_MAX: i64 = i32::MAX as i64;

/// Before authentication Redis refuses requests with more arguments than this.
const UNAUTH_MULTIBULK_MAX: i64 = 10;

/// Before authentication Redis refuses bulk arguments longer than this.
const UNAUTH_BULK_MAX: i64 = 16 * 1024;

/// Arguments are gathered into a vector of at most this many slots up
/// front; a declared count is never trusted with an allocation beyond it.
const PREALLOC_ARGS: usize = 1024;

/// The limits a request must respect, taken from the server configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `proto-max-bulk-len`: the longest bulk argument accepted.
    pub max_bulk_len: i64,
    /// Whether the client still has to authenticate (tighter limits apply).
    pub auth_required: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            auth_required: false,
        }
    }
}

/// A request that breaks the protocol. Redis answers it with
/// `-ERR Protocol error: <text>` and then closes the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    fn new(text: impl Into<String>) -> Self {
        ProtocolError(text.into())
    }

    /// The error line Redis sends before closing: `ERR Protocol error: …`.
    pub fn reply_text(&self) -> String {
        error::protocol_error(&self.0).into_text()
    }
}

/// An incremental request decoder for one connection.
///
/// Like Redis it remembers how far into a multibulk request it got, so a
/// request that arrives in many reads is scanned once.
#[derive(Debug, Default)]
pub struct RequestDecoder {
    /// Arguments still to read of the current multibulk request (0: none
    /// in progress).
    remaining: usize,
    /// Length of the bulk argument whose header has been read.
    bulk_len: Option<usize>,
    /// Arguments of the current multibulk request read so far.
    args: Vec<Bytes>,
}

impl RequestDecoder {
    /// A decoder at the start of a request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a multibulk request has been partly read.
    pub fn in_progress(&self) -> bool {
        self.remaining > 0
    }

    /// Decodes the next request from `buf`, consuming what it reads.
    ///
    /// Returns `Ok(None)` when more bytes are needed. Empty requests (blank
    /// inline lines, `*0`, `*-1`) are skipped, as Redis skips them. After an
    /// error the connection must be closed: the buffer is left unspecified.
    pub fn decode(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        loop {
            if self.remaining == 0 {
                if buf.is_empty() {
                    return Ok(None);
                }
                if buf[0] != b'*' {
                    match decode_inline(buf)? {
                        None => return Ok(None),
                        Some(args) if args.is_empty() => continue,
                        Some(args) => return Ok(Some(args)),
                    }
                }
                match self.start_multibulk(buf, limits)? {
                    Start::NeedMore => return Ok(None),
                    Start::Empty => continue,
                    Start::Started => {}
                }
            }
            return self.continue_multibulk(buf, limits);
        }
    }

    fn start_multibulk(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Start, ProtocolError> {
        let Some(line) = header_line(buf, protocol_texts::TOO_BIG_MBULK_COUNT)? else {
            return Ok(Start::NeedMore);
        };
        let count = parse_header_number(&buf[1..line]);
        buf.advance(line + 2);
        let count = match count {
            Some(n) if n <= MULTIBULK_MAX => n,
            _ => return Err(ProtocolError::new(protocol_texts::INVALID_MULTIBULK_LENGTH)),
        };
        if count > UNAUTH_MULTIBULK_MAX && limits.auth_required {
            return Err(ProtocolError::new(protocol_texts::UNAUTH_MULTIBULK_LENGTH));
        }
        if count <= 0 {
            return Ok(Start::Empty);
        }
        // Safe on every target: count ≤ INT_MAX.
        self.remaining = count as usize;
        self.args = Vec::with_capacity(self.remaining.min(PREALLOC_ARGS));
        Ok(Start::Started)
    }

    fn continue_multibulk(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        while self.remaining > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    let Some(line) = header_line(buf, protocol_texts::TOO_BIG_BULK_COUNT)? else {
                        return Ok(None);
                    };
                    if buf[0] != b'$' {
                        return Err(ProtocolError(protocol_texts::expected_dollar(char::from(
                            buf[0],
                        ))));
                    }
                    let len = match parse_header_number(&buf[1..line]) {
                        Some(n) if n >= 0 && n <= limits.max_bulk_len => n,
                        _ => return Err(ProtocolError::new(protocol_texts::INVALID_BULK_LENGTH)),
                    };
                    if len > UNAUTH_BULK_MAX && limits.auth_required {
                        return Err(ProtocolError::new(protocol_texts::UNAUTH_BULK_LENGTH));
                    }
                    buf.advance(line + 2);
                    let len = usize::try_from(len)
                        .map_err(|_| ProtocolError::new(protocol_texts::INVALID_BULK_LENGTH))?;
                    self.bulk_len = Some(len);
                    len
                }
            };
            // Redis skips the two bytes after the payload without looking
            // at them; so do we, for identical behaviour on sloppy clients.
            let Some(total) = len.checked_add(2) else {
                return Err(ProtocolError::new(protocol_texts::INVALID_BULK_LENGTH));
            };
            if buf.len() < total {
                // Grow towards the declared size only as data arrives: a
                // header is a promise, not a reason to allocate.
                return Ok(None);
            }
            let arg = buf.split_to(len).freeze();
            buf.advance(2);
            self.args.push(arg);
            self.bulk_len = None;
            self.remaining -= 1;
        }
        Ok(Some(std::mem::take(&mut self.args)))
    }
}

enum Start {
    NeedMore,
    Empty,
    Started,
}

/// Finds the `\r` that ends a `*<n>` or `$<n>` header line. Redis looks for
/// the carriage return and then needs one more byte for the newline.
fn header_line(buf: &BytesMut, too_big: &'static str) -> Result<Option<usize>, ProtocolError> {
    match memchr(b'\r', buf) {
        None => {
            if buf.len() > INLINE_MAX {
                Err(ProtocolError::new(too_big))
            } else {
                Ok(None)
            }
        }
        Some(pos) if pos + 1 >= buf.len() => Ok(None),
        Some(pos) => Ok(Some(pos)),
    }
}

/// Parses a header number the way Redis's `string2ll` does: an optional
/// minus, digits, no leading zeros or plus sign, no surrounding spaces.
fn parse_header_number(digits: &[u8]) -> Option<i64> {
    crate::num::parse_i64(digits)
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Decodes one inline request line. `Some(vec![])` is a blank line.
fn decode_inline(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(newline) = memchr(b'\n', buf) else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::new(protocol_texts::TOO_BIG_INLINE));
        }
        return Ok(None);
    };
    let mut end = newline;
    if end > 0 && buf[end - 1] == b'\r' {
        end -= 1;
    }
    let args = split_args(&buf[..end])
        .ok_or_else(|| ProtocolError::new(protocol_texts::UNBALANCED_QUOTES))?;
    buf.advance(newline + 1);
    Ok(Some(args.into_iter().map(Bytes::from).collect()))
}

/// Splits a line into arguments as Redis's `sdssplitargs` does: blanks
/// separate arguments; `"…"` understands `\n \r \t \b \a \\ \"` and `\xHH`;
/// `'…'` understands only `\'`; a closing quote must be followed by a blank
/// or the end of the line. Returns `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_blank(line[i]) {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            if in_double {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && line[i + 2].is_ascii_hexdigit()
                    && line[i + 3].is_ascii_hexdigit()
                {
                    current.push(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    current.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !is_blank(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < n && !is_blank(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        i += 1;
                        break;
                    }
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    c => current.push(c),
                }
            }
            i += 1;
        }
        args.push(current);
    }
}

fn is_blank(c: u8) -> bool {
    // isspace() in the C locale, as sdssplitargs uses it.
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Result<Vec<Vec<Bytes>>, ProtocolError> {
        let mut buf = BytesMut::from(input);
        let mut dec = RequestDecoder::new();
        let mut out = Vec::new();
        while let Some(args) = dec.decode(&mut buf, &Limits::default())? {
            out.push(args);
        }
        Ok(out)
    }

    #[test]
    fn multibulk_and_inline_mix() {
        let got = decode_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n\r\n*0\r\n").unwrap();
        assert_eq!(got, vec![vec!["GET", "k"], vec!["PING"]]);
    }

    #[test]
    fn a_request_split_across_reads_is_resumed() {
        let whole = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut dec = RequestDecoder::new();
        let mut buf = BytesMut::new();
        for (i, b) in whole.iter().enumerate() {
            buf.extend_from_slice(&[*b]);
            let r = dec.decode(&mut buf, &Limits::default()).unwrap();
            if i + 1 < whole.len() {
                assert!(r.is_none(), "early at byte {i}");
            } else {
                assert_eq!(r.unwrap(), vec!["SET", "key", "value"]);
            }
        }
    }

    #[test]
    fn errors_have_redis_texts() {
        let err = |b: &[u8]| decode_all(b).unwrap_err().reply_text();
        assert_eq!(
            err(b"*x\r\n"),
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            err(b"*1\r\n+a\r\n"),
            "ERR Protocol error: expected '$', got '+'"
        );
        assert_eq!(
            err(b"*1\r\n$-1\r\n"),
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            err(b"PING \"a\r\n"),
            "ERR Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            err(&[b'A'; INLINE_MAX + 1]),
            "ERR Protocol error: too big inline request"
        );
        let mut big = b"*".to_vec();
        big.extend(std::iter::repeat_n(b'1', INLINE_MAX + 1));
        assert_eq!(err(&big), "ERR Protocol error: too big mbulk count string");
    }

    #[test]
    fn declared_lengths_are_not_allocated() {
        let mut buf = BytesMut::from(&b"*1000000\r\n$400000000\r\nabc"[..]);
        let mut dec = RequestDecoder::new();
        assert!(dec.decode(&mut buf, &Limits::default()).unwrap().is_none());
        assert!(dec.args.capacity() <= PREALLOC_ARGS);
        assert!(buf.capacity() < 1024);
    }

    #[test]
    fn unauthenticated_limits() {
        let limits = Limits {
            auth_required: true,
            ..Limits::default()
        };
        let mut dec = RequestDecoder::new();
        let e = dec
            .decode(&mut BytesMut::from(&b"*11\r\n"[..]), &limits)
            .unwrap_err();
        assert_eq!(e.0, "unauthenticated multibulk length");
        let mut dec = RequestDecoder::new();
        let e = dec
            .decode(&mut BytesMut::from(&b"*1\r\n$16385\r\n"[..]), &limits)
            .unwrap_err();
        assert_eq!(e.0, "unauthenticated bulk length");
    }

    #[test]
    fn split_args_quoting() {
        let s = |l: &str| {
            split_args(l.as_bytes()).map(|v| {
                v.into_iter()
                    .map(|a| String::from_utf8_lossy(&a).into_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            s("set a  b"),
            Some(vec!["set".into(), "a".into(), "b".into()])
        );
        assert_eq!(
            s(r#"echo "a\x41\n""#),
            Some(vec!["echo".into(), "aA\n".into()])
        );
        assert_eq!(
            s(r#"echo 'it\'s'"#),
            Some(vec!["echo".into(), "it's".into()])
        );
        assert_eq!(s(r#"echo "a"b"#), None);
        assert_eq!(s(r#"echo 'a"#), None);
        assert_eq!(s(r#"echo """#), Some(vec!["echo".into(), "".into()]));
    }
}
