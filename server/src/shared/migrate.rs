//! MIGRATE's network side: the connections to its targets, kept per
//! `host:port` as Redis keeps `migrate_cached_sockets` (at most 64, closed
//! after 10 s unused, SELECT sent only when the connection was last used
//! for another database), and the transfer itself as `migrateCommand`
//! makes it: one write of AUTH, SELECT and the RESTOREs, then their reply
//! lines, each step within the command's timeout; a failure before any
//! RESTORE reply that is not a timeout closes the connection and tries
//! once more.
//!
//! The transfer blocks the thread that makes it (plain sockets with
//! timeouts, as Redis's synchronous I/O): a client's MIGRATE makes it on
//! the runtime's blocking pool, off the state lock
//! (`Host::migrate_detached`); EXEC and scripts make it where they run,
//! under the lock. What the replies mean is the command's business
//! (`cmd::migrate`).

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::cmd::migrate::{Transfer, Transferred};

/// Redis's `MIGRATE_SOCKET_CACHE_ITEMS`.
const CACHE_ITEMS: usize = 64;
/// Redis's `MIGRATE_SOCKET_CACHE_TTL`.
const CACHE_TTL: Duration = Duration::from_secs(10);
/// Redis writes the request in chunks of this size.
const CHUNK: usize = 64 * 1024;

/// One cached connection to a target.
struct Cached {
    stream: TcpStream,
    /// The database it was last used in (-1: unknown, SELECT it).
    last_db: i64,
    last_use: Instant,
}

/// The cached connections of one server, by `host:port` as given.
#[derive(Default)]
pub struct MigrateSockets {
    map: Mutex<HashMap<Vec<u8>, Cached>>,
}

impl MigrateSockets {
    /// Takes the connection to `name` out of the cache (a concurrent
    /// MIGRATE to the same target opens its own), if it is fresh.
    fn take(&self, name: &[u8]) -> Option<Cached> {
        let cached = self.map.lock().remove(name)?;
        (cached.last_use.elapsed() <= CACHE_TTL).then_some(cached)
    }

    /// Puts a connection back; the oldest goes when the cache is full.
    fn put(&self, name: Vec<u8>, mut cached: Cached) {
        cached.last_use = Instant::now();
        let mut map = self.map.lock();
        map.retain(|_, c| c.last_use.elapsed() <= CACHE_TTL);
        if map.len() >= CACHE_ITEMS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, c)| c.last_use)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(name, cached);
    }
}

/// How an attempt failed before any RESTORE reply was read.
struct Failure {
    writing: bool,
    timeout: bool,
}

/// What an attempt read.
struct Lines {
    auth: Option<Vec<u8>>,
    select: Option<Vec<u8>>,
    restores: Vec<Vec<u8>>,
    /// The connection failed before every RESTORE reply came (and whether
    /// by a timeout).
    cut: Option<bool>,
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Connects as Redis's blocking connect does. A refused connection is not
/// a connect failure in Redis (its non-blocking connect "completes" and
/// the write fails): so here too.
fn connect(transfer: &Transfer, timeout: Duration) -> Result<Option<TcpStream>, ()> {
    let host = std::str::from_utf8(&transfer.host).map_err(|_| ())?;
    let addr = (host, transfer.port_number())
        .to_socket_addrs()
        .map_err(|_| ())?
        .next()
        .ok_or(())?;
    match TcpStream::connect_timeout(&addr, timeout) {
        Ok(stream) => {
            let _ = stream.set_nodelay(true);
            Ok(Some(stream))
        }
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => Ok(None),
        Err(_) => Err(()),
    }
}

/// Reads one line, without its CRLF, a byte at a time as Redis's
/// `syncReadLine` does (the connection is reused: nothing past the line
/// may be consumed).
fn read_line(stream: &mut TcpStream) -> Result<Vec<u8>, Failure> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(Failure {
                    writing: false,
                    timeout: false,
                });
            }
            Ok(_) if byte[0] == b'\n' => {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Failure {
                    writing: false,
                    timeout: timed_out(&e),
                });
            }
        }
    }
}

fn command(out: &mut Vec<u8>, parts: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", parts.len()).as_bytes());
    for p in parts {
        out.extend_from_slice(format!("${}\r\n", p.len()).as_bytes());
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
}

/// One attempt over `cached`: write everything, read the replies.
fn attempt(cached: &mut Cached, transfer: &Transfer, timeout: Duration) -> Result<Lines, Failure> {
    let mut request = Vec::with_capacity(transfer.restores.len() + 64);
    if let Some((user, password)) = &transfer.auth {
        match user {
            Some(user) => command(&mut request, &[b"AUTH", user, password]),
            None => command(&mut request, &[b"AUTH", password]),
        }
    }
    let select = cached.last_db != transfer.db;
    if select {
        command(
            &mut request,
            &[b"SELECT", transfer.db.to_string().as_bytes()],
        );
    }
    request.extend_from_slice(&transfer.restores);
    let stream = &mut cached.stream;
    let _ = stream.set_write_timeout(Some(timeout));
    let _ = stream.set_read_timeout(Some(timeout));
    for chunk in request.chunks(CHUNK) {
        stream.write_all(chunk).map_err(|e| Failure {
            writing: true,
            timeout: timed_out(&e),
        })?;
    }
    let auth = match transfer.auth {
        Some(_) => Some(read_line(stream)?),
        None => None,
    };
    let select = if select {
        Some(read_line(stream)?)
    } else {
        None
    };
    let mut restores = Vec::with_capacity(transfer.count);
    let mut cut = None;
    for _ in 0..transfer.count {
        match read_line(stream) {
            Ok(line) => restores.push(line),
            Err(f) => {
                cut = Some(f.timeout);
                break;
            }
        }
    }
    Ok(Lines {
        auth,
        select,
        restores,
        cut,
    })
}

impl MigrateSockets {
    /// Makes MIGRATE's transfer, blocking until the target answered or a
    /// timeout passed.
    pub fn transfer(&self, transfer: &Transfer) -> Transferred {
        let timeout = Duration::from_millis(transfer.timeout_ms.max(1));
        let name = transfer.name();
        let mut may_retry = true;
        loop {
            let cached = match self.take(&name) {
                Some(cached) => Some(cached),
                None => match connect(transfer, timeout) {
                    Ok(stream) => stream.map(|stream| Cached {
                        stream,
                        last_db: -1,
                        last_use: Instant::now(),
                    }),
                    Err(()) => return Transferred::NoConnection,
                },
            };
            let result = match cached {
                Some(mut cached) => attempt(&mut cached, transfer, timeout).map(|l| (l, cached)),
                // Refused: Redis finds out when it writes.
                None => Err(Failure {
                    writing: true,
                    timeout: false,
                }),
            };
            match result {
                Err(failure) => {
                    // The connection is dropped (closed) with the attempt.
                    if may_retry && !failure.timeout {
                        may_retry = false;
                        continue;
                    }
                    return Transferred::Failed {
                        writing: failure.writing,
                    };
                }
                Ok((lines, mut cached)) => {
                    if let Some(timeout) = lines.cut {
                        if lines.restores.is_empty() && may_retry && !timeout {
                            may_retry = false;
                            continue;
                        }
                    } else {
                        let error = [&lines.auth, &lines.select]
                            .into_iter()
                            .flatten()
                            .chain(&lines.restores)
                            .any(|l| l.first() == Some(&b'-'));
                        cached.last_db = if error { -1 } else { transfer.db };
                        self.put(name, cached);
                    }
                    return Transferred::Replied {
                        auth: lines.auth,
                        select: lines.select,
                        restores: lines.restores,
                    };
                }
            }
        }
    }
}
