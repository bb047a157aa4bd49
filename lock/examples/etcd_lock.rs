//! A lock on etcd: a lease kept alive while held, the create revision as
//! fencing token.
//!
//! Start etcd (`etcd` alone listens on 127.0.0.1:2379; Debian:
//! `apt-get install etcd-server`), then:
//!
//! ```sh
//! cargo run -p redsim-lock --features etcd --example etcd_lock [-- http://127.0.0.1:2379]
//! ```

#[path = "shared/demo.rs"]
mod demo;

use std::time::Duration;

use redsim_lock::LockOptions;
use redsim_lock::etcd::{EtcdLock, etcd_client::Client};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:2379".into());
    let client = Client::connect([endpoint], None).await?;
    let options = LockOptions::new()
        .ttl(Duration::from_secs(5)) // the lease's TTL
        .auto_renew(); // keep-alive every ttl/3
    demo::run(
        "etcd",
        EtcdLock::with_options(client, "example:report", options),
    )
    .await?;
    Ok(())
}
