//! The cluster bus: how nodes in cluster mode tell each other of their
//! configuration ([`crate::cluster::gossip`] says what they tell).
//!
//! Each node in cluster mode has a [`NodeBus`]: the view signals it when
//! this node's configuration changes (or CLUSTER MEET names a new node),
//! and its task sends this node's [`Message`] to every node it knows.
//! Delivery is direct between nodes of the same process (a registry maps
//! each node's bus address to its server; the receiver's state is locked
//! and the message applied), and over TCP otherwise: a redsim process
//! started with `--cluster-enabled yes` listens on its bus port (the
//! client port + 10000, or `cluster-port`) and answers each message with
//! its own. redsim's bus speaks its own protocol, not Redis's binary one:
//! redsim nodes meet redsim nodes, not redis-servers.
//!
//! The bus also carries what needs two nodes' data, outside any lock: a
//! replica that attaches to a primary (CLUSTER REPLICATE, a failover,
//! losing its last slot) copies the primary's keys when the primary is in
//! the same process, and CLUSTER FAILOVER's promotion happens here, after
//! that copy. Never are two nodes' states locked at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::cluster::gossip::{self, Kind, Message};
use crate::cluster::view::Failover;
use crate::cluster::{Bus, key_slot};
use crate::db::{Blob, Entry};
use crate::shared::Shared;
use crate::state::State;

/// Nodes of this process by bus address, and by client address.
#[derive(Default)]
struct Registry {
    by_bus: HashMap<(String, u16), Weak<Shared>>,
    by_client: HashMap<SocketAddr, Weak<Shared>>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

/// The node of this process whose bus is at `ip:bus_port`.
fn local_peer(ip: &str, bus_port: u16) -> Option<Arc<Shared>> {
    let registry = REGISTRY.lock();
    registry
        .by_bus
        .get(&(ip.to_string(), bus_port))
        .and_then(Weak::upgrade)
        .filter(|s| !s.is_closed())
}

/// The server of this process in cluster mode listening at `addr`, for
/// the in-process cluster connection.
pub fn server_at(addr: SocketAddr) -> Option<Arc<Shared>> {
    let registry = REGISTRY.lock();
    registry
        .by_client
        .get(&addr)
        .and_then(Weak::upgrade)
        .filter(|s| !s.is_closed())
}

/// One node's end of the bus.
pub struct NodeBus {
    shared: Weak<Shared>,
    wake: Notify,
    meets: Mutex<Vec<(String, u16)>>,
    /// Whether the node talks to other processes (then it also repeats
    /// its configuration every second, as a lost message would otherwise
    /// never be made up for).
    remote: bool,
}

impl Bus for NodeBus {
    fn changed(&self) {
        self.wake.notify_one();
    }

    fn meet(&self, ip: &str, _port: u16, bus_port: u16) {
        self.meets.lock().push((ip.to_string(), bus_port));
        self.wake.notify_one();
    }
}

/// Puts the server of `shared` (in cluster mode) on the bus: registers it,
/// starts its bus task and, given one, its bus listener.
pub fn attach(
    shared: &Arc<Shared>,
    listener: Option<std::net::TcpListener>,
) -> std::io::Result<()> {
    let bus = Arc::new(NodeBus {
        shared: Arc::downgrade(shared),
        wake: Notify::new(),
        meets: Mutex::new(Vec::new()),
        remote: listener.is_some(),
    });
    let (ip, bus_port) = {
        let mut state = shared.state.lock();
        let Some(view) = state.cluster.as_deref_mut() else {
            return Ok(());
        };
        view.bus = Some(Arc::clone(&bus) as Arc<dyn Bus>);
        (view.me().ip.clone(), view.me().bus_port)
    };
    {
        let mut registry = REGISTRY.lock();
        registry.by_bus.retain(|_, w| w.strong_count() > 0);
        registry.by_client.retain(|_, w| w.strong_count() > 0);
        registry
            .by_bus
            .insert((ip, bus_port), Arc::downgrade(shared));
        if let Some(addr) = shared.addr {
            registry.by_client.insert(addr, Arc::downgrade(shared));
        }
    }
    let runtime = shared.runtime.clone();
    if let Some(listener) = listener {
        let _enter = runtime.enter();
        let listener = TcpListener::from_std(listener)?;
        runtime.spawn(listen(Arc::downgrade(shared), Arc::clone(&bus), listener));
    }
    runtime.spawn(run(bus));
    Ok(())
}

/// The bus task: sends this node's configuration whenever it changes.
async fn run(bus: Arc<NodeBus>) {
    loop {
        let Some(shared) = bus.shared.upgrade() else {
            return;
        };
        if shared.is_closed() {
            return;
        }
        step(&bus, &shared).await;
        let tick = if bus.remote {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(3600)
        };
        let wake = bus.wake.notified();
        drop(shared);
        tokio::select! {
            () = wake => {}
            () = tokio::time::sleep(tick) => {}
        }
    }
}

/// A copy of database 0 of `shared`.
fn snapshot(shared: &Shared) -> Vec<(Blob, Entry)> {
    let state = shared.state.lock();
    state.dbs[0]
        .iter()
        .map(|(k, e)| (k.clone(), e.clone()))
        .collect()
}

/// Replaces database 0 of `state` with `keys` (a replica's full sync).
pub fn install(state: &mut State, keys: Vec<(Blob, Entry)>) {
    let db = &mut state.dbs[0];
    db.clear();
    for (key, entry) in keys {
        let expire = entry.expire_at();
        db.insert(key.as_slice(), entry.value, expire, entry.access);
    }
}

/// Deletes the keys of `slots` from database 0 (a slot this node lost).
pub fn delete_slots(state: &mut State, slots: &[u16]) {
    if slots.is_empty() {
        return;
    }
    let lost: std::collections::HashSet<u16> = slots.iter().copied().collect();
    let doomed: Vec<Blob> = state.dbs[0]
        .iter()
        .filter(|(k, _)| lost.contains(&key_slot(k.as_slice())))
        .map(|(k, _)| k.clone())
        .collect();
    for key in doomed {
        state.dbs[0].remove(key.as_slice());
    }
}

/// The in-process server of this node's primary, if any.
fn primary_here(shared: &Shared) -> Option<Arc<Shared>> {
    let state = shared.state.lock();
    let view = state.cluster.as_deref()?;
    let p = view.node(view.primary_of(view.myself)?)?;
    local_peer(&p.ip, p.bus_port)
}

/// One round: a pending sync or failover, then this node's configuration
/// to every node it knows and to the ones CLUSTER MEET named.
async fn step(bus: &NodeBus, shared: &Arc<Shared>) {
    let (failover, resync) = {
        let mut state = shared.state.lock();
        let Some(view) = state.cluster.as_deref_mut() else {
            return;
        };
        (
            view.pending_failover.take(),
            std::mem::take(&mut view.resync),
        )
    };
    if failover.is_some() || resync {
        let copy = (resync || failover == Some(Failover::Default))
            .then(|| primary_here(shared))
            .flatten()
            .map(|p| snapshot(&p));
        let mut state = shared.state.lock();
        if let Some(keys) = copy {
            install(&mut state, keys);
        }
        if failover.is_some()
            && let Some(view) = state.cluster.as_deref_mut()
        {
            view.promote();
        }
    }
    let meets = std::mem::take(&mut *bus.meets.lock());
    let (msg, peers) = {
        let state = shared.state.lock();
        let Some(view) = state.cluster.as_deref() else {
            return;
        };
        if view.isolated {
            return;
        }
        let peers: Vec<(String, u16)> = view
            .nodes()
            .filter(|(n, node)| *n != view.myself && !node.fail)
            .map(|(_, node)| (node.ip.clone(), node.bus_port))
            .collect();
        (Message::of(view, Kind::Ping), peers)
    };
    let meet = Message {
        kind: Kind::Meet,
        ..msg.clone()
    };
    for (ip, bus_port) in meets {
        send(shared, &ip, bus_port, &meet).await;
    }
    for (ip, bus_port) in peers {
        send(shared, &ip, bus_port, &msg).await;
    }
}

/// Sends `msg` to the node at `ip:bus_port`: directly to a node of this
/// process, else over TCP (applying its answer).
async fn send(me: &Arc<Shared>, ip: &str, bus_port: u16, msg: &Message) {
    count(me, |v| v.count_sent(msg.kind.name()));
    if let Some(peer) = local_peer(ip, bus_port) {
        if !Arc::ptr_eq(&peer, me) {
            receive(&peer, msg);
        }
        return;
    }
    let Ok(addr) = format!("{ip}:{bus_port}").parse::<SocketAddr>() else {
        return;
    };
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        write_frame(&mut stream, &msg.encode()).await?;
        read_frame(&mut stream).await
    };
    let answer = tokio::time::timeout(Duration::from_secs(2), exchange).await;
    if let Ok(Ok(bytes)) = answer
        && let Some(reply) = Message::decode(&bytes)
    {
        receive(me, &reply);
    }
}

fn count(shared: &Shared, f: impl FnOnce(&mut crate::cluster::ClusterView)) {
    let mut state = shared.state.lock();
    if let Some(view) = state.cluster.as_deref_mut() {
        f(view);
    }
}

/// Applies `msg` to the view of `shared`: lost slots lose their keys, and
/// what the node learned it tells the others.
fn receive(shared: &Shared, msg: &Message) {
    let now = shared.clock.now_millis();
    let mut state = shared.state.lock();
    let Some(view) = state.cluster.as_deref_mut() else {
        return;
    };
    if view.isolated {
        return;
    }
    let applied = gossip::apply(view, msg, now);
    let tell = applied.tell_others || view.resync;
    let bus = view.bus.clone();
    delete_slots(&mut state, &applied.lost);
    drop(state);
    if tell && let Some(bus) = bus {
        bus.changed();
    }
}

/// Accepts bus connections from other processes: each carries one
/// message, answered with this node's own.
async fn listen(shared: Weak<Shared>, bus: Arc<NodeBus>, listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let Some(me) = shared.upgrade() else {
            return;
        };
        if me.is_closed() {
            return;
        }
        let bus = Arc::clone(&bus);
        tokio::spawn(async move {
            let Ok(Ok(bytes)) =
                tokio::time::timeout(Duration::from_secs(2), read_frame(&mut stream)).await
            else {
                return;
            };
            let Some(msg) = Message::decode(&bytes) else {
                return;
            };
            receive(&me, &msg);
            let reply = {
                let state = me.state.lock();
                match state.cluster.as_deref() {
                    Some(view) if !view.isolated => Message::of(view, Kind::Pong).encode(),
                    _ => return,
                }
            };
            count(&me, |v| v.count_sent("pong"));
            let _ = write_frame(&mut stream, &reply).await;
            if msg.kind == Kind::Meet {
                bus.changed();
            }
        });
    }
}

async fn write_frame(stream: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(std::io::Error::other)?;
    stream.write_all(&len.to_be_bytes()).await?;
    stream.write_all(payload).await
}

async fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > 16 << 20 {
        return Err(std::io::Error::other("bus frame too large"));
    }
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).await?;
    Ok(buf)
}

/// The in-process cluster connection: the `redis` crate's async cluster
/// client connects to each node it discovers by that node's address,
/// which redsim resolves to the server of this process listening there.
#[cfg(feature = "cluster")]
impl redis::cluster_async::Connect for crate::LocalConnection {
    fn connect_with_config<'a, T>(
        info: T,
        _config: redis::AsyncConnectionConfig,
    ) -> redis::RedisFuture<'a, Self>
    where
        T: redis::IntoConnectionInfo + Send + 'a,
    {
        Box::pin(async move {
            let info = info.into_connection_info()?;
            let refused = || {
                redis::RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::ConnectionRefused,
                    "no redsim node of this process listens there",
                ))
            };
            let addr = match info.addr() {
                redis::ConnectionAddr::Tcp(host, port) => {
                    let ip: std::net::IpAddr = if host == "localhost" {
                        std::net::Ipv4Addr::LOCALHOST.into()
                    } else {
                        host.parse().map_err(|_| refused())?
                    };
                    SocketAddr::new(ip, *port)
                }
                _ => return Err(refused()),
            };
            let shared = server_at(addr).ok_or_else(refused)?;
            let mut con = crate::LocalConnection::new(shared);
            let redis_info = info.redis_settings();
            if let Some(password) = redis_info.password() {
                let mut auth = redis::cmd("AUTH");
                if let Some(user) = redis_info.username() {
                    auth.arg(user);
                }
                auth.arg(password);
                auth.exec_async(&mut con).await?;
            }
            Ok(con)
        })
    }
}
