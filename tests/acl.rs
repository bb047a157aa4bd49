//! ACL users through the `redis` crate, as code under test meets them:
//! logging in as a restricted user (over TCP by the URL, in process by
//! AUTH) and being refused what it may not do, users given to the
//! builder or read from an ACL file and kept across a restart, ACL LOG
//! ages and grouping on the server clock, and connections of a deleted
//! user closed.

use std::time::Duration;

use redis::{Commands, ErrorKind, ServerErrorKind};

fn is_noperm(e: &redis::RedisError) -> bool {
    e.kind() == ErrorKind::Server(ServerErrorKind::NoPerm)
}

fn server_with_reader() -> redsim::Server {
    redsim::Server::builder()
        .user("reader on >secret ~cache:* +@read +@connection +acl|whoami")
        .user("writer on >w ~* +@all -@dangerous")
        .start()
        .expect("start")
}

#[test]
fn a_restricted_user_logged_in_by_url_is_refused_what_it_may_not_do() {
    let server = server_with_reader();
    let url = format!("redis://reader:secret@{}/", server.addr());
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let whoami: String = redis::cmd("ACL").arg("WHOAMI").query(&mut con).unwrap();
    assert_eq!(whoami, "reader");
    let v: Option<String> = con.get("cache:1").unwrap();
    assert_eq!(v, None);
    let err = con.set::<_, _, ()>("cache:1", "x").unwrap_err();
    assert!(is_noperm(&err), "{err:?}");
    assert!(
        err.to_string()
            .contains("no permissions to run the 'set' command"),
        "{err}"
    );
    let err = con.get::<_, Option<String>>("secret:1").unwrap_err();
    assert!(is_noperm(&err), "{err:?}");
    assert!(err.to_string().contains("one of the keys"), "{err}");
    // What was refused is in ACL LOG, for an administrator to see.
    let mut admin = server.connection();
    let log: Vec<redis::Value> = redis::cmd("ACL").arg("LOG").query(&mut admin).unwrap();
    assert_eq!(log.len(), 2);
}

#[test]
fn wrong_credentials_fail_the_connection() {
    let server = server_with_reader();
    let url = format!("redis://reader:nope@{}/", server.addr());
    let err = redis::Client::open(url)
        .unwrap()
        .get_connection()
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthenticationFailed, "{err}");
}

#[test]
fn in_process_connections_log_in_with_auth() {
    let server = server_with_reader();
    let mut con = server.connection();
    redis::cmd("AUTH")
        .arg("writer")
        .arg("w")
        .exec(&mut con)
        .unwrap();
    let () = con.set("k", "v").unwrap();
    let err = redis::cmd("FLUSHALL").exec(&mut con).unwrap_err();
    assert!(is_noperm(&err), "{err:?}");
    let err = redis::cmd("ACL").arg("LIST").exec(&mut con).unwrap_err();
    assert!(is_noperm(&err), "{err:?}");
    // A script runs as its caller: its calls are checked too.
    let err = redis::cmd("EVAL")
        .arg("return redis.call('flushall')")
        .arg(0)
        .exec(&mut con)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("The user executing the script can't run this command"),
        "{err}"
    );
}

#[test]
fn deleting_a_user_closes_its_connections() {
    let server = server_with_reader();
    let url = format!("redis://writer:w@{}/", server.addr());
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let () = con.set("k", "v").unwrap();
    let mut admin = server.connection();
    let n: i64 = redis::cmd("ACL")
        .arg("DELUSER")
        .arg("writer")
        .query(&mut admin)
        .unwrap();
    assert_eq!(n, 1);
    let err = con.get::<_, Option<String>>("k").unwrap_err();
    assert!(err.is_io_error() || err.is_connection_dropped(), "{err:?}");
}

#[test]
fn builder_users_and_requirepass_together() {
    let server = redsim::Server::builder()
        .password("pw")
        .user("app on >apppw ~app:* +@all")
        .start()
        .unwrap();
    // The default user's password is requirepass.
    let url = format!("redis://:pw@{}/", server.addr());
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let users: Vec<String> = redis::cmd("ACL").arg("USERS").query(&mut con).unwrap();
    assert_eq!(users, ["app", "default"]);
    // A `user default` line overrides it, as in redis.conf.
    let server = redsim::Server::builder()
        .password("pw")
        .config("user", "default on nopass ~* +@all")
        .start()
        .unwrap();
    let mut con = server.connection();
    let v: Option<String> = con.get("x").unwrap();
    assert_eq!(v, None);
}

#[test]
fn bad_user_lines_and_a_missing_acl_file_refuse_to_start() {
    let err = redsim::Server::builder()
        .user("x on +nosuch")
        .start()
        .err()
        .unwrap_or_else(|| panic!("an unknown command in a rule"));
    assert!(err.to_string().contains("Unknown command"), "{err}");
    let err = redsim::Server::builder()
        .aclfile("/nonexistent/redsim.acl")
        .start()
        .err()
        .unwrap_or_else(|| panic!("a missing ACL file"));
    assert!(err.to_string().contains("No such file"), "{err}");
    let dir = std::env::temp_dir().join(format!("redsim-acl-both-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("users.acl");
    std::fs::write(&path, "user a on nopass +@all\n").unwrap();
    let err = redsim::Server::builder()
        .aclfile(&path)
        .user("b on")
        .start()
        .err()
        .unwrap_or_else(|| panic!("users and an ACL file together"));
    assert!(err.to_string().contains("not both"), "{err}");
}

#[test]
fn users_of_the_acl_file_survive_a_restart_and_acl_setuser_does_not() {
    let dir = std::env::temp_dir().join(format!("redsim-acl-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("users.acl");
    std::fs::write(&path, "user alice on >pw ~* +@all\n").unwrap();
    let server = redsim::Server::builder().aclfile(&path).start().unwrap();
    let mut con = server.connection();
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg("bob")
        .arg("on")
        .exec(&mut con)
        .unwrap();
    server.restart();
    let mut con = server.connection();
    let users: Vec<String> = redis::cmd("ACL").arg("USERS").query(&mut con).unwrap();
    assert_eq!(users, ["alice", "default"]);
}

#[test]
fn acl_log_ages_and_groups_on_the_server_clock() {
    let (clock, server) = support::manual_server();
    let mut admin = server.connection();
    redis::cmd("ACL")
        .arg(&["SETUSER", "t", "on", "nopass", "+get", "~k*"])
        .exec(&mut admin)
        .unwrap();
    let mut t = server.connection();
    redis::cmd("AUTH").arg("t").arg("x").exec(&mut t).unwrap();
    let refuse = |t: &mut redsim::LocalConnection| {
        assert!(redis::cmd("GET").arg("other").exec(t).is_err());
    };
    refuse(&mut t);
    clock.advance(Duration::from_millis(1500));
    let entry = |admin: &mut redsim::LocalConnection, field: &str| -> redis::Value {
        let log: Vec<Vec<redis::Value>> = redis::cmd("ACL").arg("LOG").query(admin).unwrap();
        let e = &log[0];
        let at = e
            .iter()
            .position(|v| matches!(v, redis::Value::BulkString(b) if b == field.as_bytes()))
            .unwrap();
        e[at + 1].clone()
    };
    assert_eq!(
        entry(&mut admin, "age-seconds"),
        redis::Value::BulkString(b"1.5".to_vec())
    );
    // Within a minute the same refusal counts in the same entry...
    clock.advance(Duration::from_secs(58));
    refuse(&mut t);
    assert_eq!(entry(&mut admin, "count"), redis::Value::Int(2));
    // ...after it, it is a new one.
    clock.advance(Duration::from_secs(61));
    refuse(&mut t);
    assert_eq!(entry(&mut admin, "count"), redis::Value::Int(1));
    let log: Vec<redis::Value> = redis::cmd("ACL").arg("LOG").query(&mut admin).unwrap();
    assert_eq!(log.len(), 2);
}
