//! ZooKeeper: the contract, an expired session, and waiters that each
//! watch only their predecessor.

use std::time::Duration;

use redsim_lock::zookeeper::ZkLock;
use redsim_lock::zookeeper::zookeeper_client::Client;
use redsim_lock::{DistributedLock, Guard, LockOptions, LostReason};
use std::sync::Mutex;
use tokio::time::{Instant, timeout};

use crate::contract::{self, Backend, EVENTUALLY};
use crate::proxy::Proxy;
use crate::services::{ZooKeeper, four_letter_word};

struct ZkBackend {
    address: String,
    client: Client,
    proxy: Proxy,
    fault_client: Mutex<Option<Client>>,
}

async fn connect(address: &str, session_timeout: Duration) -> Client {
    Client::connector()
        .with_session_timeout(session_timeout)
        .connect(address)
        .await
        .unwrap()
}

impl Backend for ZkBackend {
    type Lock = ZkLock;
    const NAME: &'static str = "zookeeper";
    const SHORT_TTL: Duration = Duration::from_millis(500);
    const ALWAYS_FENCED: bool = true;
    const BROKEN: LostReason = LostReason::SessionExpired;

    fn lock(&self, name: &str, options: LockOptions) -> ZkLock {
        ZkLock::with_options(self.client.clone(), name, options)
    }

    /// On a session of its own, reached through the proxy, so that the
    /// fault can cut it off while its session is ended.
    async fn fault_lock(&self, name: &str, options: LockOptions) -> ZkLock {
        let address = format!("127.0.0.1:{}", self.proxy.port());
        let client = connect(&address, Duration::from_secs(20)).await;
        *self.fault_client.lock().unwrap() = Some(client.clone());
        ZkLock::with_options(client, name, options)
    }

    /// Expires the holder's session the way ZooKeeper's own tests do:
    /// another connection takes the session over (with its id and
    /// password) and closes it, while the holder is cut off so that it
    /// cannot take it back first. The holder learns of it when it
    /// reconnects.
    async fn break_lock(&self, guard: &Guard) {
        let holder = self
            .fault_client
            .lock()
            .unwrap()
            .take()
            .expect("fault_lock first");
        self.proxy.cut();
        let thief = Client::connector()
            .with_session(holder.session().clone())
            .connect(&self.address)
            .await
            .expect("take the session over");
        drop(thief); // closes the session
        let deadline = Instant::now() + EVENTUALLY;
        while self
            .client
            .check_stat(guard.token())
            .await
            .unwrap()
            .is_some()
        {
            assert!(Instant::now() < deadline, "the session was not closed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.proxy.heal();
    }
}

#[cfg_attr(no_zookeeper, ignore = "needs ZooKeeper: apt install zookeeper")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zookeeper_keeps_the_lock_contract_and_signals_its_faults() {
    let Some(zk) = ZooKeeper::start() else { return };
    let address = zk.address();
    let client = connect(&address, Duration::from_secs(10)).await;
    let backend = ZkBackend {
        address: address.clone(),
        client: client.clone(),
        proxy: Proxy::start(zk.port).await,
        fault_client: Mutex::new(None),
    };
    contract::run(&backend).await;

    eprintln!("[zookeeper] an expired session is pushed to the guard, without renewals");
    let lock = backend
        .fault_lock("zk:pushed", LockOptions::new().ttl(Duration::from_secs(15)))
        .await;
    let guard = lock.lock().await.unwrap();
    let lost = guard.lost();
    backend.break_lock(&guard).await;
    // Long before the validity deadline (15 s): the session watcher, not
    // a renewal or the deadline, tells it.
    let reason = timeout(Duration::from_secs(10), lost)
        .await
        .expect("the expired session was not pushed");
    assert_eq!(reason, LostReason::SessionExpired);
    assert!(guard.remaining() > Duration::ZERO);
    assert!(!guard.is_valid());
    drop(guard);

    eprintln!("[zookeeper] validity never outlasts the session timeout");
    let short_session = connect(&address, Duration::from_secs(1)).await;
    let lock = ZkLock::with_options(
        short_session.clone(),
        "zk:session-cap",
        LockOptions::new().ttl(Duration::from_secs(30)),
    );
    let guard = lock.lock().await.unwrap();
    assert!(
        guard.remaining() <= short_session.session_timeout(),
        "{:?} > session timeout {:?}",
        guard.remaining(),
        short_session.session_timeout()
    );
    guard.release().await.unwrap();

    eprintln!("[zookeeper] each waiter watches its predecessor only");
    let lock = ZkLock::new(client.clone(), "zk:herd");
    let holder = lock.lock().await.unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let lock = lock.clone();
            tokio::spawn(async move { lock.lock().await?.release().await })
        })
        .collect();
    // Wait until the three waiters have set their watches.
    let deadline = Instant::now() + EVENTUALLY;
    let watched = loop {
        let wchp = four_letter_word(zk.port, "wchp").unwrap();
        let paths: Vec<String> = wchp
            .lines()
            .filter(|l| l.starts_with('/') && l.starts_with(lock.node()))
            .map(str::to_string)
            .collect();
        if paths.len() >= 3 {
            break paths;
        }
        assert!(Instant::now() < deadline, "watches not set: {wchp}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let mut claims = client.list_children(lock.node()).await.unwrap();
    claims.sort_by_key(|c| c.rsplit('-').next().unwrap().to_string());
    assert_eq!(claims.len(), 4);
    let mut expected: Vec<String> = claims[..3]
        .iter()
        .map(|c| format!("{}/{c}", lock.node()))
        .collect();
    let mut watched = watched;
    watched.sort();
    expected.sort();
    assert_eq!(
        watched, expected,
        "each claim but the last is watched once, by its successor; the lock's node is not"
    );
    holder.release().await.unwrap();
    for w in waiters {
        timeout(EVENTUALLY, w).await.unwrap().unwrap().unwrap();
    }
    assert!(client.list_children(lock.node()).await.unwrap().is_empty());
}
