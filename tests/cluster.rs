//! `redsim::Cluster`: redirections, slot moves, failovers and partitions
//! as the `redis` crate's cluster client and plain connections see them.
//! Deterministic: the test's controls change every node's view before
//! they return; nothing sleeps.

use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redsim::Cluster;

fn code(err: &redis::RedisError) -> String {
    err.code().unwrap_or("?").to_string()
}

/// Polls `f` until it holds (the bus is asynchronous), for at most 10 s.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::yield_now();
    }
}

fn cmd(con: &mut redsim::LocalConnection, line: &str) -> redis::RedisResult<redis::Value> {
    let mut c = redis::Cmd::new();
    for w in line.split(' ') {
        c.arg(w);
    }
    c.query(con)
}

#[test]
fn a_key_is_served_by_its_slots_node_and_redirected_elsewhere() {
    let cluster = Cluster::start().unwrap();
    let slot = Cluster::slot_of("foo");
    assert_eq!(slot, 12182);
    let owner = cluster.owner_of_slot(slot).unwrap();
    assert_eq!(owner, 2);
    let mut other = cluster.node(0).connection();
    let err = cmd(&mut other, "GET foo").unwrap_err();
    assert_eq!(code(&err), "MOVED");
    let port = cluster.node(2).addr().port();
    assert_eq!(
        err.detail(),
        Some(format!("12182 127.0.0.1:{port}").as_str())
    );
    let err = cmd(&mut other, "MGET a b").unwrap_err();
    assert_eq!(code(&err), "CROSSSLOT");
    let err = cmd(&mut other, "SELECT 1").unwrap_err();
    assert_eq!(err.detail(), Some("SELECT is not allowed in cluster mode"));
    let mut con = cluster.node(2).connection();
    cmd(&mut con, "SET foo bar").unwrap();
    assert_eq!(
        cmd(&mut con, "GET foo").unwrap(),
        redis::Value::BulkString(b"bar".to_vec())
    );
    assert!(cluster.is_consistent());
}

#[test]
fn slots_nobody_serves_answer_clusterdown() {
    let cluster = Cluster::builder()
        .primaries(2)
        .slots(vec![vec![(0, 8000)], vec![(8001, 16000)]])
        .start()
        .unwrap();
    let mut con = cluster.node(0).connection();
    // Slots past 16000 are nobody's: the cluster is down for every key,
    // and "not served" for those.
    let err = cmd(&mut con, "GET foo").unwrap_err();
    assert_eq!(err.code(), Some("CLUSTERDOWN"));
    assert_eq!(err.detail(), Some("The cluster is down"));
    let key = (0..)
        .map(|i| format!("k{i}"))
        .find(|k| Cluster::slot_of(k) > 16000)
        .unwrap();
    let err = cmd(&mut con, &format!("GET {key}")).unwrap_err();
    assert_eq!(err.detail(), Some("Hash slot not served"));
    assert!(!cluster.node(0).cluster_ok());
    // Keyless commands still run.
    assert!(cmd(&mut con, "PING").is_ok());
}

#[test]
fn a_migrating_slot_answers_ask_and_the_importer_serves_after_asking() {
    let cluster = Cluster::start().unwrap();
    let slot = Cluster::slot_of("{t}a");
    let from = cluster.owner_of_slot(slot).unwrap();
    let to = (from + 1) % 3;
    let mut src = cluster.node(from).connection();
    cmd(&mut src, "SET {t}a 1").unwrap();
    cmd(&mut src, "SET {t}b 2").unwrap();
    let migration = cluster.begin_migration(slot, to);
    assert!(migration.move_key("{t}a"));
    // Still here: served. Gone: ASK. Both: TRYAGAIN.
    assert!(cmd(&mut src, "GET {t}b").is_ok());
    let err = cmd(&mut src, "GET {t}a").unwrap_err();
    assert_eq!(code(&err), "ASK");
    let err = cmd(&mut src, "MGET {t}a {t}b").unwrap_err();
    assert_eq!(code(&err), "TRYAGAIN");
    let mut dst = cluster.node(to).connection();
    let err = cmd(&mut dst, "GET {t}a").unwrap_err();
    assert_eq!(code(&err), "MOVED", "without ASKING the importer redirects");
    cmd(&mut dst, "ASKING").unwrap();
    assert_eq!(
        cmd(&mut dst, "GET {t}a").unwrap(),
        redis::Value::BulkString(b"1".to_vec())
    );
    // ASKING lasts one command.
    assert_eq!(code(&cmd(&mut dst, "GET {t}a").unwrap_err()), "MOVED");
    migration.finish();
    assert_eq!(cluster.owner_of_slot(slot), Some(to));
    assert_eq!(code(&cmd(&mut src, "GET {t}b").unwrap_err()), "MOVED");
    assert!(cmd(&mut dst, "GET {t}b").is_ok());
    assert!(cluster.is_consistent());
}

#[test]
fn transactions_and_scripts_stay_in_one_slot() {
    let cluster = Cluster::start().unwrap();
    let node = cluster.node_for_key("{u}x");
    let mut con = node.connection();
    let (a, b): (i64, i64) = redis::pipe()
        .atomic()
        .incr("{u}x", 1)
        .incr("{u}y", 2)
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b), (1, 2));
    let elsewhere = (0..)
        .map(|i| format!("e{i}"))
        .find(|k| cluster.owner_of_slot(Cluster::slot_of(k)) != Some(node.index()))
        .unwrap();
    // A queued command of another node's slot is refused and dooms EXEC.
    cmd(&mut con, "MULTI").unwrap();
    assert_eq!(
        code(&cmd(&mut con, &format!("GET {elsewhere}")).unwrap_err()),
        "MOVED"
    );
    assert_eq!(code(&cmd(&mut con, "EXEC").unwrap_err()), "EXECABORT");
    let err = redis::cmd("EVAL")
        .arg(format!("return redis.call('get', '{elsewhere}')"))
        .arg(0)
        .query::<Option<String>>(&mut con)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Script attempted to access a non local key in a cluster node"),
        "{err}"
    );
    let n: i64 = redis::cmd("EVAL")
        .arg("return redis.call('incr', KEYS[1])")
        .arg(1)
        .arg("{u}x")
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn readonly_replicas_serve_reads_of_their_primarys_slots() {
    let cluster = Cluster::builder().primaries(3).replicas(1).start().unwrap();
    let primary = cluster.node_for_key("foo").index();
    let replica = 3 + primary;
    let mut p = cluster.node(primary).connection();
    cmd(&mut p, "SET foo bar").unwrap();
    cluster.sync_replicas();
    let mut r = cluster.node(replica).connection();
    assert_eq!(code(&cmd(&mut r, "GET foo").unwrap_err()), "MOVED");
    cmd(&mut r, "READONLY").unwrap();
    assert_eq!(
        cmd(&mut r, "GET foo").unwrap(),
        redis::Value::BulkString(b"bar".to_vec())
    );
    assert_eq!(code(&cmd(&mut r, "SET foo x").unwrap_err()), "MOVED");
    cmd(&mut r, "READWRITE").unwrap();
    assert_eq!(code(&cmd(&mut r, "GET foo").unwrap_err()), "MOVED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_client_follows_a_slot_move_in_the_middle_of_a_pipeline() {
    let cluster = Cluster::start().unwrap();
    let mut con = cluster.client().get_async_connection().await.unwrap();
    // The crate's cluster pipelines stay in one slot: a hash tag.
    let key = |i: i64| format!("{{batch}}:{i}");
    for i in 0..40 {
        let _: () = con.set(key(i), i).await.unwrap();
    }
    let slot = Cluster::slot_of("batch");
    let from = cluster.owner_of_slot(slot).unwrap();
    let migration = cluster.begin_migration(slot, (from + 1) % 3);
    for i in 0..20 {
        assert!(migration.move_key(key(i)));
    }
    // Half moved: the source serves the rest and answers ASK for these.
    // The crate follows ASK for single commands...
    for i in [0, 19, 20, 39] {
        let v: i64 = con.get(key(i)).await.unwrap();
        assert_eq!(v, i);
    }
    // ...but not inside a pipeline (redis 1.8): the ASK reaches the
    // caller, which is what this window is for seeing.
    let mut pipe = redis::pipe();
    for i in 0..40 {
        pipe.get(key(i));
    }
    let err = pipe.query_async::<Vec<i64>>(&mut con).await.unwrap_err();
    assert_eq!(err.code(), Some("ASK"), "{err}");
    migration.finish();
    // Moved: MOVED, the client reloads the slots and asks the new owner.
    let values: Vec<i64> = pipe.query_async(&mut con).await.unwrap();
    assert_eq!(values, (0..40).collect::<Vec<i64>>());
    let _: () = con.set(key(7), 700).await.unwrap();
    let to = cluster.owner_of_slot(slot).unwrap();
    assert_ne!(to, from);
    cluster.node(to).db(0).assert_string(key(7), "700");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_client_survives_a_primary_failing_over_to_its_replica() {
    let cluster = Cluster::builder().primaries(3).replicas(1).start().unwrap();
    let mut con = cluster.client().get_async_connection().await.unwrap();
    for i in 0..30 {
        let _: () = con.set(format!("k{i}"), i).await.unwrap();
    }
    let victim = cluster.node_for_key("k1").index();
    let promoted = cluster.fail(victim).expect("it had a replica");
    assert_eq!(promoted, 3 + victim);
    let mut ok = false;
    for _ in 0..50 {
        match con.get::<_, i64>("k1").await {
            Ok(v) => {
                assert_eq!(v, 1);
                ok = true;
                break;
            }
            Err(_) => tokio::task::yield_now().await,
        }
    }
    assert!(ok, "the client never reached the promoted replica");
    let _: () = con.set("k1", 100).await.unwrap();
    cluster.node(promoted).db(0).assert_string("k1", "100");
    cluster.revive(victim).unwrap();
    assert!(cluster.node(victim).is_replica());
    cluster.node(victim).db(0).assert_string("k1", "100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_process_cluster_connection_needs_no_socket() {
    let cluster = Cluster::start().unwrap();
    let mut con = cluster.connection().await.unwrap();
    for i in 0..20 {
        let _: () = con.set(format!("n{i}"), i).await.unwrap();
    }
    let slot = Cluster::slot_of("n3");
    let from = cluster.owner_of_slot(slot).unwrap();
    cluster.move_slot(slot, (from + 2) % 3);
    let v: i64 = con.get("n3").await.unwrap();
    assert_eq!(v, 3);
}

#[test]
fn a_partitioned_primary_is_down_for_its_clients_and_replaced() {
    let cluster = Cluster::builder().primaries(3).replicas(1).start().unwrap();
    let mut con = cluster.node(0).connection();
    let key = (0..)
        .map(|i| format!("p{i}"))
        .find(|k| cluster.owner_of_slot(Cluster::slot_of(k)) == Some(0))
        .unwrap();
    cmd(&mut con, &format!("SET {key} 1")).unwrap();
    assert_eq!(cluster.partition(0), Some(3));
    assert_eq!(
        code(&cmd(&mut con, &format!("GET {key}")).unwrap_err()),
        "CLUSTERDOWN"
    );
    let mut r = cluster.node(3).connection();
    assert!(cmd(&mut r, &format!("GET {key}")).is_ok());
    cluster.heal(0);
    assert!(cluster.node(0).is_replica());
    assert_eq!(
        code(&cmd(&mut con, &format!("GET {key}")).unwrap_err()),
        "MOVED"
    );
    assert!(cluster.is_consistent());
}

#[test]
fn cluster_commands_change_the_views_over_the_bus() {
    let cluster = Cluster::start().unwrap();
    let slot = Cluster::slot_of("bus");
    let from = cluster.owner_of_slot(slot).unwrap();
    let to = (from + 1) % 3;
    let to_id = cluster.node(to).id();
    let from_id = cluster.node(from).id();
    let mut t = cluster.node(to).connection();
    let mut f = cluster.node(from).connection();
    cmd(
        &mut t,
        &format!("CLUSTER SETSLOT {slot} IMPORTING {from_id}"),
    )
    .unwrap();
    cmd(&mut f, &format!("CLUSTER SETSLOT {slot} MIGRATING {to_id}")).unwrap();
    cmd(&mut t, &format!("CLUSTER SETSLOT {slot} NODE {to_id}")).unwrap();
    cmd(&mut f, &format!("CLUSTER SETSLOT {slot} NODE {to_id}")).unwrap();
    eventually("every node to agree", || {
        cluster.owner_of_slot(slot) == Some(to) && cluster.is_consistent()
    });
    let third = 3 - from - to;
    let mut o = cluster.node(third).connection();
    let err = cmd(&mut o, "GET bus").unwrap_err();
    let port = cluster.node(to).addr().port();
    assert!(
        err.to_string().ends_with(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn info_and_cluster_info_say_cluster_mode() {
    let cluster = Cluster::start().unwrap();
    let mut con = cluster.node(0).connection();
    let info: String = redis::cmd("INFO").arg("cluster").query(&mut con).unwrap();
    assert!(info.contains("cluster_enabled:1"), "{info}");
    let ci: String = redis::cmd("CLUSTER").arg("INFO").query(&mut con).unwrap();
    assert!(
        ci.starts_with("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"),
        "{ci}"
    );
    assert!(
        ci.contains("cluster_known_nodes:3\r\ncluster_size:3\r\n"),
        "{ci}"
    );
    let plain = redsim::Server::start().unwrap();
    let mut p = plain.connection();
    let err = cmd(&mut p, "CLUSTER INFO").unwrap_err();
    assert_eq!(
        err.detail(),
        Some("This instance has cluster support disabled")
    );
}
