//! A blocking RESP client that keeps replies as raw bytes, and the helpers
//! that cut, split and sort such replies for byte-for-byte comparison.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A blocking RESP client that returns raw reply bytes.
pub struct RawClient {
    stream: TcpStream,
    buf: Vec<u8>,
    pub(crate) resp3: bool,
}

impl RawClient {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> std::io::Result<RawClient> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        Ok(RawClient {
            stream,
            buf: Vec::new(),
            resp3: false,
        })
    }

    /// Whether replies are read as RESP3 (after `HELLO 3`).
    pub fn set_resp3(&mut self, on: bool) {
        self.resp3 = on;
    }

    /// Encodes `args` as a multibulk request.
    pub fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
        req
    }

    /// Sends a request and returns the raw bytes of its reply.
    pub fn call(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send_raw(&Self::encode(args));
        self.read_reply()
    }

    /// [`RawClient::call`] that returns I/O errors (and a closed
    /// connection) instead of panicking.
    pub fn try_call(&mut self, args: &[&[u8]]) -> std::io::Result<Vec<u8>> {
        self.stream.write_all(&Self::encode(args))?;
        self.read_reply_io()
    }

    fn read_reply_io(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            if let Some(n) = frame_len(&self.buf, self.resp3) {
                return Ok(self.buf.drain(..n).collect());
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "server closed the connection; unread: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
    }

    /// Reads the raw bytes of the next reply (blocking).
    pub fn read_reply(&mut self) -> Vec<u8> {
        self.read_reply_io().expect("read from server")
    }

    /// Reads a reply if one arrives within `wait`.
    pub fn try_read_reply(&mut self, wait: Duration) -> Option<Vec<u8>> {
        let _ = self.stream.set_read_timeout(Some(wait));
        let deadline = Instant::now() + wait;
        let result = loop {
            if let Some(n) = frame_len(&self.buf, self.resp3) {
                break Some(self.buf.drain(..n).collect());
            }
            if Instant::now() >= deadline {
                break None;
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => break None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        };
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(20)));
        result
    }

    /// Whether the server has closed the connection (reads EOF within
    /// `wait`).
    pub fn is_closed_by_server(&mut self, wait: Duration) -> bool {
        let _ = self.stream.set_read_timeout(Some(wait));
        let mut chunk = [0u8; 1024];
        let closed = matches!(self.stream.read(&mut chunk), Ok(0));
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(20)));
        closed
    }
}

/// Length of the first complete frame in `buf`, by `redis-protocol`.
pub fn frame_len(buf: &[u8], resp3: bool) -> Option<usize> {
    if buf.is_empty() {
        return None;
    }
    let r = if resp3 {
        redis_protocol::resp3::decode::complete::decode(buf).map(|o| o.map(|(_, n)| n))
    } else {
        redis_protocol::resp2::decode::decode(buf).map(|o| o.map(|(_, n)| n))
    };
    match r {
        Ok(n) => n,
        // redis-protocol wants simple strings and errors in UTF-8; Redis
        // echoes a client's bytes in errors whatever they are. Such a frame
        // is measured by its lines and lengths alone (`None`: incomplete).
        Err(_) => scan_frame(buf),
    }
}

/// Length of the first complete RESP2/RESP3 frame in `buf` from its type
/// bytes, lines and lengths; `None` while incomplete or malformed.
fn scan_frame(buf: &[u8]) -> Option<usize> {
    let line = buf.windows(2).position(|w| w == b"\r\n")?;
    let header = line + 2;
    let number = || -> Option<i64> { std::str::from_utf8(&buf[1..line]).ok()?.parse().ok() };
    match buf.first()? {
        b'+' | b'-' | b':' | b',' | b'#' | b'_' | b'(' => Some(header),
        b'$' | b'!' | b'=' => {
            let n = number()?;
            if n < 0 {
                return Some(header);
            }
            let end = header + usize::try_from(n).ok()? + 2;
            (buf.len() >= end).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = number()?;
            if n < 0 {
                return Some(header);
            }
            let items = if matches!(buf[0], b'%' | b'|') {
                n * 2
            } else {
                n
            };
            let mut at = header;
            for _ in 0..items {
                at += scan_frame(&buf[at..])?;
            }
            Some(at)
        }
        _ => None,
    }
}

/// Splits an aggregate reply (`*`, `~`, `%`, `>`) into its header line and
/// the raw bytes of each element; `None` for a non-aggregate.
pub fn split_aggregate(reply: &[u8], resp3: bool) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    if !matches!(reply.first(), Some(b'*' | b'~' | b'%' | b'>')) {
        return None;
    }
    let line_end = reply.windows(2).position(|w| w == b"\r\n")? + 2;
    let header = reply[..line_end].to_vec();
    let count: i64 = std::str::from_utf8(&reply[1..line_end - 2])
        .ok()?
        .parse()
        .ok()?;
    if count < 0 {
        return None;
    }
    let count = if reply[0] == b'%' { count * 2 } else { count };
    let mut rest = &reply[line_end..];
    let mut items = Vec::new();
    for _ in 0..count {
        let n = frame_len(rest, resp3)?;
        items.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    Some((header, items))
}

/// A reply with its top-level aggregate's elements sorted (map entries
/// sorted as pairs), for replies whose order Redis leaves unspecified.
pub fn sorted(reply: &[u8], resp3: bool) -> Vec<u8> {
    let Some((header, mut items)) = split_aggregate(reply, resp3) else {
        return reply.to_vec();
    };
    if header[0] == b'%' {
        let mut pairs: Vec<Vec<u8>> = items.chunks(2).map(|c| c.concat()).collect();
        pairs.sort();
        items = pairs;
    } else {
        items.sort();
    }
    let mut out = header;
    for i in items {
        out.extend_from_slice(&i);
    }
    out
}

/// Splits a command line into arguments: blanks separate, double quotes
/// group (with `\"`, `\\`, `\n`, `\r`, `\t` and `\xHH` escapes).
pub fn split_command(line: &str) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut chars = line.bytes().peekable();
    while let Some(c) = chars.next() {
        match c {
            b' ' | b'\t' => {
                if let Some(a) = cur.take() {
                    args.push(a);
                }
            }
            b'"' => {
                let a = cur.get_or_insert_with(Vec::new);
                while let Some(c) = chars.next() {
                    match c {
                        b'"' => break,
                        b'\\' => match chars.next() {
                            Some(b'n') => a.push(b'\n'),
                            Some(b'r') => a.push(b'\r'),
                            Some(b't') => a.push(b'\t'),
                            Some(b'x') => {
                                let h: String = [chars.next(), chars.next()]
                                    .iter()
                                    .flatten()
                                    .map(|&b| b as char)
                                    .collect();
                                a.push(u8::from_str_radix(&h, 16).expect("bad \\x escape"));
                            }
                            Some(o) => a.push(o),
                            None => {}
                        },
                        o => a.push(o),
                    }
                }
            }
            o => cur.get_or_insert_with(Vec::new).push(o),
        }
    }
    if let Some(a) = cur {
        args.push(a);
    }
    args
}

/// A reply's bytes as one line of text for a failure message: printable
/// ASCII as it is, `\r`, `\n` and `\\` escaped, every other byte as
/// `\xHH`, so that two different replies never print the same.
pub fn show(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}
