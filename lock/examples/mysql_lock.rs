//! A lock on MySQL or MariaDB: `GET_LOCK` on a dedicated connection, a
//! fencing token from a counter table.
//!
//! Point it at a server and a database the user may create a table in
//! (Debian: `apt-get install mariadb-server`), then:
//!
//! ```sh
//! cargo run -p redsim-lock --features mysql --example mysql_lock [-- mysql://root@127.0.0.1:3306/test]
//! ```

#[path = "shared/demo.rs"]
mod demo;

use redsim_lock::LockOptions;
use redsim_lock::mysql::{MysqlLock, mysql_async::Pool};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/test".into());
    let pool = Pool::new(url.as_str());
    // Fencing asks for a counter row; renewals probe the lock connection.
    let options = LockOptions::new().fencing(true).auto_renew();
    demo::run(
        "mysql",
        MysqlLock::with_options(pool.clone(), "example:report", options),
    )
    .await?;
    pool.disconnect().await?;
    Ok(())
}
