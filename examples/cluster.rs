//! A three-primary Redis Cluster in one process: the `redis` crate's
//! cluster client follows a slot moved under it, a test watches the ASK
//! window of a migration step by step, and a failed primary's replica
//! takes over its keys.
//!
//! ```sh
//! cargo run --example cluster
//! ```

use redis::Commands;
use redsim::Cluster;

fn main() -> redis::RedisResult<()> {
    let cluster = Cluster::builder().primaries(3).replicas(1).start()?;
    let slot = Cluster::slot_of("user:1");
    let owner = cluster.node_for_key("user:1").index();
    println!("user:1 is in slot {slot}, served by node {owner}");

    // The cluster client reads CLUSTER SLOTS and routes by slot.
    let mut client = cluster.client().get_connection()?;
    let _: () = client.set("user:1", "ada")?;

    // A plain connection to the wrong node is redirected, as by Redis.
    let other = (owner + 1) % 3;
    let err = cluster
        .node(other)
        .connection()
        .get::<_, String>("user:1")
        .unwrap_err();
    println!("node {other} answers: {err}");
    assert_eq!(err.code(), Some("MOVED"));

    // Step by step: the key moves first, the slot after; in between the
    // old owner answers ASK for the moved key.
    let migration = cluster.begin_migration(slot, other);
    migration.move_key("user:1");
    let err = cluster
        .node(owner)
        .connection()
        .get::<_, String>("user:1")
        .unwrap_err();
    println!("during the migration node {owner} answers: {err}");
    assert_eq!(err.code(), Some("ASK"));
    migration.finish();

    // The cluster client follows the MOVED it now gets.
    let v: String = client.get("user:1")?;
    assert_eq!(v, "ada");
    println!(
        "after the move, node {} serves it",
        cluster.node_for_key("user:1").index()
    );

    // The new owner crashes: its replica is promoted with the keys.
    let promoted = cluster.fail(other).expect("a replica to promote");
    let v: String = cluster.node(promoted).connection().get("user:1")?;
    assert_eq!(v, "ada");
    println!("node {other} failed; node {promoted} took over with user:1 = {v}");
    Ok(())
}
