//! The executor: the one way a command runs.
//!
//! Whoever runs a command — a connection, EXEC, a script's `redis.call`,
//! a blocked client being served, the test's direct API — runs it through
//! here, and every path ends in [`run`], which calls the handler with its
//! panic guard and counts it. A client's command passes Redis's checks
//! first, in Redis's order, each a stage of [`execute`]:
//!
//! 1. **admit**: the unknown-command and arity errors found before the
//!    lock, authentication, the user's ACL permissions, the RESP2
//!    subscribed context;
//! 2. **gate**: the fault layer's verdict ([`Gate`]), when any fault may
//!    apply;
//! 3. **queue**: inside MULTI, the command is queued instead of run;
//! 4. **housekeep**: keys and waiters that came due are purged;
//! 5. **run**: the handler, timed and panic-guarded;
//! 6. **deliver**: messages the command caused for its own client go
//!    ahead of its reply, and the client registry learns its database and
//!    protocol;
//! 7. **settle**: a command that asks to block is registered as a waiter;
//!    the clients blocked on keys it made ready are served ([`wake`]);
//!    the server learns of new deadlines.
//!
//! The executor runs under the state lock, which its callers take (the
//! transports, with what a busy script leaves answerable; the direct API).
//! It knows nothing of connections: the calling client is a
//! [`Client`], the server around the state a [`Host`], and the fault
//! layer a [`Gate`].

mod bridge;
mod call;
mod replicated;
mod wake;

use bytes::Bytes;
use tokio::sync::oneshot;

pub use bridge::ScriptClient;
#[cfg(feature = "internals")]
pub use call::PANICS_CAUGHT;
pub use call::{World, count_error, run, run_body};
pub use replicated::replicated;
pub use wake::serve_ready;

use crate::cmd::acl;
use crate::cmd::error::{self, CmdError};
use crate::cmd::{After, Caller, Client, CommandSpec, Host, flags};
use crate::protocol::{Out, Resp};
use crate::state::State;

/// The fault layer's verdict on a client's command, before it runs.
#[derive(Debug)]
pub enum Verdict<W> {
    /// Run it.
    Run,
    /// Run it, then drop the connection instead of replying: the effects
    /// stay, the client never learns of them.
    RunThenDrop,
    /// Answer this error instead of running it.
    Reply(String),
    /// Hold it: the transport waits for `W`, then sends it again.
    Wait(W),
    /// Close the connection without running it.
    Drop,
}

/// The fault layer, as the executor consults it.
pub trait Gate {
    /// What a held command waits for.
    type Wait;

    /// Whether anything may apply (when not, the gate is skipped).
    fn armed(&self) -> bool;

    /// The verdict on `spec` with `args` from `client`, which passed
    /// Redis's own checks and is about to be queued or run.
    fn decide(
        &mut self,
        state: &State,
        client: &Client,
        spec: &'static CommandSpec,
        args: &[Bytes],
        now_us: i64,
    ) -> Verdict<Self::Wait>;

    /// After `spec` ran for `client`: whether the connection must be cut
    /// before the reply (a name the client took is partitioned).
    fn cuts_off(&mut self, state: &State, client: &Client, spec: &CommandSpec) -> bool;
}

/// How a client's command ended.
#[derive(Debug)]
pub enum Outcome<W> {
    /// The reply is in the buffer; go on.
    Replied,
    /// The reply is in the buffer; close the connection after writing it
    /// (QUIT, CLIENT KILL of itself, SHUTDOWN).
    Close,
    /// The command blocked: its reply will arrive on this channel.
    Blocked(oneshot::Receiver<Vec<u8>>),
    /// The gate holds it: wait for `W`, then send `args` again.
    Wait(W, Vec<Bytes>),
    /// Close the connection without this command's reply (a fault dropped
    /// it); replies to earlier commands still go out.
    Drop,
}

/// What [`execute`] did.
#[derive(Debug)]
pub struct Executed<W> {
    /// How it ended.
    pub outcome: Outcome<W>,
    /// Where this command's reply starts in the buffer, if it wrote one
    /// (messages for its own client that went ahead of it excluded).
    pub reply_at: Option<usize>,
}

/// Runs one command a client sent, under the state lock: `resolved` is
/// what the command table made of `args` before the lock.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn execute<G: Gate>(
    state: &mut State,
    host: &dyn Host,
    gate: &mut G,
    client: &mut Client,
    resolved: Result<&'static CommandSpec, CmdError>,
    args: Vec<Bytes>,
    out: &mut Out,
    now_us: i64,
) -> Executed<G::Wait> {
    let mark = out.len();
    let replied = |outcome| Executed {
        outcome,
        reply_at: Some(mark),
    };
    let spec = match admit(state, client, resolved, &args, now_us) {
        Ok(spec) => spec,
        Err((spec, e)) => {
            if crate::cmd::is(&args[0], "exec")
                && state.cluster.is_some()
                && crate::cmd::cluster::route::is_redirect(&e)
            {
                // Redis discards a redirected transaction and answers the
                // redirection itself.
                if client.multi.take().is_some() {
                    state.unwatch_all(client.id);
                    if let Some(c) = state.clients.get_mut(&client.id) {
                        c.multi = -1;
                    }
                }
                reject(state, client, out, spec, &e);
            } else if crate::cmd::is(&args[0], "exec") {
                // Redis's `execCommandAbort`: EXEC refused before it runs
                // ends the transaction, and says why.
                let e = error::exec_abort_because(&e);
                if client.multi.take().is_some() {
                    state.unwatch_all(client.id);
                    if let Some(c) = state.clients.get_mut(&client.id) {
                        c.multi = -1;
                    }
                }
                reject(state, client, out, spec, &e);
            } else {
                reject(state, client, out, spec, &e);
            }
            return replied(Outcome::Replied);
        }
    };
    let mut drop_reply = false;
    if gate.armed() {
        match gate.decide(state, client, spec, &args, now_us) {
            Verdict::Run => {}
            Verdict::RunThenDrop => drop_reply = true,
            Verdict::Reply(text) => {
                reject(state, client, out, Some(spec), &CmdError::owned(text));
                return replied(Outcome::Replied);
            }
            Verdict::Wait(w) => {
                if let Some(c) = state.clients.get_mut(&client.id) {
                    // CLIENT LIST shows what a waiting client waits to run.
                    c.last_cmd = spec.name;
                }
                return Executed {
                    outcome: Outcome::Wait(w, args),
                    reply_at: None,
                };
            }
            Verdict::Drop => {
                return Executed {
                    outcome: Outcome::Drop,
                    reply_at: None,
                };
            }
        }
    }
    // A reply the gate said to drop is dropped whatever the command did.
    let replied_or_dropped = if drop_reply {
        Outcome::Drop
    } else {
        Outcome::Replied
    };
    if state.tracking.active() {
        track_before(state, client, spec, out);
    }
    if queue(state, client, spec, &args, out) {
        return replied(replied_or_dropped);
    }
    let now = now_us.div_euclid(1000);
    state.housekeep(now);
    if let Some(c) = state.clients.get_mut(&client.id) {
        c.last_ms = now;
        c.last_cmd = spec.name;
    }
    state.current_client = Some(client.id);
    let mut world = World {
        state,
        host,
        now,
        now_us,
    };
    let ran = run(&mut world, client, spec, &args, out, Caller::Client, None);
    if world.state.repl.on {
        crate::cmd::repl::propagate::flush(world.state, client.id, now);
    }
    let reply_at = deliver(world.state, client, out, mark);
    if !world.state.introspect.own_lines.is_empty() {
        // A monitor's own command shows after its reply.
        world.state.flush_own_monitor_lines(client.id);
    }
    if world.state.tracking.active() {
        track_after(world.state, client, spec);
    }
    let outcome = if gate.armed() && gate.cuts_off(world.state, client, spec) {
        Outcome::Drop
    } else {
        match (ran.after, ran.block) {
            (After::Close, _) if drop_reply => Outcome::Drop,
            (After::Close, _) => Outcome::Close,
            (After::Continue, Some(request)) => {
                let rx = world
                    .state
                    .blocking
                    .add(client.id, client.db, client.resp, args, request);
                world.host.deadlines_changed(world.state);
                // A dropped reply is dropped when it comes.
                Outcome::Blocked(rx)
            }
            (After::Continue, None) => match ran.detached {
                // It finishes off the lock; the client waits as if blocked.
                Some(rx) => Outcome::Blocked(rx),
                None => replied_or_dropped,
            },
        }
    };
    settle(&mut world);
    Executed {
        outcome,
        reply_at: Some(reply_at),
    }
}

/// Ends a command that went off the lock (MIGRATE once its target
/// answered), under the lock again: `body` runs as the client that sent
/// `args` (`id`, in database `db`, speaking `resp`, as `user`), counted and
/// guarded as any command, followed by what follows every top-level
/// command (its propagation, the clients blocked on keys it changed).
/// Returns the reply's bytes.
#[allow(clippy::too_many_arguments)]
pub fn finish_detached(
    state: &mut State,
    host: &dyn Host,
    now_us: i64,
    (id, db, resp): (crate::state::ClientId, usize, Resp),
    user: Bytes,
    args: &[Bytes],
    body: impl FnOnce(&mut crate::cmd::Ctx<'_>) -> crate::cmd::error::CmdResult,
) -> Vec<u8> {
    let mut out = Out::new(resp);
    let Ok(spec) = crate::cmd::resolve(args) else {
        // It resolved when it was sent; the table does not change.
        return out.take();
    };
    let now = now_us.div_euclid(1000);
    state.housekeep(now);
    let mut client = Client::new(id, db, resp, true);
    client.user = user;
    state.current_client = Some(id);
    let mut world = World {
        state,
        host,
        now,
        now_us,
    };
    run_body(
        &mut world,
        &mut client,
        spec,
        args,
        &mut out,
        Caller::Unblocked,
        None,
        body,
    );
    if world.state.repl.on {
        crate::cmd::repl::propagate::flush(world.state, id, now);
    }
    settle(&mut world);
    out.take()
}

/// Stage 1: Redis's checks before anything runs. On refusal, the command
/// (if it resolved) and the error.
#[inline]
fn admit(
    state: &mut State,
    client: &mut Client,
    resolved: Result<&'static CommandSpec, CmdError>,
    args: &[Bytes],
    now_us: i64,
) -> Result<&'static CommandSpec, (Option<&'static CommandSpec>, CmdError)> {
    let spec = resolved.map_err(|e| (None, e))?;
    if !client.authenticated && state.acl.auth_required() {
        // CLIENT SETINFO is Redis 7.2's; redsim accepts it because
        // clients send it on connect, but before authentication it must
        // answer as Redis 7.0 does (unknown subcommand, which clients
        // ignore) rather than NOAUTH (which redis-py turns into a failed
        // connection).
        if spec.name == "client|setinfo" {
            return Err((None, error::unknown_subcommand(&args[1], "client")));
        }
        if !spec.has(flags::NO_AUTH) {
            return Err((Some(spec), error::NOAUTH));
        }
    }
    // Inside MULTI a command refused there is refused for that first.
    let refused_in_multi = client.multi.is_some() && spec.has(flags::NO_MULTI);
    if !refused_in_multi && let Err(refusal) = acl::check::check(state, client, spec, args) {
        let context = acl::log_context(crate::cmd::Caller::Client, client.multi.is_some());
        let now = now_us.div_euclid(1000);
        if let Some(c) = state.clients.get_mut(&client.id) {
            // ACL LOG's client-info names the command refused.
            c.last_cmd = spec.name;
        }
        acl::check::log_refusal(state, client, spec, args, refusal, context, now);
        return Err((Some(spec), error::noperm(refusal.reason.into(), spec.name)));
    }
    // Cluster mode: one branch for a server not in it.
    if state.cluster.is_some() {
        let now = now_us.div_euclid(1000);
        crate::cmd::cluster::route::admit(state, client, spec, args, now)
            .map_err(|e| (Some(spec), e))?;
    }
    if let Err(e) = crate::cmd::repl::admit(state, spec, now_us.div_euclid(1000)) {
        return Err((Some(spec), e));
    }
    if client.resp == Resp::V2
        && !crate::cmd::pubsub::allowed_when_subscribed(spec.name)
        && state.is_subscribed(client.id)
    {
        return Err((Some(spec), error::subscribed_context(spec.name)));
    }
    Ok(spec)
}

/// Stage 3: inside MULTI, queues the command (true) unless it is one that
/// runs at once.
#[inline]
fn queue(
    state: &mut State,
    client: &mut Client,
    spec: &'static CommandSpec,
    args: &[Bytes],
    out: &mut Out,
) -> bool {
    let Some(multi) = &mut client.multi else {
        return false;
    };
    if matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "reset") {
        return false;
    }
    if spec.has(flags::NO_MULTI) {
        reject(state, client, out, Some(spec), &error::NOT_IN_TRANSACTION);
        return true;
    }
    multi.queue.push((spec, args.to_vec()));
    let queued = multi.queue.len() as i64;
    if let Some(c) = state.clients.get_mut(&client.id) {
        c.multi = queued;
    }
    out.simple("QUEUED");
    true
}

/// Stage 6: what the command caused for its own client (a RESP3 client
/// subscribed to its own keyspace events) goes ahead of its reply, where
/// Redis writes it; the client registry learns the client's database and
/// protocol. Returns where the reply now starts.
#[inline]
fn deliver(state: &mut State, client: &Client, out: &mut Out, mark: usize) -> usize {
    state.current_client = None;
    let mut reply_at = mark;
    if !state.current_pushes.is_empty() {
        let pushes = std::mem::take(&mut state.current_pushes);
        out.insert(mark, &pushes);
        reply_at += pushes.len();
    }
    if let Some(c) = state.clients.get_mut(&client.id) {
        c.db = client.db;
        c.resp = client.resp;
    }
    reply_at
}

/// Stage 7: the clients blocked on keys the command made ready are
/// served, and the server learns of the next deadline.
#[inline]
fn settle(world: &mut World<'_>) {
    serve_ready(world);
    if world.state.tracking.active() {
        // What the served clients changed, to BCAST clients.
        world.state.flush_tracking(None);
    }
    world.host.refresh_wake(world.state);
}

/// Before a command while clients track keys: a tracking table past its
/// limit lets keys go (their invalidations, for this client, go ahead of
/// its reply, as in Redis).
#[cold]
fn track_before(state: &mut State, client: &Client, spec: &CommandSpec, out: &mut Out) {
    let _ = spec;
    state.limit_tracking_table(client.id);
    if !state.current_pushes.is_empty() {
        let pushes = std::mem::take(&mut state.current_pushes);
        out.raw(&pushes);
    }
}

/// After a top-level command while clients track keys: its own
/// invalidations go out after its reply, then the BCAST ones; a CLIENT
/// CACHING given before it is used up.
#[cold]
fn track_after(state: &mut State, client: &Client, spec: &CommandSpec) {
    let keeps = client.multi.is_some() || spec.name.starts_with("client|");
    state.tracking_command_done(client.id, keeps);
    state.flush_tracking(Some(client.id));
}

/// Answers a command refused before it ran, and counts it: the
/// transaction in progress, if any, is doomed (EXECABORT).
pub fn reject(
    state: &mut State,
    client: &mut Client,
    out: &mut Out,
    spec: Option<&'static CommandSpec>,
    e: &CmdError,
) {
    if let Some(multi) = &mut client.multi {
        multi.dirty = true;
    }
    if let Some(spec) = spec {
        state.stats.commands.entry(spec.name).or_default().rejected += 1;
    }
    count_error(state, e);
    out.error_bytes(e.bytes());
}

/// Runs a write for the test's direct API ([`crate::direct`]), as `client`
/// (id 0, which no connection has): the housekeeping before, the handler
/// (panic-guarded, not counted in INFO: no client sent it), and the
/// serving of blocked clients after. The reply is in `out`; an error reply
/// is also returned.
pub fn direct(
    state: &mut State,
    host: &dyn Host,
    client: &mut Client,
    args: &[Bytes],
    out: &mut Out,
    now_us: i64,
) -> Result<(), CmdError> {
    let spec = crate::cmd::resolve(args)?;
    let now = now_us.div_euclid(1000);
    state.housekeep(now);
    let mut world = World {
        state,
        host,
        now,
        now_us,
    };
    let ran = run(&mut world, client, spec, args, out, Caller::Direct, None);
    if world.state.repl.on {
        crate::cmd::repl::propagate::flush(world.state, client.id, now);
    }
    settle(&mut world);
    ran.error.map_or(Ok(()), Err)
}
