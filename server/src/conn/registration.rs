//! A session's life as a client of the server: registered when a
//! connection opens (CLIENT LIST sees it), unregistered when it goes.

use std::sync::Arc;

use super::session::{Peer, Session};
use crate::cmd::Client;
use crate::protocol::Resp;
use crate::shared::Shared;
use crate::state::{ClientInfo, KillSwitch};

impl Session {
    /// Registers a new client with the server.
    pub fn open(shared: &Arc<Shared>, peer: Peer) -> Session {
        let id = shared.next_client_id();
        Session::open_as(shared, peer, id)
    }

    /// Registers a new client with an id taken before (when it was
    /// accepted: ids follow the order connections arrive in, as in
    /// Redis, whatever order their tasks start in).
    pub fn open_as(shared: &Arc<Shared>, peer: Peer, id: u64) -> Session {
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
            user: bytes::Bytes::from_static(b"default"),
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
            tracking: None,
            no_evict: false,
            monitor: false,
        });
        let authenticated = !shared
            .mirror
            .auth_required
            .load(std::sync::atomic::Ordering::Relaxed);
        Session {
            client: Client::new(id, 0, Resp::V2, authenticated),
            kill,
            outbox,
            shared: Arc::clone(shared),
            pending: None,
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shared.unregister(self.client.id);
    }
}
