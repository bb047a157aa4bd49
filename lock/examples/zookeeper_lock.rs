//! A lock on ZooKeeper: an ephemeral sequential node, lost when the
//! session expires.
//!
//! Start ZooKeeper on 127.0.0.1:2181 (Debian: `apt-get install zookeeperd`,
//! or `zookeeper` and run it by hand), then:
//!
//! ```sh
//! cargo run -p redsim-lock --features zookeeper --example zookeeper_lock [-- 127.0.0.1:2181]
//! ```

#[path = "shared/demo.rs"]
mod demo;

use std::time::Duration;

use redsim_lock::LockOptions;
use redsim_lock::zookeeper::{ZkLock, zookeeper_client::Client};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:2181".into());
    let client = Client::connector()
        .with_session_timeout(Duration::from_secs(10))
        .connect(&address)
        .await?;
    // Validity is capped at the session timeout; renewals check the node.
    let options = LockOptions::new().auto_renew();
    demo::run(
        "zookeeper",
        ZkLock::with_options(client, "example:report", options),
    )
    .await?;
    Ok(())
}
