//! The TCP transport: the accept loop and one task per connection.
//!
//! A connection task reads whatever has arrived, runs every complete
//! request in it, and writes all their replies with one write: a pipeline
//! of a hundred commands costs one read and one write, not a hundred. The
//! requests of one read also share the state lock: it is taken once for up
//! to [`MAX_BATCH`] of them (each still passes the fault layer, the journal
//! and the rest one by one), and let go before anything that waits, so a
//! pipeline costs one lock acquisition per batch rather than per command —
//! and, as in Redis, a client's buffered commands run back to back. A
//! protocol error is answered with Redis's text and closes the connection,
//! as Redis does; otherwise only the fault layer closes one (a dropped
//! command, a partition, a restart or power cut: see [`crate::fault`]).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::conn::{Held, Peer, Session, Step, Wait};
use crate::protocol::{Limits, Out, RequestDecoder};
use crate::shared::Shared;
use crate::state::KillSwitch;
use crate::state::Outbox;

/// Bytes read per `read` call at most; also the initial buffer size.
const READ_CHUNK: usize = 16 * 1024;

/// Accepts connections until the server shuts down, or is powered off
/// (the listener generation `epoch` ends). `stopped` is dropped when the
/// listener is, which tells a waiting `Server::shutdown` that the port is
/// free.
pub async fn accept_loop(
    shared: Arc<Shared>,
    listener: TcpListener,
    stopped: std::sync::mpsc::Sender<()>,
    epoch: u64,
) {
    let _stopped = stopped;
    // Declared after `_stopped`, so dropped before it: the port is free
    // by the time a waiting power-off or shutdown hears of it.
    let listener = listener;
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            () = shared.closed() => return,
            () = shared.faults.listening_ended(epoch) => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // EMFILE and friends: back off a little instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().ok();
        let id = shared.next_client_id();
        let peer = Peer::Tcp {
            addr: peer.to_string(),
            laddr: local.map(|a| a.to_string()).unwrap_or_default(),
        };
        tokio::spawn(serve(Arc::clone(&shared), stream, peer, id));
    }
}

/// Serves a connection over an in-memory byte stream (a
/// [`tokio::io::duplex`] pipe) exactly as over TCP: the same session, the
/// same faults, pushes and kills; only the bytes do not cross a socket.
pub async fn serve_stream(shared: Arc<Shared>, stream: tokio::io::DuplexStream, id: u64) {
    serve(shared, stream, Peer::Local, id).await;
}

/// One connection's whole life, over any byte stream.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    shared: Arc<Shared>,
    mut stream: S,
    peer: Peer,
    id: u64,
) {
    let full = shared.connected.load(Ordering::SeqCst) as u64
        >= shared.mirror.maxclients.load(Ordering::Relaxed);
    if full {
        shared.rejected.fetch_add(1, Ordering::Relaxed);
    }
    if full {
        let mut refusal = Out::default();
        refusal.error_bytes(crate::cmd::error::MAX_CLIENTS.bytes());
        let _ = stream.write_all(refusal.as_bytes()).await;
        return;
    }
    let mut session = Session::open_as(&shared, peer, id);
    tracing::debug!(client = session.client.id, "connected");
    let mut decoder = RequestDecoder::new();
    let mut input = BytesMut::with_capacity(READ_CHUNK);
    let mut out = Out::default();
    let kill = Arc::clone(&session.kill);
    let outbox = Arc::clone(&session.outbox);
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    loop {
        if input.capacity() - input.len() < READ_CHUNK / 2 {
            input.reserve(READ_CHUNK);
        }
        // Woken by the client's bytes, by messages for it, or by a kill.
        let read = tokio::select! {
            r = stream.read_buf(&mut input) => Some(r),
            () = outbox.ready() => None,
            () = kill.killed() => break,
        };
        match read {
            Some(Ok(0) | Err(_)) => break,
            Some(Ok(n)) => {
                shared.net_input.fetch_add(n as u64, Ordering::Relaxed);
            }
            None => {}
        }
        // A read can win the race against a kill that already happened:
        // once killed, nothing more is run.
        if kill.is_killed() {
            break;
        }
        let mirror = &shared.mirror;
        let auth_required = mirror.auth_required.load(Ordering::Relaxed);
        let query_limit = mirror.query_limit.load(Ordering::Relaxed);
        let mut limits = Limits {
            max_bulk_len: mirror.max_bulk_len.load(Ordering::Relaxed),
            auth_required: false,
        };
        if input.len() as i64 > query_limit {
            // Redis closes such a client without a reply.
            tracing::warn!(
                client = session.client.id,
                "closing client that reached max query buffer length"
            );
            break;
        }
        let mut close = false;
        // Messages that arrived before these requests were read go out
        // ahead of their replies, as they sit in Redis's output buffer.
        let earlier = outbox.take();
        if !earlier.is_empty() {
            out.raw(&earlier);
        }
        loop {
            let step = match run_ready(
                &shared,
                &mut session,
                &mut decoder,
                &mut input,
                &mut out,
                &mut limits,
                auth_required,
                multi_thread,
            ) {
                Ready::Drained => break,
                Ready::Failed => {
                    close = true;
                    break;
                }
                Ready::Step(step) => step,
            };
            let mut conn = Conn {
                stream: &mut stream,
                input: &mut input,
                out: &mut out,
                kill: &kill,
                outbox: &outbox,
            };
            if !conn.follow(&mut session, step).await || session.is_killed() {
                close = true;
                break;
            }
        }
        let pending = outbox.take();
        if !pending.is_empty() {
            out.raw(&pending);
        }
        if !out.is_empty() {
            if stream.write_all(out.as_bytes()).await.is_err() {
                break;
            }
            shared
                .net_output
                .fetch_add(out.len() as u64, Ordering::Relaxed);
            out.clear();
        }
        if close {
            break;
        }
    }
    let _ = stream.shutdown().await;
    tracing::debug!(client = session.client.id, "disconnected");
}

/// How many commands of one pipeline batch run under one acquisition of
/// the state lock at most, so that a client with a deep pipeline cannot
/// keep the others waiting for long.
const MAX_BATCH: usize = 64;

/// Why [`run_ready`] stopped.
enum Ready {
    /// Every complete request in the input has run.
    Drained,
    /// A command's step needs the connection (it blocks, waits, closes):
    /// follow it, then call again.
    Step(Step),
    /// A protocol error, answered in `out`: close after writing.
    Failed,
}

/// Runs the complete requests in `input` in order, holding the state lock
/// across consecutive commands (up to [`MAX_BATCH`] of them, and not past a
/// command that ran long) instead of taking it once per command. Kept
/// synchronous on purpose: the lock must never be held across an `.await`,
/// and returning is what releases it before the caller waits for anything.
#[allow(clippy::too_many_arguments)]
fn run_ready(
    shared: &Shared,
    session: &mut Session,
    decoder: &mut RequestDecoder,
    input: &mut BytesMut,
    out: &mut Out,
    limits: &mut Limits,
    auth_required: bool,
    multi_thread: bool,
) -> Ready {
    let mut held: Held<'_> = None;
    let mut batched = 0;
    loop {
        // Recomputed per request: an AUTH earlier in the same batch
        // lifts the pre-authentication limits for the ones after it.
        limits.auth_required = auth_required && !session.client.authenticated;
        let args = match decoder.decode(input, limits) {
            Ok(Some(args)) => args,
            Ok(None) => return Ready::Drained,
            Err(e) => {
                drop(held);
                out.error(&e.reply_text());
                return Ready::Failed;
            }
        };
        let step = if multi_thread && session.may_run_long(&args) {
            drop(held.take());
            tokio::task::block_in_place(|| session.execute(args, out))
        } else {
            session.execute_held(shared, &mut held, args, out)
        };
        batched += 1;
        let ran_long = session.client.take_ran_long();
        if held.is_some() && (batched >= MAX_BATCH || ran_long) {
            // Hand the lock to a waiting client, if any, rather than
            // taking it straight back.
            if let Some(state) = held.take() {
                parking_lot::MutexGuard::unlock_fair(state);
            }
            batched = 0;
        }
        match step {
            Step::Continue if !session.is_killed() => {}
            Step::Continue => {
                drop(held);
                return Ready::Step(Step::Close);
            }
            step => return Ready::Step(step),
        }
    }
}

/// What a connection task lends to the handling of one command's step.
struct Conn<'a, S> {
    stream: &'a mut S,
    input: &'a mut BytesMut,
    out: &'a mut Out,
    kill: &'a KillSwitch,
    outbox: &'a Outbox,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<'_, S> {
    /// Carries a command's step through to its reply, waiting where it
    /// blocks or is held, and running it again after a wait. False when
    /// the connection must close (once what is in `out` is written: the
    /// replies to the commands before it, and this one's unless dropped).
    async fn follow(&mut self, session: &mut Session, mut step: Step) -> bool {
        loop {
            match step {
                Step::Continue => return true,
                Step::Close | Step::Drop => return false,
                Step::Blocked(rx) => {
                    if !self.flush().await {
                        return false;
                    }
                    let Some(Ok(reply)) = self.wait(rx).await else {
                        return false;
                    };
                    return match session.unblocked(reply) {
                        Some(reply) => {
                            self.out.raw(&reply);
                            true
                        }
                        None => false,
                    };
                }
                Step::Wait(Wait { mut until, resume }) => {
                    if !self.flush().await {
                        return false;
                    }
                    if self.wait(until.done()).await != Some(true) {
                        return false;
                    }
                    step = session.resume(resume, self.out);
                }
            }
        }
    }

    /// Writes the replies so far: those before a command that waits go out
    /// now, as Redis writes them while the client waits.
    async fn flush(&mut self) -> bool {
        if self.out.is_empty() {
            return true;
        }
        if self.stream.write_all(self.out.as_bytes()).await.is_err() {
            return false;
        }
        self.out.clear();
        true
    }

    /// Waits for `until` (a blocked command's reply, the end of a delay or
    /// a pause). Meanwhile it keeps reading (and buffering) what the client
    /// sends, so that a client that hangs up while waiting is noticed at
    /// once — and leaves the line — rather than later being handed data it
    /// can no longer receive. `None` when the client went away or was
    /// killed.
    async fn wait<F: Future>(&mut self, until: F) -> Option<F::Output> {
        let mut until = std::pin::pin!(until);
        loop {
            if self.input.capacity() - self.input.len() < READ_CHUNK / 2 {
                self.input.reserve(READ_CHUNK);
            }
            tokio::select! {
                done = &mut until => return Some(done),
                read = self.stream.read_buf(self.input) => match read {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                },
                // A RESP3 client can be subscribed and waiting at once: its
                // messages keep flowing.
                () = self.outbox.ready() => {
                    let pending = self.outbox.take();
                    if !pending.is_empty() && self.stream.write_all(&pending).await.is_err() {
                        return None;
                    }
                }
                () = self.kill.killed() => return None,
            }
        }
    }
}
