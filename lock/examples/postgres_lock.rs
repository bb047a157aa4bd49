//! A lock on PostgreSQL: a session advisory lock on a dedicated
//! connection, lost the moment that connection closes.
//!
//! Point it at a server (Debian: `apt-get install postgresql`), then:
//!
//! ```sh
//! cargo run -p redsim-lock --features postgres --example postgres_lock [-- "host=127.0.0.1 user=postgres"]
//! ```

#[path = "shared/demo.rs"]
mod demo;

use redsim_lock::LockOptions;
use redsim_lock::postgres::{PgLock, PgSessions};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "host=127.0.0.1 user=postgres dbname=postgres".into());
    let sessions = PgSessions::new(config.parse()?);
    // Fencing takes nextval of a sequence in the same statement as the lock.
    let options = LockOptions::new().fencing(true).auto_renew();
    demo::run(
        "postgres",
        PgLock::with_options(sessions, "example:report", options),
    )
    .await?;
    Ok(())
}
