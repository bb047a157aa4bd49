//! etcd: the contract, a revoked lease, keep-alives cut by a stopped
//! server, and waiting on the predecessor without polling.

use std::time::Duration;

use redsim_lock::etcd::EtcdLock;
use redsim_lock::etcd::etcd_client::Client;
use redsim_lock::{DistributedLock, Guard, LockError, LockOptions, LostReason};
use tokio::time::timeout;

use crate::contract::{self, Backend, EVENTUALLY};
use crate::services::Etcd;

struct EtcdBackend {
    client: Client,
}

impl Backend for EtcdBackend {
    type Lock = EtcdLock;
    const NAME: &'static str = "etcd";
    const SHORT_TTL: Duration = Duration::from_secs(1);
    const ALWAYS_FENCED: bool = true;
    const BROKEN: LostReason = LostReason::SessionExpired;

    fn lock(&self, name: &str, options: LockOptions) -> EtcdLock {
        EtcdLock::with_options(self.client.clone(), name, options)
    }

    async fn break_lock(&self, guard: &Guard) {
        // The owner key ends in the lease id, in hex.
        let lease = guard.token().rsplit('/').next().unwrap();
        let lease = i64::from_str_radix(lease, 16).unwrap();
        self.client.clone().lease_revoke(lease).await.unwrap();
    }
}

#[cfg_attr(no_etcd, ignore = "needs etcd: apt install etcd-server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_keeps_the_lock_contract_and_signals_its_faults() {
    let Some(etcd) = Etcd::start() else { return };
    let client = Client::connect([etcd.endpoint()], None).await.unwrap();
    let backend = EtcdBackend {
        client: client.clone(),
    };
    contract::run(&backend).await;

    eprintln!("[etcd] keep-alives cut (server stopped): lost after the failures allowed");
    let lock = EtcdLock::with_options(
        client.clone(),
        "etcd:stopped",
        LockOptions::new()
            .ttl(Duration::from_secs(5))
            .renew_every(Duration::from_millis(100))
            .renew_give_up_after(2)
            .op_timeout(Duration::from_millis(300)),
    );
    let guard = lock.lock().await.unwrap();
    let lost = guard.lost();
    etcd.process.signal("STOP");
    let reason = timeout(EVENTUALLY, lost).await;
    etcd.process.signal("CONT");
    assert_eq!(reason.expect("not lost"), LostReason::RenewalsFailed);
    assert!(matches!(
        guard.release().await,
        Err(LockError::Lost { .. }) | Ok(())
    ));

    eprintln!("[etcd] keys live under the prefix, one per claim, named by lease");
    let lock = EtcdLock::new(client.clone(), "a/b").prefix("custom/");
    assert_eq!(lock.key_prefix(), "custom/a%2Fb/");
    let guard = lock.lock().await.unwrap();
    assert!(guard.token().starts_with("custom/a%2Fb/"));
    let resp = client
        .clone()
        .get(
            "custom/",
            Some(redsim_lock::etcd::etcd_client::GetOptions::new().with_prefix()),
        )
        .await
        .unwrap();
    assert_eq!(resp.kvs().len(), 1);
    assert_eq!(resp.kvs()[0].key_str().unwrap(), guard.token());
    guard.release().await.unwrap();
    let resp = client
        .clone()
        .get(
            "custom/",
            Some(redsim_lock::etcd::etcd_client::GetOptions::new().with_prefix()),
        )
        .await
        .unwrap();
    assert!(resp.kvs().is_empty(), "the release left its key");
}
