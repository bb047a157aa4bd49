//! Parity with real Redis 7.0 for ACL: users, rules and their errors, the
//! refusals of commands, keys and channels (NOPERM texts, inside MULTI and
//! scripts), ACL LOG, DRYRUN, AUTH and HELLO with users, `requirepass`
//! as the default user's password, connections of deleted users, and the
//! ACL file.
//!
//! Two things vary between two Redis processes and are normalised on both
//! sides before comparing: the order of single-command rules in ACL LIST
//! and GETUSER (Redis follows its command hash table, seeded per process;
//! redsim uses name order), and in ACL LOG the entry's age and the
//! client's ids, addresses and buffer figures.

use support::mask::{self, CLIENT_VARIABLE_FIELDS};
use support::{Pair, Parity, RawClient, RealRedis, parity, show, sorted};

/// Runs `line` on both and compares, single-command rules sorted.
#[track_caller]
fn run_rules(pair: &mut Pair, line: &str) {
    let (sim, real) = pair.both(line);
    let norm = |r: &[u8]| mask::map_strings(r, &mut |s| mask::sort_command_rules(s));
    assert_eq!(
        show(&norm(&sim)),
        show(&norm(&real)),
        "replies differ for {line}"
    );
}

/// An ACL LOG reply with what differs between servers by nature masked.
fn masked_log(reply: &[u8]) -> Vec<u8> {
    mask::mask_fields(
        &mask::mask_values_after(reply, &["age-seconds"]),
        CLIENT_VARIABLE_FIELDS,
    )
}

/// Runs `line` (an ACL LOG) on both and compares, variable parts masked.
#[track_caller]
fn run_log(pair: &mut Pair, line: &str) {
    let (sim, real) = pair.both(line);
    assert_eq!(
        show(&masked_log(&sim)),
        show(&masked_log(&real)),
        "ACL LOG differs for {line}"
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn setuser_getuser_list_and_their_errors() {
    let mut p = parity!();
    for line in [
        "ACL SETUSER s1 on nopass %R~r* %W~w* %RW~b* ~k* &c1 &c2 +@read -@dangerous +config|get (+set ~x*) (+get %R~y* &z)",
        "ACL SETUSER s2 reset",
        "ACL SETUSER s3 +@all -@dangerous ~*",
        "ACL SETUSER s4 -@all +select|0 +debug|object +select|1 +SELECT|0",
        "ACL SETUSER s5 \"(~x\" \"+get)\"",
        "ACL SETUSER s6 on >pw1 >pw2 >pw1 <pw2 #c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2",
        "ACL SETUSER s7 allkeys allchannels allcommands -flushall -client|kill",
        "ACL SETUSER s8 %R",
        "ACL SETUSER s9 () \"(+@all ~* &*)\" ( )",
        "ACL SETUSER s10 ~a ~a %R~a %W~b %W~b &x &x",
        "ACL SETUSER s11 +@hash +@set -hdel -@write +@string -@fast",
        "ACL SETUSER s12 +@all -@keyspace -@admin +config|set -client +client|id",
        "ACL SETUSER s13 nocommands +acl +@scripting resetkeys ~q resetchannels &r skip-sanitize-payload",
        "ACL SETUSER s13 clearselectors (~z +ping) sanitize-payload",
        "ACL SETUSER s14 \"\"",
        "ACL SETUSER S4 +get",
    ] {
        p.run(line);
    }
    for name in [
        "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14",
        "S4", "nope", "default",
    ] {
        run_rules(&mut p.pair, &format!("ACL GETUSER {name}"));
    }
    run_rules(&mut p.pair, "ACL LIST");
    p.run("ACL USERS");
    p.pair.resp3();
    run_rules(&mut p.pair, "ACL GETUSER s1");
    run_rules(&mut p.pair, "ACL GETUSER s9");
    p.run_all(&[
        "ACL SETUSER s5 (~x",
        "ACL SETUSER s5 on nopass (~x +get",
        "ACL SETUSER s5 bogus",
        "ACL SETUSER s5 +nosuch",
        "ACL SETUSER s5 +@nosuch",
        "ACL SETUSER s5 ~* ~x",
        "ACL SETUSER s5 &* &x",
        "ACL SETUSER s5 <nope",
        "ACL SETUSER s5 !nope",
        "ACL SETUSER s5 #abc",
        "ACL SETUSER s5 #C3AB8FF13720E8AD9047DD39466B3C8974E592C2FA383D4A3960714CAEF0C4F2",
        "ACL SETUSER s5 %X~x",
        "ACL SETUSER s5 %~foo",
        "ACL SETUSER s5 %RR~foo",
        "ACL SETUSER \"a b\"",
        "ACL SETUSER s5 +config|",
        "ACL SETUSER s5 -config|get|x",
        "ACL SETUSER s5 +config|get|x",
        "ACL SETUSER s5 -select|0",
        "ACL SETUSER s5 \"~a b\"",
        "ACL SETUSER s5 \"( ~a  \\\"b c\\\" )\"",
        "ACL SETUSER s5 on (",
        "ACL SETUSER s5 on +get bogus",
        "ACL GETUSER s5",
        "ACL DELUSER default",
        "ACL DELUSER s1 default",
        "ACL DELUSER nope1 nope2",
        "ACL DELUSER s1 s2 nope",
        "ACL USERS",
        "ACL",
        "ACL SETUSER",
        "ACL GETUSER",
        "ACL GETUSER a b",
        "ACL LIST x",
        "ACL USERS x",
        "ACL WHOAMI x",
        "ACL nosuch",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn cat_genpass_whoami_help_and_no_aclfile() {
    let mut p = parity!();
    p.run_all(&[
        "ACL CAT",
        "ACL CAT nosuch",
        "ACL CAT a b",
        "ACL WHOAMI",
        "ACL HELP",
        "ACL GENPASS 0",
        "ACL GENPASS -1",
        "ACL GENPASS 4097",
        "ACL GENPASS abc",
        "ACL GENPASS 1 2",
        "ACL LOAD",
        "ACL SAVE",
        "ACL LOG 1 2",
        "ACL LOG x",
        "ACL LOG -1",
        "ACL LOG",
        "ACL LOG RESET",
    ]);
    for cat in [
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
        "READ",
    ] {
        p.run_sorted(&format!("ACL CAT {cat}"));
    }
    // The password is random; its length is what GENPASS promises.
    for (bits, len) in [("", 64), ("1", 1), ("5", 2), ("4096", 1024), ("255", 64)] {
        let (sim, real) = p.both(&format!("ACL GENPASS {bits}"));
        let expect = format!("${len}\r\n");
        assert!(sim.starts_with(expect.as_bytes()), "{}", show(&sim));
        assert!(real.starts_with(expect.as_bytes()), "{}", show(&real));
    }
}

/// A second client pair logged in as `user`.
fn logged_in(p: &Parity, user: &str, password: &str) -> Pair {
    let mut pair = p.new_pair();
    pair.run(&format!("AUTH {user} {password}"));
    pair
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn commands_keys_and_channels_refused_with_noperm() {
    let mut p = parity!();
    p.run_all(&[
        "ACL SETUSER alice on >pw ~k* %R~r* %W~w* &ch* +get +set +del +mget +mset +copy +lmove +sort +bitfield +publish +subscribe +psubscribe +ssubscribe +unsubscribe +config|get +select|0 +object|encoding +eval +sintercard +ping +client|id",
        "SET r1 v",
        "SET k1 v",
    ]);
    let mut a = logged_in(&p, "alice", "pw");
    a.run_all(&[
        "GET x",
        "GET k1",
        "GET r1",
        "GET w1",
        "SET k2 v",
        "SET w1 v",
        "SET w1 v GET",
        "SET r1 v",
        "SET k2 v GET",
        "MGET k1 r1",
        "MGET k1 x r1",
        "MSET k1 a w1 b",
        "MSET k1 a r1 b",
        "COPY r1 w2",
        "COPY w1 r2",
        "LMOVE r1 w1 LEFT RIGHT",
        "SORT k1",
        "SORT k1 STORE w9",
        "SORT k1 STORE r9",
        "SORT k1 BY x STORE k9",
        "BITFIELD r1 GET u8 0",
        "BITFIELD r1 SET u8 0 1",
        "BITFIELD w1 GET u8 0",
        "OBJECT ENCODING r1",
        "OBJECT ENCODING w1",
        "OBJECT FREQ k1",
        "SINTERCARD 2 k1 r1",
        "SINTERCARD 2 k1 x",
        "SINTERCARD 5 k1 x",
        "DEL k1 w1",
        "DEL k1 r1",
        "HGET k1 f",
        "CONFIG GET maxmemory",
        "CONFIG SET maxmemory 0",
        "SELECT 0",
        "SELECT 1",
        "PUBLISH ch1 m",
        "PUBLISH other m",
        "EVAL \"return 1\" 1 x",
        "EVAL \"return 1\" 0",
        "EVAL \"return redis.call('get', 'x')\" 0",
        "EVAL \"return redis.pcall('get', 'x')\" 0",
        "EVAL \"return redis.call('hget', 'k1', 'f')\" 0",
        "EVAL \"return redis.pcall('publish', 'zz', 'm')\" 0",
        "EVAL \"return redis.call('set', 'w1', 'v')\" 0",
        "EVAL \"return redis.call('get', 'r1')\" 1 k1",
        "ACL WHOAMI",
        "CLIENT ID x",
        "PING",
        "AUTH alice nope",
        "MULTI",
        "GET x",
        "HGET k1 f",
        "GET k1",
        "EXEC",
        "MULTI",
        "GET k1",
        "EXEC",
        "SUBSCRIBE ch1 other",
        "PSUBSCRIBE ch*",
        "PSUBSCRIBE ch1*",
        "SSUBSCRIBE ch2",
        "SSUBSCRIBE nope",
        "UNSUBSCRIBE nope",
        "PING",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn selectors_and_the_refusal_reported_when_none_allows() {
    let mut p = parity!();
    p.run_all(&[
        "ACL SETUSER bob on nopass ~k* +get (~s* +set) (%R~m* +mget &c +publish)",
        "ACL DRYRUN bob get k1",
        "ACL DRYRUN bob get s1",
        "ACL DRYRUN bob set s1 v",
        "ACL DRYRUN bob set k1 v",
        "ACL DRYRUN bob mget m1 m2",
        "ACL DRYRUN bob mget m1 k1",
        "ACL DRYRUN bob mget k1 k2",
        "ACL DRYRUN bob publish c m",
        "ACL DRYRUN bob publish d m",
        "ACL DRYRUN bob hget k1 f",
        "ACL DRYRUN bob config get x",
        "ACL DRYRUN bob config nosuch",
        "ACL DRYRUN bob nosuch",
        "ACL DRYRUN bob get",
        "ACL DRYRUN bob get a b",
        "ACL DRYRUN nobody get x",
        "ACL DRYRUN bob GET k1",
        "ACL DRYRUN default flushall",
        "ACL DRYRUN bob cluster info",
        "ACL DRYRUN bob ping",
        "ACL DRYRUN bob auth x y",
    ]);
    let mut b = logged_in(&p, "bob", "any");
    b.run_all(&[
        "GET k1",
        "GET s1",
        "SET s1 v",
        "SET k1 v",
        "MGET m1 k1",
        "PUBLISH d m",
        "PUBLISH c m",
    ]);
    run_log(&mut p.pair, "ACL LOG");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn acl_log_records_refusals_with_their_context() {
    let mut p = parity!();
    p.run_all(&[
        "ACL SETUSER t on >p ~k* &ch* +@all -del -config|set",
        "CONFIG SET acllog-max-len 5",
    ]);
    let mut t = logged_in(&p, "t", "p");
    t.run_all(&[
        "DEL k1",
        "DEL k1",
        "GET x",
        "PUBLISH zz m",
        "CONFIG SET maxmemory 0",
        "EVAL \"return redis.pcall('get', 'x')\" 0",
        "EVAL \"return redis.pcall('del', 'k1')\" 0",
        "MULTI",
        "GET y",
        "DEL k2",
        "GET k2",
        "EXEC",
        "AUTH t wrong",
        "AUTH nobody x",
        "HELLO 2 AUTH t wrong",
    ]);
    run_log(&mut p.pair, "ACL LOG");
    run_log(&mut p.pair, "ACL LOG 2");
    run_log(&mut p.pair, "ACL LOG 0");
    p.run("CONFIG SET acllog-max-len 2");
    t.run("GET zz");
    run_log(&mut p.pair, "ACL LOG 100");
    p.pair.resp3();
    run_log(&mut p.pair, "ACL LOG 1");
    p.run_all(&["ACL LOG RESET", "ACL LOG"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn exec_checks_permissions_again() {
    let mut p = parity!();
    p.run("ACL SETUSER t on >p ~* &* +@all");
    let mut t = logged_in(&p, "t", "p");
    t.run_all(&["MULTI", "GET x", "PUBLISH c x", "SET y 1"]);
    p.run("ACL SETUSER t -get resetchannels");
    t.run_all(&["EXEC", "GET y"]);
    run_log(&mut p.pair, "ACL LOG");
    // EXEC itself refused: the transaction is discarded with the reason.
    p.run("ACL SETUSER t +get -exec");
    t.run_all(&["MULTI", "GET x", "EXEC", "EXEC", "MULTI", "EXEC x", "EXEC"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn auth_and_hello_log_in_as_users() {
    let mut p = parity!();
    p.run_all(&[
        "ACL SETUSER u1 on >secret +@all ~*",
        "ACL SETUSER u2 off >secret +@all ~*",
        "ACL SETUSER u3 on nopass +@all ~*",
        "AUTH secret",
        "AUTH default x",
        "AUTH u1 wrong",
        "AUTH u2 secret",
        "AUTH nobody secret",
        "AUTH u3 anything",
        "ACL WHOAMI",
        "AUTH u1 secret",
        "ACL WHOAMI",
        "AUTH a b c",
        "HELLO 2 AUTH u1 wrong",
        "ACL WHOAMI",
        "RESET",
        "ACL WHOAMI",
    ]);
    let masked = |r: &[u8]| mask::mask_values_after(r, &["id"]);
    // The default user has no password: any password logs in as it.
    let (sim, real) = p.both("HELLO 2 AUTH default nope");
    assert_eq!(show(&masked(&sim)), show(&masked(&real)));
    p.pair.sim.set_resp3(true);
    p.pair.real.set_resp3(true);
    let (sim, real) = p.both("HELLO 3 AUTH u1 secret SETNAME me");
    assert_eq!(show(&masked(&sim)), show(&masked(&real)));
    p.run_all(&["ACL WHOAMI", "CLIENT GETNAME"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn requirepass_is_the_default_user_s_password() {
    let mut p = parity!();
    run_rules(&mut p.pair, "ACL GETUSER default");
    p.run_all(&["CONFIG SET requirepass s3cret", "ACL LIST"]);
    run_rules(&mut p.pair, "ACL GETUSER default");
    let mut fresh = p.new_pair();
    fresh.run_all(&[
        "GET x",
        "ACL WHOAMI",
        "AUTH nope",
        "AUTH s3cret",
        "ACL WHOAMI",
        "GET x",
    ]);
    let mut fresh = p.new_pair();
    fresh.run_all(&["AUTH default s3cret", "PING"]);
    p.run_all(&[
        "ACL SETUSER default resetpass >other",
        "CONFIG GET requirepass",
        "ACL LIST",
    ]);
    let mut fresh = p.new_pair();
    fresh.run_all(&["AUTH s3cret", "AUTH other", "PING"]);
    p.run_all(&["CONFIG SET requirepass \"\"", "ACL LIST", "AUTH x"]);
    let mut fresh = p.new_pair();
    fresh.run_all(&["PING", "ACL WHOAMI"]);
    // A default user that is off refuses new connections' commands.
    p.run_all(&["ACL SETUSER u on nopass +@all", "ACL SETUSER default off"]);
    let mut fresh = p.new_pair();
    fresh.run_all(&["PING", "AUTH u x", "PING", "ACL WHOAMI"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn deleting_a_user_closes_its_connections_disabling_does_not() {
    let mut p = parity!();
    p.run("ACL SETUSER t on >p +@all ~*");
    let mut t = logged_in(&p, "t", "p");
    let t2 = logged_in(&p, "t", "p");
    p.run("ACL SETUSER t off");
    t.run("PING");
    p.run("ACL DELUSER t");
    for c in [&mut t.sim, &mut t.real] {
        assert!(
            c.try_call(&[b"PING"]).is_err(),
            "a deleted user's client is closed"
        );
    }
    // A client that deletes its own user gets the reply, then is closed.
    p.run("ACL SETUSER t2 on >p +@all ~*");
    let mut own = logged_in(&p, "t2", "p");
    own.run("ACL DELUSER t2");
    for c in [&mut own.sim, &mut own.real] {
        assert!(c.try_call(&[b"PING"]).is_err(), "closed after its reply");
    }
    drop(t2);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn revoking_channels_closes_subscribers_of_what_was_revoked() {
    let mut p = parity!();
    p.run("ACL SETUSER s on >p +@all ~* &news.* &sport");
    let mut sub = logged_in(&p, "s", "p");
    sub.run("SUBSCRIBE sport");
    let mut psub = logged_in(&p, "s", "p");
    psub.run("PSUBSCRIBE news.*");
    // Still allowed: nobody is closed.
    p.run("ACL SETUSER s &more");
    sub.run("PING");
    psub.run("PING");
    p.run("ACL SETUSER s resetchannels &news.*");
    for c in [&mut sub.sim, &mut sub.real] {
        assert!(
            c.try_call(&[b"PING"]).is_err(),
            "subscriber of a revoked channel"
        );
    }
    psub.run("PING");
}

/// Both servers started with an ACL file of the same content (each its
/// own file); `path` on each side is replaced by `<aclfile>` in replies.
struct WithFile {
    sim_server: redsim::Server,
    _real_server: RealRedis,
    pair: Pair,
    sim_path: std::path::PathBuf,
    real_path: std::path::PathBuf,
}

impl WithFile {
    fn start(content: &str) -> Option<WithFile> {
        let dir = std::env::temp_dir().join(format!(
            "redsim-acl-{}-{}",
            std::process::id(),
            support::free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let sim_path = dir.join("sim.acl");
        let real_path = dir.join("real.acl");
        std::fs::write(&sim_path, content).unwrap();
        std::fs::write(&real_path, content).unwrap();
        let real = RealRedis::start_with(&["--aclfile", real_path.to_str().unwrap()])?;
        let sim_server = redsim::Server::builder()
            .config("save", "")
            .aclfile(&sim_path)
            .start()
            .unwrap();
        let pair = Pair {
            sim: RawClient::connect(sim_server.addr()).unwrap(),
            real: RawClient::connect(real.addr()).unwrap(),
        };
        Some(WithFile {
            sim_server,
            _real_server: real,
            pair,
            sim_path,
            real_path,
        })
    }

    #[track_caller]
    fn run(&mut self, line: &str) {
        let (sim, real) = self.pair.both(line);
        let norm = |r: &[u8], path: &std::path::Path| {
            let path = path.to_str().unwrap().to_string();
            mask::map_strings(r, &mut |s| {
                let s = String::from_utf8_lossy(s).replace(&path, "<aclfile>");
                mask::sort_command_rules(s.as_bytes())
            })
        };
        assert_eq!(
            show(&norm(&sim, &self.sim_path)),
            show(&norm(&real, &self.real_path)),
            "replies differ for {line}"
        );
    }

    fn new_pair(&self) -> Pair {
        Pair {
            sim: RawClient::connect(self.sim_server.addr()).unwrap(),
            real: RawClient::connect(self._real_server.addr()).unwrap(),
        }
    }

    fn rewrite(&self, content: &str) {
        std::fs::write(&self.sim_path, content).unwrap();
        std::fs::write(&self.real_path, content).unwrap();
    }

    fn saved(&self) -> (String, String) {
        let norm = |p: &std::path::Path| {
            let text = std::fs::read(p).unwrap();
            let lines: Vec<String> = text
                .split(|&c| c == b'\n')
                .map(|l| String::from_utf8_lossy(&mask::sort_command_rules(l)).into_owned())
                .collect();
            lines.join("\n")
        };
        (norm(&self.sim_path), norm(&self.real_path))
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn acl_file_loads_at_start_reloads_and_saves() {
    let Some(mut w) = WithFile::start(
        "user default on nopass ~* &* +@all\nuser alice on >pw ~a* +get +set\n\n  user bob off   -@all +ping  \n",
    ) else {
        return;
    };
    w.run("ACL LIST");
    let mut alice = w.new_pair();
    for line in ["AUTH alice pw", "ACL WHOAMI", "GET b", "AUTH alice nope"] {
        let (sim, real) = alice.both(line);
        assert_eq!(show(&sim), show(&real), "{line}");
    }
    w.rewrite("user carol on nopass +@all ~*\nuser alice on >pw2 ~* +@read\n");
    w.run("ACL LOAD");
    // alice's connection was closed by the reload.
    for c in [&mut alice.sim, &mut alice.real] {
        assert!(
            c.try_call(&[b"PING"]).is_err(),
            "alice's client survives ACL LOAD"
        );
    }
    w.run("ACL LIST");
    w.rewrite(
        "user alice on +nosuch\nbogus line\nuser alice on\nuser \"a b\" on\nuser x (~a\nuser y on ~* ~a &* &b #xyz <nope\n",
    );
    w.run("ACL LOAD");
    w.run("ACL LIST");
    w.run("ACL SETUSER dave on >pw %R~d* +@hash (+get ~e*)");
    w.run("ACL SAVE");
    let (sim, real) = w.saved();
    assert_eq!(sim, real, "ACL SAVE wrote different files");
    std::fs::remove_file(&w.sim_path).unwrap();
    std::fs::remove_file(&w.real_path).unwrap();
    w.run("ACL LOAD");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pubsub_refusals_in_resp3() {
    let mut p = parity!();
    p.run("ACL SETUSER s on >p +@all ~* &news.*");
    let mut s = logged_in(&p, "s", "p");
    s.resp3();
    s.run_all(&[
        "SUBSCRIBE news.a sport",
        "SUBSCRIBE news.a",
        "PSUBSCRIBE news.*",
        "PSUBSCRIBE news.a*",
        "PUBLISH news.a m",
        "PUBLISH sport m",
        "ACL WHOAMI",
    ]);
    let _ = sorted;
}
