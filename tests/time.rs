//! Server clocks: manual, Tokio-paused, skewed, drifting and jumping, and
//! several servers that disagree about time in one test.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Value;
use redsim::{Clock, ManualClock, Server, SkewedClock, TokioClock};

fn start(clock: impl Into<Clock>) -> Server {
    Server::builder()
        .clock(clock)
        .listen(false)
        .start()
        .unwrap()
}

/// TIME as microseconds since the epoch.
fn time_micros(con: &mut redsim::LocalConnection) -> i64 {
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query(con).unwrap();
    secs * 1_000_000 + micros
}

fn ttl(con: &mut redsim::LocalConnection, key: &str) -> i64 {
    use redis::Commands;
    con.ttl(key).unwrap()
}

#[test]
fn three_servers_disagree_about_time_and_each_follows_its_own_clock() {
    use redis::Commands;
    let base = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let ahead = SkewedClock::new(&base).ahead(Duration::from_secs(5));
    let fast = SkewedClock::new(&base).drifting(1.5);
    let servers = [start(&base), start(&ahead), start(&fast)];
    let mut cons: Vec<_> = servers.iter().map(Server::connection).collect();

    let t0: Vec<i64> = cons.iter_mut().map(time_micros).collect();
    assert_eq!(t0[0], 1_700_000_000_000_000);
    assert_eq!(t0[1] - t0[0], 5_000_000, "skewed +5 s");
    assert_eq!(t0[2], t0[0], "drift has not accumulated yet");

    // The same relative TTL everywhere, and one absolute deadline
    // (EXPIREAT) that each server measures against its own clock.
    let deadline = 1_700_000_000 + 100;
    for con in &mut cons {
        let _: () = con.set_ex("relative", "v", 100).unwrap();
        let _: () = con.set("absolute", "v").unwrap();
        let _: bool = con.expire_at("absolute", deadline).unwrap();
    }
    assert_eq!(
        cons.iter_mut()
            .map(|c| ttl(c, "absolute"))
            .collect::<Vec<_>>(),
        [100, 95, 100]
    );

    base.advance(Duration::from_secs(10));
    let t1: Vec<i64> = cons.iter_mut().map(time_micros).collect();
    assert_eq!(t1[0] - t0[0], 10_000_000);
    assert_eq!(t1[1] - t0[1], 10_000_000);
    assert_eq!(t1[2] - t0[2], 15_000_000, "1.5x drift");
    assert_eq!(
        cons.iter_mut()
            .map(|c| ttl(c, "relative"))
            .collect::<Vec<_>>(),
        [90, 90, 85]
    );
    assert_eq!(
        cons.iter_mut()
            .map(|c| ttl(c, "absolute"))
            .collect::<Vec<_>>(),
        [90, 85, 85]
    );

    // 60 s more of base time: the fast server (90 s on) loses the
    // absolute key, the one ahead (75 s) and the base (70 s) do not.
    base.advance(Duration::from_secs(60));
    let exists: Vec<bool> = cons
        .iter_mut()
        .map(|c| c.exists("absolute").unwrap())
        .collect();
    assert_eq!(exists, [true, true, false]);
    let pttl: Vec<i64> = cons
        .iter_mut()
        .map(|c| c.pttl("relative").unwrap())
        .collect();
    assert_eq!(pttl, [30_000, 30_000, -2]);
}

#[test]
fn a_jump_forward_expires_keys_and_times_out_blocked_clients_at_once() {
    use redis::Commands;
    let base = ManualClock::new();
    let clock = SkewedClock::new(&base);
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut con = server.connection();
    let _: () = con.set_ex("k", "v", 30).unwrap();
    let client = server.client();
    let blocked = std::thread::spawn(move || {
        let mut c = client.get_connection().unwrap();
        redis::cmd("BLPOP")
            .arg("queue")
            .arg(20)
            .query::<Value>(&mut c)
    });
    wait_blocked(&mut con, 1);

    clock.jump_forward(Duration::from_secs(31));
    assert_eq!(blocked.join().unwrap().unwrap(), Value::Nil);
    let dbsize: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(dbsize, 0, "purged by the jump itself, not by a read");
}

#[test]
fn a_jump_back_lengthens_ttls_and_turns_time_back() {
    use redis::Commands;
    let clock = SkewedClock::new(ManualClock::new());
    let server = start(&clock);
    let mut con = server.connection();
    let before = time_micros(&mut con);
    let _: () = con.set_ex("k", "v", 10).unwrap();
    clock.jump_back(Duration::from_secs(60));
    assert_eq!(time_micros(&mut con), before - 60_000_000);
    assert_eq!(ttl(&mut con, "k"), 70);
}

#[test]
fn changing_the_rate_keeps_time_continuous() {
    use redis::Commands;
    let base = ManualClock::new();
    let clock = SkewedClock::new(&base);
    let server = start(&clock);
    let mut con = server.connection();
    let _: () = con.set_ex("k", "v", 100).unwrap();
    base.advance(Duration::from_secs(10));
    clock.set_rate(2.0);
    assert_eq!(ttl(&mut con, "k"), 90);
    base.advance(Duration::from_secs(10));
    assert_eq!(ttl(&mut con, "k"), 70);
}

#[test]
fn a_skewed_system_clock_reads_ahead_of_the_wall_clock() {
    let clock = SkewedClock::new(Clock::system()).ahead(Duration::from_secs(3600));
    let server = start(&clock);
    let mut con = server.connection();
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    let skew = time_micros(&mut con) - wall;
    // Generous bounds: only the hour matters.
    assert!((3_590_000_000..3_610_000_000).contains(&skew), "{skew}");
}

#[tokio::test(start_paused = true)]
async fn tokio_advance_expires_a_key_and_times_out_blpop_without_real_waiting() {
    use redis::AsyncCommands;
    let real = Instant::now();
    let clock = TokioClock::new();
    let server = Server::builder()
        .clock(&clock)
        .listen(false)
        .start()
        .unwrap();
    let mut con = server.connection();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("Ex")
        .query_async(&mut con)
        .await
        .unwrap();
    let mut listener = server.connection();
    let _: Value = redis::cmd("SUBSCRIBE")
        .arg("__keyevent@0__:expired")
        .query_async(&mut listener)
        .await
        .unwrap();
    let _: () = con.set_ex("session", "abc", 30).await.unwrap();

    let mut waiter = server.connection();
    let blpop = tokio::spawn(async move {
        redis::cmd("BLPOP")
            .arg("queue")
            .arg(10)
            .query_async::<Value>(&mut waiter)
            .await
    });
    // Let the BLPOP reach the server before time moves.
    while blocked_clients_async(&mut con).await == 0 {
        tokio::task::yield_now().await;
    }

    tokio::time::advance(Duration::from_millis(10_001)).await;
    assert_eq!(blpop.await.unwrap().unwrap(), Value::Nil);
    let ttl: i64 = con.ttl("session").await.unwrap();
    assert_eq!(ttl, 20);

    tokio::time::advance(Duration::from_secs(20)).await;
    // The clock's timer purges the key when its deadline comes, with no
    // command to trigger it: the `expired` event arrives while the test
    // only yields to the runtime.
    let mut events = Vec::new();
    for _ in 0..1000 {
        events = listener.pushes();
        if !events.is_empty() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(events.len(), 1, "{events:?}");
    let dbsize: i64 = redis::cmd("DBSIZE").query_async(&mut con).await.unwrap();
    assert_eq!(dbsize, 0);
    // 30 s of server time took no real waiting (a real-time clock would
    // have needed 10 s for the BLPOP alone).
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "{:?}",
        real.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_paused_runtime_auto_advances_to_the_blpop_deadline() {
    let server = Server::builder()
        .clock(TokioClock::new())
        .listen(false)
        .start()
        .unwrap();
    let mut con = server.connection();
    let start = tokio::time::Instant::now();
    let v: Value = redis::cmd("BLPOP")
        .arg("queue")
        .arg(7)
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(v, Value::Nil);
    let waited = start.elapsed();
    assert!(
        waited > Duration::from_secs(7) && waited < Duration::from_millis(7_100),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn servers_on_one_tokio_clock_with_different_drifts_time_out_in_their_own_time() {
    let base = TokioClock::new();
    let fast = SkewedClock::new(&base).drifting(2.0);
    let plain_server = start(&base);
    let fast_server = start(&fast);
    let mut waiters = Vec::new();
    for server in [&plain_server, &fast_server] {
        let mut con = server.connection();
        waiters.push(tokio::spawn(async move {
            redis::cmd("BLPOP")
                .arg("q")
                .arg(10)
                .query_async::<Value>(&mut con)
                .await
                .unwrap();
            tokio::time::Instant::now()
        }));
    }
    let mut plain_con = plain_server.connection();
    let mut fast_con = fast_server.connection();
    while blocked_clients_async(&mut plain_con).await == 0
        || blocked_clients_async(&mut fast_con).await == 0
    {
        tokio::task::yield_now().await;
    }
    let start = tokio::time::Instant::now();
    let fast_done = waiters.pop().unwrap().await.unwrap();
    let plain_done = waiters.pop().unwrap().await.unwrap();
    let ms = |t: tokio::time::Instant| (t - start).as_millis();
    assert!((5_000..5_010).contains(&ms(fast_done)), "{}", ms(fast_done));
    assert!(
        (10_000..10_010).contains(&ms(plain_done)),
        "{}",
        ms(plain_done)
    );
}

#[tokio::test(start_paused = true)]
async fn a_tokio_clock_sees_client_timers_and_server_ttls_move_together() {
    use redis::AsyncCommands;
    let clock = TokioClock::new();
    let server = start(&clock);
    let mut con = server.connection();
    let _: () = con.pset_ex("lock", "me", 3_000).await.unwrap();
    // A client-side timer (as a lock's renewal loop would use) and the
    // server's TTL agree.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let left: i64 = con.pttl("lock").await.unwrap();
    assert_eq!(left, 1_000);
    tokio::time::sleep(Duration::from_millis(1_001)).await;
    let gone: Option<String> = con.get("lock").await.unwrap();
    assert_eq!(gone, None);
}

fn blocked(info: &str) -> usize {
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn wait_blocked(con: &mut redsim::LocalConnection, n: usize) {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(con).unwrap();
        if blocked(&info) >= n {
            return;
        }
        assert!(Instant::now() < give_up, "no client blocked");
        std::thread::yield_now();
    }
}

async fn blocked_clients_async(con: &mut redsim::LocalConnection) -> usize {
    let info: String = redis::cmd("INFO")
        .arg("clients")
        .query_async(con)
        .await
        .unwrap();
    blocked(&info)
}
