//! Parity with real Redis 7.0: the geo commands. Replies — scores,
//! coordinates, distances, geohashes, search results and their order —
//! are compared byte for byte with a real `redis-server`, in RESP2 and
//! RESP3, with fixed cases (limits, poles, the antimeridian, huge radii,
//! every option and error) and seeded random runs.

use support::{Parity, parity};

/// Sicily and friends, the examples of Redis's documentation.
fn sicily(p: &mut Parity) {
    p.run_all(&[
        "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        "GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
        "GEOADD Sicily 14.5 37.1 Gela 13.583333 37.316667 Agrigento 15.554 38.193 Messina",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn geoadd_stores_redis_scores_and_counts_as_zadd() {
    let mut p = parity!();
    sicily(&mut p);
    p.run_all(&[
        "ZRANGE Sicily 0 -1 WITHSCORES",
        "OBJECT ENCODING Sicily",
        "GEOADD Sicily 13.361389 38.115556 Palermo",
        "GEOADD Sicily CH 13.361389 38.115556 Palermo",
        "GEOADD Sicily CH 13.361390 38.115556 Palermo",
        "GEOADD Sicily NX 1 1 Palermo 2 2 new",
        "GEOADD Sicily XX 3 3 Palermo 4 4 new2",
        "GEOADD Sicily XX CH 5 5 Palermo",
        "GEOADD Sicily CH NX 6 6 Palermo 7 7 new3",
        "GEOADD Sicily ch xx ch 8 8 Palermo",
        "ZRANGE Sicily 0 -1 WITHSCORES",
        "GEOADD g 180 85.05112878 ne -180 -85.05112878 sw 0 0 origin -0 -0 neg0",
        "GEOADD g 179.9999999999 85.0511287799 almost -179.9999999999 -85.0511287799 almost2",
        "GEOADD g 0x10 1e1 hex",
        "ZRANGE g 0 -1 WITHSCORES",
        "GEOADD g 180.0000001 0 x",
        "GEOADD g -180.0000001 0 x",
        "GEOADD g 0 85.05112879 x",
        "GEOADD g 0 -85.05112879 x",
        "GEOADD g 200 100 x",
        "GEOADD g 1e400 0 x",
        "GEOADD g inf 0 x",
        "GEOADD g -inf -inf x",
        "GEOADD g 1 2 ok 300 3 bad",
        "EXISTS g2",
        "GEOADD g2 1 2 ok 300 3 bad",
        "EXISTS g2",
        "GEOADD g x 1 m",
        "GEOADD g 1 y m",
        "GEOADD g nan 1 m",
        "GEOADD g 1 2",
        "GEOADD g 1 2 m 3",
        "GEOADD g NX XX 1 2 m",
        "GEOADD g NX",
        "GEOADD g GT 1 2 m",
        "GEOADD g CH CH CH",
        "GEOADD g CH CH CH CH",
        "GEOADD",
        "SET str x",
        "GEOADD str 1 2 m",
        "GEOADD str 300 2 m",
    ]);
    // Encodings follow ZADD's.
    p.run_all(&[
        "CONFIG SET zset-max-listpack-entries 2",
        "GEOADD enc 1 1 a 2 2 b",
        "OBJECT ENCODING enc",
        "GEOADD enc 3 3 c",
        "OBJECT ENCODING enc",
        "CONFIG SET zset-max-listpack-entries 128",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn geopos_geodist_and_geohash() {
    let mut p = parity!();
    sicily(&mut p);
    p.run_all(&[
        "GEOPOS Sicily Palermo Catania nosuch",
        "GEOPOS Sicily",
        "GEOPOS nosuch a b",
        "GEOHASH Sicily Palermo Catania nosuch edge1 edge2",
        "GEOHASH Sicily",
        "GEOHASH nosuch a",
        "GEODIST Sicily Palermo Catania",
        "GEODIST Sicily Palermo Catania m",
        "GEODIST Sicily Palermo Catania km",
        "GEODIST Sicily Palermo Catania MI",
        "GEODIST Sicily Palermo Catania Ft",
        "GEODIST Sicily Palermo Palermo",
        "GEODIST Sicily Palermo nosuch",
        "GEODIST Sicily nosuch Palermo km",
        "GEODIST nosuch a b",
        "GEODIST nosuch a b km",
        "GEODIST nosuch a b furlong",
        "GEODIST Sicily Palermo Catania furlong",
        "GEODIST Sicily Palermo Catania km extra",
        "GEODIST Sicily Palermo",
        "SET str x",
        "GEOPOS str a",
        "GEOHASH str a",
        "GEODIST str a b",
        "GEODIST str a b furlong",
    ]);
    // Scores that no GEOADD makes still decode, as Redis decodes them.
    p.run_all(&[
        "ZADD z -1 neg 0 zero 4503599627370495 max 4503599627370496 over 1e300 huge",
        "ZADD z inf pinf -inf ninf 9007199254740993 big 1.5 frac -1e300 nhuge",
        "ZADD z 9223372036854775807 i63 18446744073709551616 u64 -9223372036854775808 imin",
        "GEOPOS z neg zero max over huge pinf ninf big frac nhuge i63 u64 imin",
        "GEOHASH z neg zero max over huge pinf ninf big frac nhuge i63 u64 imin",
        "GEODIST z neg zero",
        "GEODIST z max huge km",
        "GEORADIUS z 0 0 20000 km WITHCOORD WITHHASH WITHDIST",
    ]);
    // Far apart: the antipodes, across the antimeridian, near the poles.
    p.run_all(&[
        "GEOADD far 0 0 a 180 0 b -180 0 c 179.9 1 d -179.9 -1 e 0 85 n 180 -85 s",
        "GEODIST far a b",
        "GEODIST far b c",
        "GEODIST far d e mi",
        "GEODIST far n s km",
        "GEOPOS far a b c d e n s",
        "GEOHASH far a b c d e n s",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn geosearch_every_option() {
    let mut p = parity!();
    sicily(&mut p);
    let froms = [
        "FROMLONLAT 15 37",
        "FROMMEMBER Palermo",
        "FROMLONLAT 13.361389 38.115556",
        "frommember Gela",
    ];
    let bys = [
        "BYRADIUS 200 km",
        "BYRADIUS 100 km",
        "BYRADIUS 0 m",
        "BYRADIUS 100000 ft",
        "BYRADIUS 90 mi",
        "BYBOX 400 400 km",
        "BYBOX 200 50 km",
        "BYBOX 50 200 km",
        "BYBOX 0 0 m",
        "bybox 300 300 MI",
    ];
    let opts = [
        "",
        "ASC",
        "DESC",
        "WITHCOORD",
        "WITHDIST",
        "WITHHASH",
        "WITHCOORD WITHDIST WITHHASH",
        "WITHHASH WITHDIST ASC",
        "COUNT 1",
        "COUNT 2 DESC",
        "COUNT 3 ANY",
        "COUNT 3 ANY ASC WITHDIST",
        "COUNT 100 WITHDIST",
        "ANY COUNT 1 DESC",
    ];
    for from in froms {
        for by in bys {
            for opt in opts {
                p.run(&format!("GEOSEARCH Sicily {from} {by} {opt}"));
            }
        }
    }
    p.run_all(&[
        "GEOSEARCH Sicily BYRADIUS 200 km FROMLONLAT 15 37 WITHDIST",
        "GEOSEARCH Sicily WITHDIST BYBOX 400 400 km ASC FROMMEMBER Palermo",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYRADIUS 100 km",
        "GEOSEARCH Sicily FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 200 km",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn geosearch_errors_come_in_redis_order() {
    let mut p = parity!();
    sicily(&mut p);
    p.run_all(&[
        "SET str x",
        "GEOSEARCH Sicily FROMLONLAT 15 37",
        "GEOSEARCH Sicily BYRADIUS 200 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT",
        "GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 200 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS x km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 furlong",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x y km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 furlong",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 furlong",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT 200 37 BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT x 37 BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT 0",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT -1",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT x",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE d",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BADOPT",
        "geosearch Sicily WITHDIST",
        "GeoSearch Sicily FROMLONLAT 15 37 WITHDIST",
        "GEOSEARCH str FROMLONLAT 15 37 BYRADIUS 1 km",
        "GEOSEARCH str BADOPT",
        "GEOSEARCH nosuch FROMMEMBER x BYRADIUS 1 km",
        "GEOSEARCH nosuch FROMMEMBER x BYRADIUS x km",
        "GEOSEARCH nosuch FROMMEMBER x BYBOX 1 1 km WITHDIST WITHCOORD",
        "GEOSEARCH nosuch FROMMEMBER x",
        "GEOSEARCH nosuch FROMLONLAT 1 1 BYRADIUS 1 km COUNT 1 ANY",
        "GEOSEARCH nosuch FROMLONLAT 1 1 BYRADIUS 1 km ANY",
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST",
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHHASH",
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x",
        "GEOSEARCHSTORE d Sicily BYRADIUS 200 km",
        "geosearchstore d Sicily FROMLONLAT 15 37",
        "GEOSEARCHSTORE d str FROMLONLAT 15 37 BYRADIUS 200 km",
        "GEOSEARCH",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS",
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS",
        "EXISTS d",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn georadius_forms_and_store() {
    let mut p = parity!();
    sicily(&mut p);
    for cmd in [
        "GEORADIUS Sicily 15 37 200 km",
        "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH",
        "GEORADIUS Sicily 15 37 200 km COUNT 2",
        "GEORADIUS Sicily 15 37 200 km COUNT 2 ANY",
        "GEORADIUS Sicily 15 37 200 km DESC WITHDIST",
        "GEORADIUS_RO Sicily 15 37 200 km ASC WITHDIST",
        "GEORADIUSBYMEMBER Sicily Palermo 200 km",
        "GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST ASC",
        "GEORADIUSBYMEMBER_RO Sicily Palermo 100 mi WITHCOORD DESC COUNT 3",
        "GEORADIUSBYMEMBER Sicily nosuch 200 km",
        "GEORADIUSBYMEMBER Sicily Palermo x km",
        "GEORADIUSBYMEMBER Sicily nosuch x km",
        "GEORADIUS Sicily 200 37 200 km",
        "GEORADIUS Sicily 15 37 x km",
        "GEORADIUS Sicily 15 37 -5 km",
        "GEORADIUS Sicily 15 37 200 furlong",
        "GEORADIUS Sicily 15 37 200 km BYRADIUS 1 km",
        "GEORADIUS Sicily 15 37 200 km FROMLONLAT 1 1",
        "GEORADIUS Sicily 15 37 200 km STORE",
        "GEORADIUS Sicily 15 37 200 km STORE d WITHDIST",
        "GEORADIUS_RO Sicily 15 37 200 km STORE d",
        "GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STOREDIST d",
        "GEORADIUS Sicily 15 37 200 km STORE d",
        "ZRANGE d 0 -1 WITHSCORES",
        "OBJECT ENCODING d",
        "GEORADIUS Sicily 15 37 200 km STOREDIST d",
        "ZRANGE d 0 -1 WITHSCORES",
        "GEORADIUS Sicily 15 37 200 mi STOREDIST d COUNT 2 DESC",
        "ZRANGE d 0 -1 WITHSCORES",
        "GEORADIUSBYMEMBER Sicily Palermo 500 km STORE d STOREDIST d2",
        "ZRANGE d2 0 -1 WITHSCORES",
        "GEORADIUS Sicily 0 0 1 km STORE d2",
        "EXISTS d2",
        "SET d3 x EX 100",
        "GEOSEARCHSTORE d3 Sicily FROMMEMBER Palermo BYBOX 400 400 km",
        "TTL d3",
        "TYPE d3",
        "ZRANGE d3 0 -1 WITHSCORES",
        "GEOSEARCHSTORE d3 Sicily FROMMEMBER Palermo BYBOX 400 400 km STOREDIST COUNT 2",
        "ZRANGE d3 0 -1 WITHSCORES",
        "GEOSEARCHSTORE d3 Sicily FROMLONLAT 0 0 BYBOX 1 1 km",
        "EXISTS d3",
        "GEOSEARCHSTORE d3 nosuch FROMMEMBER x BYBOX 1 1 km",
        "SET d4 x",
        "GEOSEARCHSTORE d4 nosuch FROMMEMBER x BYBOX 1 1 km",
        "EXISTS d4",
        "SET d5 x",
        "GEORADIUS nosuch 1 1 1 km STORE d5",
        "EXISTS d5",
        "GEORADIUS nosuch 1 1 1 km",
        "GEORADIUS nosuch 1 1 x km",
        "GEORADIUSBYMEMBER nosuch m x km",
        "GEORADIUSBYMEMBER nosuch m 1 furlong WITHDIST",
        "GEORADIUSBYMEMBER nosuch m 1 km BADOPT",
        "GEORADIUS",
        "GEORADIUS Sicily 15 37 200",
    ] {
        p.run(cmd);
    }
    // A bigger set turns a stored result back into a listpack only if it
    // fits, as ZADD's thresholds say.
    p.run_all(&[
        "CONFIG SET zset-max-listpack-entries 3",
        "GEORADIUS Sicily 15 37 500 km STORE big",
        "OBJECT ENCODING big",
        "GEORADIUS Sicily 15 37 500 km STORE small COUNT 2",
        "OBJECT ENCODING small",
        "CONFIG SET zset-max-listpack-entries 128",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn searches_near_poles_antimeridian_and_with_huge_radii() {
    let mut p = parity!();
    // A grid of points over the whole map.
    let mut args: Vec<String> = vec!["GEOADD".into(), "world".into()];
    let mut n = 0;
    for lat in (-85..=85).step_by(5) {
        for lon in (-180..=180).step_by(15) {
            args.push(format!("{lon}.{}", (lat + 90) % 10));
            args.push(format!("{lat}.{}", (lon + 180) % 7));
            args.push(format!("p{n}"));
            n += 1;
        }
    }
    args[2] = "-180".into();
    let refs: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    p.run_args(&refs);
    for (center, by) in [
        ("0 0", "BYRADIUS 5000 km"),
        ("0 0", "BYRADIUS 20000 km"),
        ("0 0", "BYRADIUS 40000 km"),
        ("0 0", "BYRADIUS 1e10 m"),
        ("0 0", "BYRADIUS inf m"),
        ("179.9 0", "BYRADIUS 800 km"),
        ("-179.9 10", "BYRADIUS 1500 km"),
        ("180 0", "BYBOX 2000 2000 km"),
        ("0 84", "BYRADIUS 500 km"),
        ("0 85.05112878", "BYRADIUS 1000 km"),
        ("90 -85", "BYRADIUS 700 km"),
        ("10 70", "BYRADIUS 800 km"),
        ("10 -70", "BYBOX 1000 3000 km"),
        ("-120 81", "BYBOX 3000 600 km"),
        ("45 45", "BYBOX 20000 20000 km"),
        ("45 45", "BYBOX 1e9 1e9 m"),
        ("0 0", "BYRADIUS 0 km"),
        ("15.1 -20.3", "BYRADIUS 555.5 km"),
    ] {
        for opt in [
            "",
            "ASC WITHDIST",
            "DESC WITHCOORD",
            "COUNT 5",
            "COUNT 7 ANY WITHHASH",
        ] {
            p.run(&format!("GEOSEARCH world FROMLONLAT {center} {by} {opt}"));
        }
    }
    for member in ["p0", "p10", "p100", "p500", "p700"] {
        p.run(&format!(
            "GEOSEARCH world FROMMEMBER {member} BYRADIUS 3000 km ASC WITHDIST"
        ));
        p.run(&format!(
            "GEORADIUSBYMEMBER world {member} 1234 mi DESC WITHCOORD"
        ));
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_replies() {
    let mut p = parity!();
    p.pair.resp3();
    sicily(&mut p);
    p.run_all(&[
        "GEOPOS Sicily Palermo nosuch",
        "GEOPOS nosuch a",
        "GEODIST Sicily Palermo Catania",
        "GEODIST Sicily Palermo nosuch",
        "GEODIST nosuch a b",
        "GEOHASH Sicily Palermo nosuch",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD WITHDIST WITHHASH",
        "GEOSEARCH Sicily FROMLONLAT 0 0 BYRADIUS 1 km",
        "GEOSEARCH nosuch FROMLONLAT 0 0 BYRADIUS 1 km",
        "GEORADIUS Sicily 15 37 200 km WITHCOORD COUNT 2",
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km",
        "GEOADD Sicily 1 1 x",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn events_watch_and_changes() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    // GEOADD is ZADD, and redsim's ZADD does not announce the keys it
    // creates (`new`) yet: the source is made before `n` is on.
    p.run("CONFIG SET notify-keyspace-events KEA");
    sub.run("PSUBSCRIBE __keyevent@0__:*");
    p.run("GEOADD g 1 1 a 2 2 b");
    sub.same_messages();
    p.run("CONFIG SET notify-keyspace-events KEAn");
    for line in [
        "GEOADD g 1 1 a",
        "GEOADD g 3 3 a",
        "GEORADIUS g 1 1 500 km STORE d",
        "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 500 km",
        "GEOSEARCHSTORE d g FROMLONLAT 50 50 BYRADIUS 1 km",
        "GEOSEARCHSTORE d g FROMLONLAT 50 50 BYRADIUS 1 km",
        "GEORADIUSBYMEMBER g a 10 km STOREDIST d",
        "GEORADIUS nosuch 1 1 1 km STORE d",
    ] {
        p.run(line);
        sub.same_messages();
    }
    p.run("CONFIG SET notify-keyspace-events \"\"");
    let mut w = p.new_pair();
    for (setup, touch) in [
        ("DEL d", "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 500 km"),
        (
            "SET d x",
            "GEOSEARCHSTORE d g FROMLONLAT 50 50 BYRADIUS 1 km",
        ),
        ("DEL d", "GEOSEARCHSTORE d g FROMLONLAT 50 50 BYRADIUS 1 km"),
        ("DEL d", "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 500 km"),
    ] {
        p.run(setup);
        w.run("WATCH d");
        p.run(touch);
        w.run_all(&["MULTI", "PING", "EXEC"]);
    }
    let changes = |p: &mut Parity| {
        let (sim, real) = p.both("INFO persistence");
        let pick = |r: &[u8]| -> i64 {
            String::from_utf8_lossy(r)
                .lines()
                .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:")?.parse().ok())
                .unwrap_or_default()
        };
        (pick(&sim), pick(&real))
    };
    let mut last = changes(&mut p);
    for line in [
        "GEOADD g 3 3 c 4 4 d",
        "GEORADIUS g 1 1 2000 km STORE d",
        "GEORADIUS g 50 50 1 km STORE d",
    ] {
        p.run(line);
        let now = changes(&mut p);
        assert_eq!(now.0 - last.0, now.1 - last.1, "after {line}");
        last = now;
    }
}

/// A small deterministic generator for the randomized runs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A uniform value in `[lo, hi)` with up to 7 decimals.
    fn coord(&mut self, lo: f64, hi: f64) -> String {
        let unit = (self.next() % 10_000_000) as f64 / 10_000_000.0;
        format!("{:.7}", lo + unit * (hi - lo))
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Seeds of the randomized runs: RESP2 ones, then a RESP3 one.
const SEEDS: [u64; 4] = [3, 1_234, 99_999, 271_828];
const RESP3_SEED: u64 = 424_242;
/// Commands per run.
const STEPS: usize = 1500;

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_geo_sequences_match_redis() {
    let mut p = parity!();
    for seed in SEEDS {
        random_run(&mut p, seed);
    }
    p.pair.resp3();
    random_run(&mut p, RESP3_SEED);
}

fn random_run(p: &mut Parity, seed: u64) {
    let mut rng = Lcg(seed);
    p.run("FLUSHALL");
    // Points cluster in a few regions (so that searches find some), and
    // some anywhere, poles and antimeridian included.
    let regions: [(f64, f64, f64); 5] = [
        (13.0, 38.0, 2.0),
        (-0.1, 51.5, 1.0),
        (179.5, 0.0, 1.0),
        (0.0, 83.5, 1.5),
        (-70.0, -33.0, 3.0),
    ];
    let keys = ["g1", "g2"];
    let units = ["m", "km", "mi", "ft"];
    let place = |rng: &mut Lcg| -> (String, String) {
        if rng.below(5) == 0 {
            (rng.coord(-180.0, 180.0), rng.coord(-85.05, 85.05))
        } else {
            let (lon, lat, spread) = regions[rng.below(regions.len())];
            let lon = (rng
                .coord(lon - spread, lon + spread)
                .parse::<f64>()
                .unwrap()
                + 540.0)
                % 360.0
                - 180.0;
            let lat = rng
                .coord(lat - spread, lat + spread)
                .parse::<f64>()
                .unwrap()
                .clamp(-85.05, 85.05);
            (format!("{lon:.7}"), format!("{lat:.7}"))
        }
    };
    for step in 0..STEPS {
        let k = rng.pick(&keys);
        let m = format!("m{}", rng.below(40));
        let line = match rng.below(16) {
            0..=3 => {
                let mut l = format!(
                    "GEOADD {k} {}",
                    rng.pick(&["", "", "CH ", "NX ", "XX ", "XX CH "])
                );
                for _ in 0..=rng.below(5) {
                    let (lon, lat) = place(&mut rng);
                    l += &format!("{lon} {lat} m{} ", rng.below(40));
                }
                l
            }
            4 => format!("GEOPOS {k} {m} m{} nosuch", rng.below(40)),
            5 => format!("GEODIST {k} {m} m{} {}", rng.below(40), rng.pick(&units)),
            6 => format!("GEOHASH {k} {m} m{}", rng.below(40)),
            7 => format!("ZREM {k} {m}"),
            _ => {
                let from = if rng.below(3) == 0 {
                    format!("FROMMEMBER {m}")
                } else {
                    let (lon, lat) = place(&mut rng);
                    format!("FROMLONLAT {lon} {lat}")
                };
                let unit = rng.pick(&units);
                let size = |rng: &mut Lcg| -> String {
                    let meters = [
                        100.0,
                        5_000.0,
                        50_000.0,
                        200_000.0,
                        1_000_000.0,
                        7_000_000.0,
                    ][rng.below(6)];
                    let per = match unit {
                        "km" => 1000.0,
                        "mi" => 1609.34,
                        "ft" => 0.3048,
                        _ => 1.0,
                    };
                    format!(
                        "{:.3}",
                        meters * (0.2 + rng.below(1000) as f64 / 500.0) / per
                    )
                };
                let by = if rng.below(2) == 0 {
                    format!("BYRADIUS {} {unit}", size(&mut rng))
                } else {
                    format!("BYBOX {} {} {unit}", size(&mut rng), size(&mut rng))
                };
                let mut opts = String::new();
                if rng.below(3) == 0 {
                    opts += &format!(" COUNT {}", 1 + rng.below(6));
                    if rng.below(3) == 0 {
                        opts += " ANY";
                    }
                }
                opts += rng.pick(&["", "", " ASC", " DESC"]);
                let store = rng.below(4) == 0;
                if !store {
                    for w in [" WITHCOORD", " WITHDIST", " WITHHASH"] {
                        if rng.below(3) == 0 {
                            opts += w;
                        }
                    }
                }
                let radius_form = by.starts_with("BYRADIUS") && rng.below(3) == 0;
                match (store, radius_form) {
                    (false, false) => format!("GEOSEARCH {k} {from} {by}{opts}"),
                    (true, false) => format!(
                        "GEOSEARCHSTORE d {k} {from} {by}{opts}{}",
                        rng.pick(&["", " STOREDIST"])
                    ),
                    (store, true) => {
                        let radius = by.trim_start_matches("BYRADIUS ");
                        let st = if store {
                            format!(" {} d", rng.pick(&["STORE", "STOREDIST"]))
                        } else {
                            String::new()
                        };
                        match from.split_once(' ') {
                            Some(("FROMMEMBER", member)) => {
                                let ro = if store { "" } else { rng.pick(&["", "_RO"]) };
                                format!("GEORADIUSBYMEMBER{ro} {k} {member} {radius}{opts}{st}")
                            }
                            Some((_, lonlat)) => {
                                let ro = if store { "" } else { rng.pick(&["", "_RO"]) };
                                format!("GEORADIUS{ro} {k} {lonlat} {radius}{opts}{st}")
                            }
                            None => unreachable!(),
                        }
                    }
                }
            }
        };
        if std::env::var("GEOTRACE").is_ok() {
            eprintln!("seed {seed} step {step}: {line}");
        }
        p.run(&line);
        if line.contains(" d ") || line.ends_with(" d") {
            p.run("ZRANGE d 0 -1 WITHSCORES");
        }
    }
}
