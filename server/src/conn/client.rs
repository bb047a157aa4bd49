//! A session's life as a client of the server: registered when a
//! connection opens (CLIENT LIST sees it), unregistered when it goes, and
//! the unregistered stand-ins that run a blocked client's command or a
//! script's `redis.call`.

use std::sync::Arc;

use super::session::{Peer, Session};
use crate::protocol::Resp;
use crate::shared::Shared;
use crate::state::{ClientId, ClientInfo, KillSwitch};

impl Session {
    /// Registers a new client with the server.
    pub fn open(shared: &Arc<Shared>, peer: Peer) -> Session {
        let id = shared.next_client_id();
        let kill = Arc::new(KillSwitch::default());
        let outbox = Arc::new(crate::state::Outbox::default());
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
            outbox: Arc::new(crate::state::Outbox::default()),
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
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.registered {
            return;
        }
        self.shared.unregister(self.id);
    }
}
