//! [`Session`]: one client connection's state, and the path every command
//! takes from arguments to reply.
//!
//! Both transports own a session and hand it each decoded request; the
//! session resolves the command, applies Redis's checks in Redis's order
//! (unknown command, arity, authentication, the fault layer's verdict,
//! MULTI queueing), takes the state lock, and runs the command. Nothing
//! here knows about sockets.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use tokio::sync::oneshot;

use super::gate::{Gate, Pending, Prior, Ran, Resume, Wait};
use crate::cmd::{self, After, Caller, CmdError, CommandSpec, Ctx, error, flags};
use crate::fault::Injected;
use crate::protocol::{Out, Resp};
use crate::server::Shared;
use crate::state::{ClientId, ClientInfo, KillSwitch, State};

/// How a client is connected, for CLIENT LIST.
#[derive(Clone, Debug)]
pub enum Peer {
    /// Over TCP, with the peer and local addresses.
    Tcp {
        /// `ip:port` of the client.
        addr: String,
        /// `ip:port` of the server side.
        laddr: String,
    },
    /// Through the in-process connection.
    Local,
}

/// What the connection does after a request.
#[derive(Debug)]
pub enum Step {
    /// The reply is in the buffer; go on.
    Continue,
    /// Write the reply, then close (QUIT, protocol errors, CLIENT KILL of
    /// itself).
    Close,
    /// The command blocked: its reply will arrive on this channel (hand
    /// it to [`Session::unblocked`] before delivering it).
    Blocked(oneshot::Receiver<Vec<u8>>),
    /// The command must wait (a fault's delay or hang, a pause): await
    /// the wait, then [`Session::resume`] it.
    Wait(Wait),
    /// Close the connection without this command's reply (a fault dropped
    /// it): replies to earlier commands still go out.
    Drop,
}

/// A transaction being queued between MULTI and EXEC.
#[derive(Debug, Default)]
pub struct Multi {
    /// The queued commands with their arguments.
    pub queue: Vec<(&'static CommandSpec, Vec<Bytes>)>,
    /// Set when a command was rejected while queueing: EXEC will abort.
    pub dirty: bool,
}

/// The state of one connection that only that connection uses.
pub struct Session {
    /// CLIENT ID.
    pub id: ClientId,
    /// SELECTed database.
    pub db: usize,
    /// Protocol version of replies.
    pub resp: Resp,
    /// Whether AUTH (or HELLO … AUTH) succeeded, or no password is needed.
    pub authenticated: bool,
    /// The open transaction, between MULTI and EXEC/DISCARD.
    pub multi: Option<Multi>,
    /// Flipped from outside to close the connection.
    pub kill: Arc<KillSwitch>,
    /// Pub/sub messages from other clients, for the transport to write.
    pub outbox: Arc<crate::pubsub::Outbox>,
    pub(super) shared: Arc<Shared>,
    /// Whether this session is in the client registry (and must leave it
    /// on drop); false for the stand-ins that serve blocked clients.
    registered: bool,
    /// What to do with the reply of the command blocked now (journal it,
    /// drop it), when there is anything to do.
    pub(super) pending: Option<Pending>,
    /// Set when a command took long (see [`Session::take_ran_long`]).
    ran_long: bool,
    /// When the previous command ended, while the state lock has been held
    /// since: the next command's start. A pipelined command then costs one
    /// clock read for its duration instead of two (clock reads were a
    /// tenth of the server's time at `-P 16`).
    since: Option<Instant>,
}

/// The state lock as a batch of commands holds it between them (see
/// [`Session::execute_held`]); `None` when not held.
pub type Held<'s> = Option<parking_lot::MutexGuard<'s, State>>;

/// A command that runs at least this long makes a batching transport
/// release the state lock before the next one.
const LONG_COMMAND_US: u64 = 1_000;

impl Session {
    /// Registers a new client with the server.
    pub fn open(shared: &Arc<Shared>, peer: Peer) -> Session {
        let id = shared.next_client_id();
        let kill = Arc::new(KillSwitch::default());
        let outbox = Arc::new(crate::pubsub::Outbox::default());
        let now = shared.clock.now_millis();
        let (addr, laddr, local) = match peer {
            Peer::Tcp { addr, laddr } => (addr, laddr, false),
            Peer::Local => (format!("in-process:{id}"), "in-process".to_string(), true),
        };
        shared.register(ClientInfo {
            id,
            addr,
            laddr,
            name: None,
            lib_name: None,
            lib_ver: None,
            created_ms: now,
            last_ms: now,
            db: 0,
            resp: Resp::V2,
            last_cmd: "NULL",
            multi: -1,
            local,
            kill: Arc::clone(&kill),
            watching: Vec::new(),
            cas_dirty: false,
            channels: Default::default(),
            patterns: Default::default(),
            shard_channels: Default::default(),
            outbox: Arc::clone(&outbox),
        });
        let authenticated = !shared
            .mirror
            .password_set
            .load(std::sync::atomic::Ordering::Relaxed);
        Session {
            id,
            db: 0,
            resp: Resp::V2,
            authenticated,
            multi: None,
            kill,
            outbox,
            shared: Arc::clone(shared),
            registered: true,
            pending: None,
            ran_long: false,
            since: None,
        }
    }

    /// A stand-in for a registered client, used to run a blocked client's
    /// command again when it is served.
    pub fn detached(shared: &Shared, id: ClientId, db: usize, resp: Resp) -> Session {
        Session {
            id,
            db,
            resp,
            authenticated: true,
            multi: None,
            kill: Arc::new(KillSwitch::default()),
            outbox: Arc::new(crate::pubsub::Outbox::default()),
            shared: shared.self_arc(),
            registered: false,
            pending: None,
            ran_long: false,
            since: None,
        }
    }

    /// Makes a stand-in from [`Session::detached`] ready to serve another
    /// client's script, as a fresh one would be.
    pub fn reuse_detached(&mut self, id: ClientId, db: usize, resp: Resp) {
        debug_assert!(!self.registered);
        self.id = id;
        self.db = db;
        self.resp = resp;
        self.authenticated = true;
        self.multi = None;
        self.pending = None;
        self.ran_long = false;
        self.since = None;
        if self.kill.is_killed() {
            self.kill = Arc::new(KillSwitch::default());
        }
        drop(self.outbox.take());
    }

    /// Whether the connection has been killed (CLIENT KILL, shutdown).
    pub fn is_killed(&self) -> bool {
        self.kill.is_killed()
    }

    /// Runs one request and writes its reply into `out`.
    pub fn execute(&mut self, args: Vec<Bytes>, out: &mut Out) -> Step {
        self.run(args, out, Prior::default())
    }

    /// Runs one request of a pipeline batch: like [`Session::execute`], but
    /// the state lock is taken from `held` if the previous request of the
    /// batch left it there, and left there again when this one ends with
    /// [`Step::Continue`], so that a batch of commands costs one lock
    /// acquisition instead of one per command. Any other step releases it:
    /// the transport must be free to wait. `shared` must be this session's
    /// server. The caller decides when to let go between commands
    /// (fairness), by dropping the guard.
    pub fn execute_held<'s>(
        &mut self,
        shared: &'s Shared,
        held: &mut Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
    ) -> Step {
        debug_assert!(std::ptr::eq(shared, Arc::as_ptr(&self.shared)));
        self.run_held(shared, held, args, out, Prior::default())
    }

    /// Makes the next command time itself from its own start rather than
    /// from the previous command's end (something else ran in between).
    pub fn forget_since(&mut self) {
        self.since = None;
    }

    /// Whether the last command ran long enough that a transport batching
    /// commands under one lock should let other clients in now (a long
    /// script, a big SORT…). Reading clears it.
    pub fn take_ran_long(&mut self) -> bool {
        std::mem::take(&mut self.ran_long)
    }

    /// Runs a request, given what the fault layer did to it before it
    /// waited, and journals it.
    pub(super) fn run(&mut self, args: Vec<Bytes>, out: &mut Out, prior: Prior) -> Step {
        let shared = Arc::clone(&self.shared);
        let mut held = None;
        self.run_held(&shared, &mut held, args, out, prior)
    }

    fn run_held<'s>(
        &mut self,
        shared: &'s Shared,
        held: &mut Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
        prior: Prior,
    ) -> Step {
        if args.is_empty() {
            return Step::Continue;
        }
        let mut draft = shared.faults.journal.draft(&args);
        let db = self.db;
        let ran = self.run_locked(shared, held.take(), args, out, prior, &mut draft);
        self.finish(shared, ran, draft, db, out, held)
    }

    fn run_locked<'s>(
        &mut self,
        shared: &'s Shared,
        held: Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
        prior: Prior,
        draft: &mut Option<crate::fault::Draft>,
    ) -> Ran<'s> {
        let mark = out.len();
        let answered = |step, state, fault, now_us| Ran {
            step,
            state,
            reply_at: Some(mark),
            fault,
            now_us,
        };
        // Redis 7.0 answers QUIT before looking anything up: even
        // unauthenticated, even inside MULTI; only a pause holds it.
        if cmd::is(&args[0], "quit") {
            let now_us = shared.clock.now_micros();
            if shared.faults.is_armed() {
                if let Some(until) = shared.faults.decide_quit(self.id, now_us) {
                    let resume = Resume { args, prior };
                    return Ran {
                        step: Step::Wait(Wait { until, resume }),
                        state: None,
                        reply_at: None,
                        fault: prior.fault,
                        now_us,
                    };
                }
            }
            out.ok();
            if let Some(d) = draft.as_mut() {
                let state = held.or_else(|| shared.state.try_lock());
                if let Some(state) = state {
                    d.client_name = state.clients.get(&self.id).and_then(|c| c.name.clone());
                }
            }
            return answered(Step::Close, None, prior.fault, now_us);
        }
        let resolved = cmd::resolve(&args);
        let state = match held {
            Some(state) => Ok(state),
            None => {
                self.since = None;
                self.lock_state(shared, resolved.as_ref().ok().copied(), &args, out)
            }
        };
        let mut state = match state {
            Ok(state) => state,
            Err(step) => {
                if let Err(e) = &resolved {
                    // Errors found before the lock are answered even while
                    // a script is busy, as Redis answers them.
                    out.error(e.text());
                }
                return answered(step, None, prior.fault, shared.clock.now_micros());
            }
        };
        let now_us = shared.clock.now_micros();
        let now = now_us.div_euclid(1000);
        state.now_ms = now;
        if let Some(d) = draft {
            // The name it had when it sent the command, before any SETNAME.
            d.client_name = state.clients.get(&self.id).and_then(|c| c.name.clone());
        }
        if self.kill.is_killed() {
            // Killed while waiting for the lock (a restart, a partition):
            // as a closed socket, it runs nothing more.
            return Ran {
                step: Step::Drop,
                state: Some(state),
                reply_at: None,
                fault: prior.fault,
                now_us,
            };
        }
        let spec = match resolved {
            Ok(spec) => spec,
            Err(e) => {
                self.reject(&mut state, out, None, e);
                return answered(Step::Continue, Some(state), prior.fault, now_us);
            }
        };
        // CLIENT SETINFO is Redis 7.2's; redsim accepts it because clients
        // send it on connect, but before authentication it must answer as
        // Redis 7.0 does (unknown subcommand, which clients ignore) rather
        // than NOAUTH (which redis-py turns into a failed connection).
        if !self.authenticated
            && spec.name == "client|setinfo"
            && state.config.requirepass().is_some()
        {
            let e = error::unknown_subcommand(&args[1], "client");
            self.reject(&mut state, out, None, e);
            return answered(Step::Continue, Some(state), prior.fault, now_us);
        }
        if !self.authenticated && !spec.has(flags::NO_AUTH) {
            if state.config.requirepass().is_none() {
                self.authenticated = true;
            } else {
                self.reject(&mut state, out, Some(spec), error::NOAUTH);
                return answered(Step::Continue, Some(state), prior.fault, now_us);
            }
        }
        if self.resp == Resp::V2
            && !cmd::pubsub::allowed_when_subscribed(spec.name)
            && state.is_subscribed(self.id)
        {
            self.reject(
                &mut state,
                out,
                Some(spec),
                error::subscribed_context(spec.name),
            );
            return answered(Step::Continue, Some(state), prior.fault, now_us);
        }
        let mut fault = prior.fault;
        if shared.faults.is_armed() {
            match self.gate(shared, &mut state, spec, &args, prior, now_us) {
                Gate::Run(f) => fault = f,
                Gate::Reply(text) => {
                    self.reject(&mut state, out, Some(spec), CmdError::owned(text));
                    return answered(Step::Continue, Some(state), Some(Injected::Error), now_us);
                }
                Gate::Wait(until, prior) => {
                    let resume = Resume { args, prior };
                    return Ran {
                        step: Step::Wait(Wait { until, resume }),
                        state: Some(state),
                        reply_at: None,
                        fault: prior.fault,
                        now_us,
                    };
                }
                Gate::Drop(f) => {
                    return Ran {
                        step: Step::Drop,
                        state: Some(state),
                        reply_at: None,
                        fault: f,
                        now_us,
                    };
                }
            }
        }
        // Execute, then drop the reply: the effects stay, the client never
        // learns of them.
        let then = |step| {
            if fault == Some(Injected::DropAfter) {
                Step::Drop
            } else {
                step
            }
        };
        if let Some(multi) = &mut self.multi {
            if !matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "reset") {
                if spec.has(flags::NO_MULTI) {
                    self.reject(
                        &mut state,
                        out,
                        Some(spec),
                        CmdError::fixed("ERR Command not allowed inside a transaction"),
                    );
                    return answered(then(Step::Continue), Some(state), fault, now_us);
                }
                multi.queue.push((spec, args));
                let queued = multi.queue.len() as i64;
                if let Some(c) = state.clients.get_mut(&self.id) {
                    c.multi = queued;
                }
                out.simple("QUEUED");
                return answered(then(Step::Continue), Some(state), fault, now_us);
            }
        }
        if state.next_deadline().is_some_and(|deadline| deadline < now) {
            state.purge_expired(now);
        }
        if state.blocking.next_deadline().is_some_and(|d| d < now) {
            state.blocking.expire(now);
        }
        if let Some(c) = state.clients.get_mut(&self.id) {
            c.last_ms = now;
            c.last_cmd = spec.name;
        }
        state.current_client = Some(self.id);
        let mut ctx = Ctx {
            state: &mut state,
            session: self,
            shared,
            args: &args,
            out,
            now,
            now_us,
            caller: Caller::Client,
            after: After::Continue,
            block: None,
            ready_key: None,
        };
        call(spec, &mut ctx);
        let after = ctx.after;
        let block = ctx.block.take();
        state.current_client = None;
        let mut reply_at = mark;
        if !state.current_pushes.is_empty() {
            // Messages this command caused for its own client go ahead of
            // its reply, where Redis writes them.
            let pushes = std::mem::take(&mut state.current_pushes);
            out.insert(mark, &pushes);
            reply_at += pushes.len();
        }
        if let Some(c) = state.clients.get_mut(&self.id) {
            c.db = self.db;
            c.resp = self.resp;
        }
        let named_away = self.named_into_partition(shared, &state, spec);
        let step = match (after, block) {
            _ if named_away => {
                fault = Some(Injected::Partition);
                Step::Drop
            }
            (After::Close, _) => then(Step::Close),
            (After::Continue, Some(request)) => {
                let rx = state
                    .blocking
                    .add(self.id, self.db, self.resp, spec, args, request);
                shared.blocking_changed();
                // A dropped reply is dropped when it comes (`unblocked`).
                Step::Blocked(rx)
            }
            (After::Continue, None) => then(Step::Continue),
        };
        crate::blocking::serve_ready(&mut state, shared, now, now_us);
        shared.refresh_wake(&state);
        Ran {
            step,
            state: Some(state),
            reply_at: Some(reply_at),
            fault,
            now_us,
        }
    }

    /// Whether running `args` is known to take long (DEBUG SLEEP): the
    /// transport then runs it off the async worker so that the server keeps
    /// accepting and answering other clients. Scripts need no such care:
    /// one that runs long hands its worker over by itself (see
    /// `script::offload_if_long`), so the short ones — nearly all — stay
    /// on the fast path.
    pub fn may_run_long(&self, args: &[Bytes]) -> bool {
        args.first().is_some_and(|name| cmd::is(name, "debug"))
    }

    /// Takes the state lock. While the lock is held by a long script, the
    /// wait keeps checking whether the script has become BUSY (and the
    /// command must be answered without the lock); on a multi-thread Tokio
    /// runtime the wait gives up its worker (`block_in_place`), so that the
    /// client who would send SCRIPT KILL is not starved of one.
    fn lock_state<'s>(
        &self,
        shared: &'s Shared,
        spec: Option<&'static CommandSpec>,
        args: &[Bytes],
        out: &mut Out,
    ) -> Result<parking_lot::MutexGuard<'s, State>, Step> {
        // The common cases: the lock is free, or another command holds it
        // for microseconds.
        if let Some(mut state) = shared
            .state
            .try_lock()
            .or_else(|| shared.state.try_lock_for(Duration::from_micros(500)))
        {
            shared.sync_pending(&mut state);
            return Ok(state);
        }
        // Held for longer: likely a long script. Wait off the worker,
        // answering BUSY once it passes the limit.
        let mut wait = || loop {
            if let Some(spec) = spec {
                if let Some(step) = self.busy_script(shared, spec, args, out) {
                    return Err(step);
                }
            } else if shared.running_script.lock().is_some() && self.script_is_busy(shared) {
                return Err(Step::Continue);
            }
            if let Some(mut state) = shared.state.try_lock_for(Duration::from_millis(5)) {
                shared.sync_pending(&mut state);
                return Ok(state);
            }
        };
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(wait)
        } else {
            wait()
        }
    }

    /// Whether the running script has passed `lua-time-limit`.
    fn script_is_busy(&self, shared: &Shared) -> bool {
        let limit = shared
            .mirror
            .busy_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        shared
            .running_script
            .lock()
            .as_ref()
            .is_some_and(|r| r.started.elapsed().as_millis() >= u128::from(limit))
    }

    /// While a script runs past `lua-time-limit`, Redis answers BUSY to
    /// everything but SCRIPT KILL and the few allow-busy commands — without
    /// waiting for the script, whose command holds the state lock. `None`
    /// when the command should run normally.
    fn busy_script(
        &self,
        shared: &Shared,
        spec: &CommandSpec,
        args: &[Bytes],
        out: &mut Out,
    ) -> Option<Step> {
        let running = shared.running_script.lock().clone()?;
        let limit = shared
            .mirror
            .busy_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if running.started.elapsed().as_millis() < u128::from(limit) {
            return None;
        }
        // Each kind is killed by its own KILL; the other KILL gets the
        // BUSY that names the right one, as in Redis.
        let busy = if running.function.is_some() {
            error::BUSY_FUNCTION
        } else {
            error::BUSY
        };
        if spec.name == "script|kill" || spec.name == "function|kill" {
            if running.wrote.load(std::sync::atomic::Ordering::SeqCst) {
                out.error(error::UNKILLABLE.text());
            } else if running.function.is_some() != (spec.name == "function|kill") {
                out.error(busy.text());
            } else {
                running.kill();
                out.ok();
            }
            return Some(Step::Continue);
        }
        if spec.name == "function|stats"
            && let Some(f) = &running.function
        {
            // A busy function is described from what it left outside the
            // lock. (During a busy EVAL the library counts are under the
            // lock: FUNCTION STATS waits then.)
            crate::cmd::function_stats_reply(out, Some((f, running.started.elapsed())));
            return Some(Step::Continue);
        }
        if spec.name == "shutdown" && args_say_nosave(args) {
            shared.shutdown();
            return Some(Step::Close);
        }
        if spec.has(flags::ALLOW_BUSY) && spec.name != "shutdown" {
            return None;
        }
        out.error(busy.text());
        Some(Step::Continue)
    }

    /// Answers a request refused before execution and counts it: the
    /// transaction in progress, if any, is doomed (EXECABORT).
    fn reject(
        &mut self,
        state: &mut State,
        out: &mut Out,
        spec: Option<&'static CommandSpec>,
        e: CmdError,
    ) {
        if let Some(multi) = &mut self.multi {
            multi.dirty = true;
        }
        if let Some(spec) = spec {
            state.stats.commands.entry(spec.name).or_default().rejected += 1;
        }
        count_error(state, &e);
        out.error(e.text());
    }
}

/// Whether SHUTDOWN's arguments include NOSAVE (the one form a busy
/// script allows).
fn args_say_nosave(args: &[Bytes]) -> bool {
    args.iter().skip(1).any(|a| cmd::is(a, "nosave"))
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.registered {
            return;
        }
        self.shared.unregister(self.id);
    }
}

/// Panics caught in commands since the process started (a bug in redsim
/// each time; the fuzz harness checks it stays at zero).
pub static PANICS_CAUGHT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs `spec` in `ctx`: the handler's reply, or its error in place of
/// whatever it had written. Counts INFO commandstats and errorstats.
///
/// A panic in the handler (a bug in redsim) is caught here: the client
/// gets an error naming the command, and the server and its other clients
/// go on. What the command changed before it panicked stays changed.
pub fn call(spec: &'static CommandSpec, ctx: &mut Ctx<'_>) {
    let Some(handler) = spec.handler else {
        return;
    };
    let mark = ctx.out.len();
    let started = ctx.session.since.unwrap_or_else(Instant::now);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(ctx)))
        .unwrap_or_else(|panic| {
            PANICS_CAUGHT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // A script interrupted by the panic is not running any more.
            *ctx.shared.running_script.lock() = None;
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            tracing::error!(target: "redsim", command = spec.name, "command panicked: {what}");
            Err(crate::cmd::error::CmdError::owned(format!(
                "ERR redsim internal error: '{}' panicked ({}); please report it",
                spec.name,
                what.replace(['\r', '\n'], " ")
            )))
        });
    let ended = Instant::now();
    ctx.session.since = Some(ended);
    // A difference of whole microseconds, as Redis takes it: a command of
    // 0.3 µs counts 0 or 1, and the sum over many comes out right, where
    // truncating each command's own duration would count every fast
    // command as 0 forever.
    let usec = micros(ended).saturating_sub(micros(started));
    if usec >= LONG_COMMAND_US {
        ctx.session.ran_long = true;
    }
    let stats = &mut ctx.state.stats;
    stats.commands_processed += 1;
    let stat = stats.commands.entry(spec.name).or_default();
    stat.calls += 1;
    stat.usec += usec;
    if let Err(e) = result {
        stat.failed += 1;
        ctx.out.truncate(mark);
        ctx.out.error(e.text());
        count_error(ctx.state, &e);
    }
}

/// Microseconds from a fixed instant of this process to `at`.
fn micros(at: Instant) -> u64 {
    at.saturating_duration_since(anchor()).as_micros() as u64
}

fn anchor() -> Instant {
    static ANCHOR: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ANCHOR.get_or_init(Instant::now)
}

fn count_error(state: &mut State, e: &CmdError) {
    state.stats.error_replies += 1;
    *state.stats.errors.entry(e.code().to_string()).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn command_time_is_a_difference_of_whole_microseconds() {
        let at = |ns| anchor() + Duration::from_nanos(ns);
        // 0.3 µs across a microsecond boundary counts 1, within one
        // counts 0: the sum over many commands follows their real time.
        assert_eq!(micros(at(1_000_100)) - micros(at(999_800)), 1);
        assert_eq!(micros(at(1_000_400)) - micros(at(1_000_100)), 0);
        let total: u64 = (0..1000u64)
            .map(|i| micros(at(i * 300 + 300)) - micros(at(i * 300)))
            .sum();
        assert_eq!(total, 300);
    }
}
