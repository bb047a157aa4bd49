//! A replica made of a socket: it shakes hands with a primary (redsim or a
//! real redis-server) as a Redis 7.0 replica does, takes the snapshot, and
//! then hands the test the replication stream command by command, as raw
//! bytes, so that two primaries' streams can be compared byte for byte.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::RawClient;

/// A socket that a primary takes for its replica.
pub struct FakeReplica {
    stream: TcpStream,
    buf: Vec<u8>,
    /// The `+FULLRESYNC …` or `+CONTINUE …` line.
    pub sync_line: String,
    /// The snapshot's bytes (an RDB file), after a full synchronisation.
    pub rdb: Vec<u8>,
}

impl FakeReplica {
    /// Connects to `addr`, announces `port`, and runs `PSYNC replid offset`
    /// (`?` and -1 for a full synchronisation).
    pub fn sync(addr: SocketAddr, port: u16, replid: &str, offset: i64) -> FakeReplica {
        let stream = TcpStream::connect(addr).expect("connect to the primary");
        stream.set_nodelay(true).unwrap();
        let mut r = FakeReplica {
            stream,
            buf: Vec::new(),
            sync_line: String::new(),
            rdb: Vec::new(),
        };
        assert_eq!(r.call(&[b"PING"]), "+PONG");
        let port = port.to_string();
        assert_eq!(
            r.call(&[b"REPLCONF", b"listening-port", port.as_bytes()]),
            "+OK"
        );
        assert_eq!(r.call(&[b"REPLCONF", b"capa", b"psync2"]), "+OK");
        let offset = offset.to_string();
        r.sync_line = r.call(&[b"PSYNC", replid.as_bytes(), offset.as_bytes()]);
        if r.sync_line.starts_with("+FULLRESYNC") {
            let header = r.line();
            let n: usize = header[1..].parse().expect("a bulk length");
            r.rdb = r.exact(n);
        }
        r
    }

    fn call(&mut self, args: &[&[u8]]) -> String {
        self.stream.write_all(&RawClient::encode(args)).unwrap();
        self.line()
    }

    fn fill(&mut self, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        self.stream.set_read_timeout(Some(left)).unwrap();
        let mut chunk = [0u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    fn line(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while self.buf.first() == Some(&b'\n') {
                self.buf.remove(0);
            }
            if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..at + 2).collect();
                return String::from_utf8_lossy(&line[..at]).into_owned();
            }
            assert!(self.fill(deadline), "no line from the primary");
        }
    }

    fn exact(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.buf.len() < n {
            assert!(self.fill(deadline), "the snapshot did not arrive");
        }
        self.buf.drain(..n).collect()
    }

    /// The next command of the stream, raw, if one arrives within `wait`.
    pub fn next(&mut self, wait: Duration) -> Option<Vec<u8>> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(n) = super::frame_len(&self.buf, false) {
                return Some(self.buf.drain(..n).collect());
            }
            if !self.fill(deadline) {
                return None;
            }
        }
    }

    /// The commands of the stream up to and including the first that
    /// contains `marker` (the test writes a key named so last), skipping
    /// the PINGs a primary sends on its own.
    pub fn until(&mut self, marker: &str) -> Vec<Vec<u8>> {
        let mut got: Vec<Vec<u8>> = Vec::new();
        loop {
            let Some(cmd) = self.next(Duration::from_secs(10)) else {
                panic!(
                    "the stream ended before {marker}; got {:?}",
                    got.iter()
                        .map(|c| super::show(c.as_slice()))
                        .collect::<Vec<_>>()
                );
            };
            if cmd == b"*1\r\n$4\r\nPING\r\n" {
                continue;
            }
            let done = cmd.windows(marker.len()).any(|w| w == marker.as_bytes());
            got.push(cmd);
            if done {
                return got;
            }
        }
    }

    /// Sends `REPLCONF ACK offset`, as a replica does.
    pub fn ack(&mut self, offset: i64) {
        let offset = offset.to_string();
        self.stream
            .write_all(&RawClient::encode(&[
                b"REPLCONF",
                b"ACK",
                offset.as_bytes(),
            ]))
            .unwrap();
    }
}
