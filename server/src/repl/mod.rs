//! The replica's side of replication: the link to its primary, which
//! connects (over TCP, or in this process without a socket), shakes hands
//! as a Redis 7.0 replica does (PING, AUTH, REPLCONF, PSYNC), loads the
//! snapshot of a full synchronisation, then applies the command stream
//! through the executor and acknowledges it.
//!
//! The primary's side is a command like any other (PSYNC, in
//! `cmd::repl`): the stream reaches a replica through its connection's
//! outbox, which its transport writes. This module also keeps the
//! registry of the servers of this process, by address, through which an
//! in-process link finds its primary.

mod link;
mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, LazyLock, Weak};

use parking_lot::Mutex;

use crate::shared::Shared;

pub use link::start;

/// The servers of this process, by `host:port`, for in-process links.
static LOCAL: LazyLock<Mutex<HashMap<String, Weak<Shared>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Numbers the in-process addresses of servers that do not listen.
static NEXT_LOCAL_PORT: AtomicU16 = AtomicU16::new(1);

/// The host name of servers that do not listen on TCP.
pub const IN_PROCESS_HOST: &str = "in-process";

/// Registers `shared` in the in-process registry and returns the address
/// replicas and ROLE name it by: its TCP address, or `in-process:N` for a
/// server that does not listen.
pub fn register(shared: &Arc<Shared>) -> (String, u16) {
    let (host, port) = match shared.addr {
        Some(a) => (a.ip().to_string(), a.port()),
        None => (
            IN_PROCESS_HOST.to_string(),
            NEXT_LOCAL_PORT.fetch_add(1, Ordering::Relaxed),
        ),
    };
    let mut local = LOCAL.lock();
    local.retain(|_, w| w.strong_count() > 0);
    local.insert(format!("{host}:{port}"), Arc::downgrade(shared));
    (host, port)
}

/// The server of this process at `host:port`, if it is alive.
pub fn find(host: &str, port: u16) -> Option<Arc<Shared>> {
    LOCAL.lock().get(&format!("{host}:{port}"))?.upgrade()
}

/// The address `shared` was registered under.
pub fn address_of(shared: &Arc<Shared>) -> Option<(String, u16)> {
    let local = LOCAL.lock();
    local.iter().find_map(|(k, w)| {
        if std::ptr::eq(w.as_ptr(), Arc::as_ptr(shared)) {
            let (h, p) = k.rsplit_once(':')?;
            Some((h.to_string(), p.parse().ok()?))
        } else {
            None
        }
    })
}
