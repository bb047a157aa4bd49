//! [`Session`]: one client connection's state, and the path every command
//! takes from arguments to reply.
//!
//! Both transports own a session and hand it each decoded request; the
//! session resolves the command, applies Redis's checks in Redis's order
//! (unknown command, arity, authentication, MULTI queueing), takes the state
//! lock, and runs the command. Nothing here knows about sockets.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use tokio::sync::oneshot;

use crate::cmd::{self, After, Caller, CmdError, CommandSpec, Ctx, error, flags};
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
    /// The command blocked: its reply will arrive on this channel.
    Blocked(oneshot::Receiver<Vec<u8>>),
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
    shared: Arc<Shared>,
    /// Whether this session is in the client registry (and must leave it
    /// on drop); false for the stand-ins that serve blocked clients.
    registered: bool,
}

impl Session {
    /// Registers a new client with the server.
    pub fn open(shared: &Arc<Shared>, peer: Peer) -> Session {
        let id = shared.next_client_id();
        let kill = Arc::new(KillSwitch::default());
        let outbox = Arc::new(crate::pubsub::Outbox::default());
        let now = shared.clock.now_millis();
        let mut state = shared.state.lock();
        state.stats.connections_received += 1;
        let (addr, laddr, local) = match peer {
            Peer::Tcp { addr, laddr } => (addr, laddr, false),
            Peer::Local => (format!("in-process:{id}"), "in-process".to_string(), true),
        };
        state.clients.insert(
            id,
            ClientInfo {
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
            },
        );
        let authenticated = state.config.requirepass().is_none();
        drop(state);
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
        }
    }

    /// Whether the connection has been killed (CLIENT KILL, shutdown).
    pub fn is_killed(&self) -> bool {
        self.kill.is_killed()
    }

    /// Runs one request and writes its reply into `out`.
    pub fn execute(&mut self, args: Vec<Bytes>, out: &mut Out) -> Step {
        let shared = Arc::clone(&self.shared);
        if args.is_empty() {
            return Step::Continue;
        }
        // Redis 7.0 answers QUIT before looking anything up: even
        // unauthenticated, even inside MULTI.
        if cmd::is(&args[0], "quit") {
            out.ok();
            return Step::Close;
        }
        let resolved = cmd::resolve(&args);
        let mut state = shared.state.lock();
        let now_us = shared.clock.now_micros();
        let now = now_us.div_euclid(1000);
        let spec = match resolved {
            Ok(spec) => spec,
            Err(e) => {
                self.reject(&mut state, out, None, e);
                return Step::Continue;
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
            return Step::Continue;
        }
        if !self.authenticated && !spec.has(flags::NO_AUTH) {
            if state.config.requirepass().is_none() {
                self.authenticated = true;
            } else {
                self.reject(&mut state, out, Some(spec), error::NOAUTH);
                return Step::Continue;
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
            return Step::Continue;
        }
        if let Some(multi) = &mut self.multi {
            if !matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "reset") {
                if spec.has(flags::NO_MULTI) {
                    self.reject(
                        &mut state,
                        out,
                        Some(spec),
                        CmdError::fixed("ERR Command not allowed inside a transaction"),
                    );
                    return Step::Continue;
                }
                multi.queue.push((spec, args));
                let queued = multi.queue.len() as i64;
                if let Some(c) = state.clients.get_mut(&self.id) {
                    c.multi = queued;
                }
                out.simple("QUEUED");
                return Step::Continue;
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
        let mark = out.len();
        let mut ctx = Ctx {
            state: &mut state,
            session: self,
            shared: &shared,
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
        if !state.current_pushes.is_empty() {
            // Messages this command caused for its own client go ahead of
            // its reply, where Redis writes them.
            let pushes = std::mem::take(&mut state.current_pushes);
            out.insert(mark, &pushes);
        }
        if let Some(c) = state.clients.get_mut(&self.id) {
            c.db = self.db;
            c.resp = self.resp;
        }
        let step = match (after, block) {
            (After::Close, _) => Step::Close,
            (After::Continue, Some(request)) => {
                let rx = state
                    .blocking
                    .add(self.id, self.db, self.resp, spec, args, request);
                shared.blocking_changed();
                Step::Blocked(rx)
            }
            (After::Continue, None) => Step::Continue,
        };
        crate::blocking::serve_ready(&mut state, &shared, now, now_us);
        step
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

impl Drop for Session {
    fn drop(&mut self) {
        if !self.registered {
            return;
        }
        let mut state = self.shared.state.lock();
        state.unwatch_all(self.id);
        state.blocking.forget(self.id);
        state.unsubscribe_all(self.id);
        state.clients.remove(&self.id);
    }
}

/// Runs `spec` in `ctx`: the handler's reply, or its error in place of
/// whatever it had written. Counts INFO commandstats and errorstats.
pub fn call(spec: &'static CommandSpec, ctx: &mut Ctx<'_>) {
    let Some(handler) = spec.handler else {
        return;
    };
    let mark = ctx.out.len();
    let started = Instant::now();
    let result = handler(ctx);
    let usec = started.elapsed().as_micros() as u64;
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

fn count_error(state: &mut State, e: &CmdError) {
    state.stats.error_replies += 1;
    *state.stats.errors.entry(e.code().to_string()).or_default() += 1;
}
