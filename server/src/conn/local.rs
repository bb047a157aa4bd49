//! The in-process transport: a `redis` crate connection with no socket.
//!
//! [`LocalConnection`] implements both `redis::aio::ConnectionLike` and the
//! synchronous `redis::ConnectionLike`, so everything written against the
//! `redis` crate (commands, pipelines, transactions, `Script`) runs against
//! an embedded server directly. Each reply is encoded to RESP and parsed
//! back with the `redis` crate's own parser, so the caller sees exactly
//! the values and error kinds it would see over TCP.
//!
//! This is the only module of the server that knows `redis` crate types.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use bytes::{Bytes, BytesMut};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, RedisResult, Value};
use tokio::runtime::Handle;

use crate::conn::{Peer, Session, Step, Wait};
use crate::protocol::{Limits, Out, RequestDecoder};
use crate::shared::Shared;

/// An in-process connection to a [`Server`](crate::Server).
///
/// Clones share one client, as clones of a `redis` multiplexed connection
/// do: the same CLIENT ID, selected database and MULTI state. Use
/// [`Server::connection`](crate::Server::connection) again for a second,
/// independent client.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> redis::RedisResult<()> {
/// use redis::AsyncCommands;
///
/// let server = redsim::Server::start()?;
/// let mut con = server.connection();
/// con.set::<_, _, ()>("counter", 41).await?;
/// let n: i64 = con.incr("counter", 1).await?;
/// assert_eq!(n, 42);
///
/// let (a, b): (i64, i64) = redis::pipe()
///     .atomic()
///     .incr("counter", 1)
///     .incr("counter", 1)
///     .query_async(&mut con)
///     .await?;
/// assert_eq!((a, b), (43, 44));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LocalConnection {
    inner: Arc<Inner>,
}

/// One client, shared by a connection's clones.
struct Inner {
    link: Arc<Link>,
    session: Arc<tokio::sync::Mutex<Session>>,
    /// CLIENT ID, readable without the session lock.
    id: u64,
    /// Messages for this client, readable without the session lock (a
    /// request may hold it while it waits).
    outbox: Arc<crate::state::Outbox>,
    kill: Arc<crate::state::KillSwitch>,
}

/// What a request that waits in the background needs of its connection
/// (not the connection itself: its last handle going away closes it).
struct Link {
    shared: Arc<Shared>,
    /// The selected database, readable without the session lock (`get_db`).
    db: AtomicI64,
    /// Set after QUIT, CLIENT KILL, a dropped connection or server shutdown.
    closed: AtomicBool,
    /// Taken while the server was powered off: it never connected.
    refused: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone, as a socket the client closed: a
        // request still waiting in the background ends, and the session
        // with it.
        self.kill.kill();
    }
}

impl LocalConnection {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let session = Session::open(&shared, Peer::Local);
        let refused = shared.faults.is_off();
        LocalConnection {
            inner: Arc::new(Inner {
                id: session.client.id,
                outbox: Arc::clone(&session.outbox),
                kill: Arc::clone(&session.kill),
                session: Arc::new(tokio::sync::Mutex::new(session)),
                link: Arc::new(Link {
                    shared,
                    db: AtomicI64::new(0),
                    closed: AtomicBool::new(refused),
                    refused,
                }),
            }),
        }
    }

    /// The CLIENT ID of this connection.
    pub fn client_id(&self) -> u64 {
        self.inner.id
    }

    /// Takes the pub/sub messages and keyspace notifications delivered to
    /// this client since the last call, as `redis` values (arrays in RESP2,
    /// `Value::Push` in RESP3). An in-process client has no socket for them
    /// to arrive on, so they wait here; a client that never collects them
    /// is disconnected once they pass 32 MB, as Redis does with slow
    /// subscribers.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let mut listener = server.connection();
    /// let mut publisher = server.connection();
    /// let _: redis::Value = redis::cmd("SUBSCRIBE").arg("news").query(&mut listener).unwrap();
    /// let n: i64 = redis::cmd("PUBLISH").arg("news").arg("hello").query(&mut publisher).unwrap();
    /// assert_eq!(n, 1);
    /// let msgs = listener.pushes();
    /// let msg = redis::Msg::from_value(&msgs[0]).unwrap();
    /// assert_eq!(msg.get_channel_name(), "news");
    /// assert_eq!(msg.get_payload::<String>().unwrap(), "hello");
    /// ```
    pub fn pushes(&self) -> Vec<Value> {
        let bytes = self.inner.outbox.take();
        let mut values = Vec::new();
        let mut rest = &bytes[..];
        while let Some(n) = crate::protocol::reply::frame_len(rest) {
            if let Ok(v) = redis::parse_redis_value(&rest[..n]) {
                values.push(v);
            }
            rest = &rest[n..];
        }
        values
    }

    /// Runs requests in order and returns each reply's RESP encoding.
    ///
    /// As far as nothing waits, in the caller's task. A request that must
    /// wait (a fault's delay or hang, a pause, a blocking command) goes on
    /// in a task of the server's own, as it would on a server whose client
    /// stopped listening: if the caller gives up (its future is dropped),
    /// the command still runs, and the connection's next requests queue
    /// behind it, as over TCP.
    async fn run(
        &self,
        requests: Vec<Vec<Bytes>>,
        caller: Option<Handle>,
    ) -> RedisResult<Vec<Vec<u8>>> {
        let session = Arc::clone(&self.inner.session).lock_owned().await;
        let mut batch = Batch {
            link: Arc::clone(&self.inner.link),
            session,
            requests: requests.into_iter(),
            replies: Vec::new(),
        };
        match batch.advance(None) {
            Advance::Done(result) => result,
            Advance::Waits(waiting) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                // On an async caller's runtime: under paused time, its
                // clock then waits for the request as it waited for the
                // caller. A synchronous caller blocks its thread (perhaps a
                // runtime's only one): the server's.
                let runtime = caller.unwrap_or_else(|| batch.link.shared.runtime.clone());
                runtime.spawn(async move {
                    let _ = tx.send(batch.finish(waiting).await);
                });
                rx.await.unwrap_or_else(|_| Err(dropped()))
            }
        }
    }
}

/// The requests of one call, run in order under the connection's session.
struct Batch {
    link: Arc<Link>,
    session: tokio::sync::OwnedMutexGuard<Session>,
    requests: std::vec::IntoIter<Vec<Bytes>>,
    replies: Vec<Vec<u8>>,
}

/// What a request waits for, with the buffer its reply goes into.
enum Waiting {
    /// A blocked command's reply.
    Reply(tokio::sync::oneshot::Receiver<Vec<u8>>),
    /// The end of a hold, after which the command runs again.
    Hold(Wait, Out),
}

/// How far [`Batch::advance`] got.
enum Advance {
    /// Every request answered (or the connection dropped).
    Done(RedisResult<Vec<Vec<u8>>>),
    /// A request waits.
    Waits(Waiting),
}

impl Batch {
    /// Runs requests until they are done or one must wait; `step` is the
    /// step of a request resumed after a wait, with its buffer.
    fn advance(&mut self, mut step: Option<(Step, Out)>) -> Advance {
        loop {
            let (current, mut out) = match step.take() {
                Some(resumed) => resumed,
                None => {
                    let Some(args) = self.requests.next() else {
                        return Advance::Done(Ok(std::mem::take(&mut self.replies)));
                    };
                    if self.link.refused {
                        return Advance::Done(Err(refused()));
                    }
                    if self.is_dropped() {
                        return Advance::Done(Err(dropped()));
                    }
                    let mut out = Out::new(self.session.client.resp);
                    (self.session.execute(args, &mut out), out)
                }
            };
            self.link
                .db
                .store(self.session.client.db as i64, Ordering::Relaxed);
            match current {
                Step::Continue => {
                    let reply = self.without_pushes(out.take());
                    self.replies.push(reply);
                }
                Step::Close => {
                    let reply = self.without_pushes(out.take());
                    self.replies.push(reply);
                    self.link.closed.store(true, Ordering::SeqCst);
                }
                // As a socket closed by the server: this and every later
                // request fail.
                Step::Drop => {
                    self.link.closed.store(true, Ordering::SeqCst);
                    return Advance::Done(Err(dropped()));
                }
                Step::Blocked(rx) => return Advance::Waits(Waiting::Reply(rx)),
                Step::Wait(wait) => return Advance::Waits(Waiting::Hold(wait, out)),
            }
        }
    }

    /// Waits for what a request waits for, then runs the rest.
    async fn finish(mut self, mut waiting: Waiting) -> RedisResult<Vec<Vec<u8>>> {
        loop {
            let step = match waiting {
                Waiting::Reply(rx) => {
                    let reply = self.wait(rx).await.and_then(Result::ok);
                    match reply.map(|bytes| self.session.unblocked(bytes)) {
                        Some(Some(bytes)) => self.replies.push(bytes),
                        Some(None) => {
                            self.link.closed.store(true, Ordering::SeqCst);
                            return Err(dropped());
                        }
                        None => return Err(dropped()),
                    }
                    None
                }
                Waiting::Hold(Wait { mut until, resume }, mut out) => {
                    if self.wait(until.done()).await != Some(true) {
                        return Err(dropped());
                    }
                    let step = self.session.resume(resume, &mut out);
                    Some((step, out))
                }
            };
            match self.advance(step) {
                Advance::Done(result) => return result,
                Advance::Waits(next) => waiting = next,
            }
        }
    }

    /// Waits for `until` unless the connection is killed (or its last
    /// handle dropped) or the server shuts down meanwhile (`None`).
    async fn wait<F: Future>(&self, until: F) -> Option<F::Output> {
        let kill = Arc::clone(&self.session.kill);
        // Fixed polling order (replies first): a simulation on paused
        // time replays the same way.
        tokio::select! {
            biased;
            done = until => Some(done),
            () = kill.killed() => None,
            () = self.link.shared.closed() => None,
        }
    }

    /// A RESP3 reply's push messages for this client, which come ahead of
    /// it (where Redis writes them), go where [`LocalConnection::pushes`]
    /// finds them; the reply is what is left.
    fn without_pushes(&self, bytes: Vec<u8>) -> Vec<u8> {
        if !bytes.starts_with(b">") {
            return bytes;
        }
        let mut at = 0;
        while bytes[at..].starts_with(b">") {
            match crate::protocol::reply::frame_len(&bytes[at..]) {
                Some(n) => at += n,
                None => break,
            }
        }
        self.session
            .outbox
            .push(&bytes[..at], crate::config::OutputLimits::default(), 0);
        bytes[at..].to_vec()
    }

    fn is_dropped(&self) -> bool {
        self.link.closed.load(Ordering::SeqCst)
            || self.session.is_killed()
            || self.link.shared.is_closed()
    }
}

impl std::fmt::Debug for LocalConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalConnection")
            .field("db", &self.inner.link.db.load(Ordering::Relaxed))
            .field("closed", &self.inner.link.closed.load(Ordering::Relaxed))
            .finish()
    }
}

/// The error a dropped connection gives, as a closed socket would.
fn dropped() -> RedisError {
    RedisError::from(io::Error::new(
        io::ErrorKind::ConnectionReset,
        "redsim: connection closed by server",
    ))
}

/// The error of a connection taken while the server was powered off, as a
/// refused connect would give.
fn refused() -> RedisError {
    RedisError::from(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "redsim: server powered off",
    ))
}

/// The arguments of a `redis::Cmd`, without encoding and decoding them
/// where possible.
fn cmd_args(cmd: &Cmd) -> RedisResult<Vec<Bytes>> {
    let mut args = Vec::with_capacity(cmd.args_iter().len());
    for arg in cmd.args_iter() {
        match arg {
            redis::Arg::Simple(bytes) => args.push(Bytes::copy_from_slice(bytes)),
            // A cursor's value is private to the Cmd (and future kinds of
            // argument are unknown): take them from the packed form.
            _ => return decode_packed(&cmd.get_packed_command()),
        }
    }
    Ok(args)
}

/// Decodes one packed command.
fn decode_packed(bytes: &[u8]) -> RedisResult<Vec<Bytes>> {
    let mut all = decode_all(bytes)?;
    if all.len() != 1 {
        return Err(invalid_request());
    }
    Ok(all.remove(0))
}

/// Decodes every command of a packed pipeline.
fn decode_all(bytes: &[u8]) -> RedisResult<Vec<Vec<Bytes>>> {
    let mut buf = BytesMut::from(bytes);
    let mut decoder = RequestDecoder::new();
    let limits = Limits {
        max_bulk_len: i64::MAX,
        auth_required: false,
    };
    let mut out = Vec::new();
    loop {
        match decoder.decode(&mut buf, &limits) {
            Ok(Some(args)) => out.push(args),
            Ok(None) if buf.is_empty() && !decoder.in_progress() => return Ok(out),
            Ok(None) => return Err(invalid_request()),
            Err(e) => {
                return Err(RedisError::from(io::Error::new(
                    io::ErrorKind::InvalidData,
                    e.reply_text(),
                )));
            }
        }
    }
}

fn invalid_request() -> RedisError {
    RedisError::from(io::Error::new(
        io::ErrorKind::InvalidData,
        "redsim: incomplete packed command",
    ))
}

/// The `redis` crate's value of one reply. The shapes nearly every
/// command answers with (status, integer, bulk, nil, arrays of them) are
/// read directly, as the crate's parser reads them; anything else —
/// errors above all, whose kinds must be exactly the crate's — goes
/// through the crate's parser.
fn parse(reply: &[u8]) -> RedisResult<Value> {
    // A reply CLIENT REPLY OFF or SKIP withheld: over TCP nothing comes
    // (a client waiting for it waits forever, as with Redis); in process
    // the call returns nil.
    if reply.is_empty() {
        return Ok(Value::Nil);
    }
    match parse_common(reply, 0) {
        Some((value, [])) => Ok(value),
        _ => redis::parse_redis_value(reply),
    }
}

/// Reads one reply of a common shape from the front of `buf`; `None` for
/// any other shape (or malformed input, which the server never writes).
fn parse_common(buf: &[u8], depth: usize) -> Option<(Value, &[u8])> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    let (line, rest) = (&buf[1..end], &buf[end + 2..]);
    match buf.first()? {
        b'+' => {
            let text = std::str::from_utf8(line).ok()?;
            let value = if text == "OK" {
                Value::Okay
            } else {
                Value::SimpleString(text.to_string())
            };
            Some((value, rest))
        }
        b':' => Some((
            Value::Int(std::str::from_utf8(line).ok()?.parse().ok()?),
            rest,
        )),
        b'$' => {
            let len: i64 = std::str::from_utf8(line).ok()?.parse().ok()?;
            if len < 0 {
                return Some((Value::Nil, rest));
            }
            let len = usize::try_from(len).ok()?;
            let data = rest.get(..len)?;
            let after = rest.get(len..)?.strip_prefix(b"\r\n")?;
            Some((Value::BulkString(data.to_vec()), after))
        }
        b'*' if depth < 32 => {
            let len: i64 = std::str::from_utf8(line).ok()?.parse().ok()?;
            if len < 0 {
                return Some((Value::Nil, rest));
            }
            let mut items = Vec::with_capacity(usize::try_from(len).ok()?.min(1024));
            let mut rest = rest;
            for _ in 0..len {
                let (item, after) = parse_common(rest, depth + 1)?;
                items.push(item);
                rest = after;
            }
            Some((Value::Array(items), rest))
        }
        b'_' if line.is_empty() => Some((Value::Nil, rest)),
        _ => None,
    }
}

/// Keeps `count` replies after `offset`, the way `redis::Connection` does
/// for pipelines: in a transaction, an error among the skipped replies
/// (a command refused while queueing) fails the whole request.
fn select(
    replies: Vec<Vec<u8>>,
    offset: usize,
    count: usize,
    transaction: bool,
) -> RedisResult<Vec<Value>> {
    let mut values = Vec::with_capacity(count);
    let mut queue_error = None;
    for (i, reply) in replies.into_iter().enumerate() {
        let value = parse(&reply)?;
        if i < offset {
            if transaction
                && queue_error.is_none()
                && let Value::ServerError(e) = value
            {
                queue_error = Some(e);
            }
        } else if i < offset + count {
            values.push(value);
        }
    }
    if let Some(e) = queue_error {
        // The EXEC reply (EXECABORT) names the failure best when present.
        if let Some(Value::ServerError(exec)) = values.pop() {
            return Err(exec.into());
        }
        return Err(e.into());
    }
    Ok(values)
}

fn pipeline_requests(pipeline: &Pipeline) -> RedisResult<Vec<Vec<Bytes>>> {
    let mut requests = Vec::with_capacity(pipeline.len() + 2);
    if pipeline.is_transaction() {
        requests.push(vec![Bytes::from_static(b"MULTI")]);
    }
    for cmd in pipeline.cmd_iter() {
        requests.push(cmd_args(cmd)?);
    }
    if pipeline.is_transaction() {
        requests.push(vec![Bytes::from_static(b"EXEC")]);
    }
    Ok(requests)
}

impl redis::aio::ConnectionLike for LocalConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let args = cmd_args(cmd)?;
            let mut replies = self.run(vec![args], Handle::try_current().ok()).await?;
            parse(&replies.pop().unwrap_or_default())
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let requests = pipeline_requests(pipeline)?;
            let replies = self.run(requests, Handle::try_current().ok()).await?;
            select(replies, offset, count, pipeline.is_transaction())
        })
    }

    fn get_db(&self) -> i64 {
        self.inner.link.db.load(Ordering::Relaxed)
    }
}

impl redis::ConnectionLike for LocalConnection {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let args = decode_packed(cmd)?;
        let mut replies = pollster::block_on(self.run(vec![args], None))?;
        parse(&replies.pop().unwrap_or_default())
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let requests = decode_all(cmd)?;
        let transaction = requests
            .first()
            .is_some_and(|r| r.first().is_some_and(|n| n.eq_ignore_ascii_case(b"multi")));
        let replies = pollster::block_on(self.run(requests, None))?;
        select(replies, offset, count, transaction && offset > 0)
    }

    fn get_db(&self) -> i64 {
        self.inner.link.db.load(Ordering::Relaxed)
    }

    fn check_connection(&mut self) -> bool {
        redis::cmd("PING").query::<String>(self).is_ok()
    }

    fn is_open(&self) -> bool {
        !self.inner.link.closed.load(Ordering::SeqCst) && !self.inner.link.shared.is_closed()
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn common_shapes_read_as_the_crates_parser_reads_them() {
        let samples: &[&[u8]] = &[
            b"+OK\r\n",
            b"+PONG\r\n",
            b"+QUEUED\r\n",
            b":0\r\n",
            b":-42\r\n",
            b":9223372036854775807\r\n",
            b"$-1\r\n",
            b"$0\r\n\r\n",
            b"$5\r\nhe\r\no\r\n",
            b"$3\r\n\xff\x00\x80\r\n",
            b"*-1\r\n",
            b"*0\r\n",
            b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n",
            b"*2\r\n*1\r\n+OK\r\n*0\r\n",
            b"_\r\n",
            b"-ERR no\r\n",
            b"*2\r\n+OK\r\n-WRONGTYPE x\r\n",
            b"%1\r\n+a\r\n:1\r\n",
            b",1.5\r\n",
            b"#t\r\n",
        ];
        for s in samples {
            let ours = parse(s).map_err(|e| e.to_string());
            let theirs = redis::parse_redis_value(s).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(s));
        }
    }
}
