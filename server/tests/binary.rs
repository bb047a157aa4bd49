//! The `redsim-server` program: starts, takes Redis-style configuration
//! on its command line, refuses what Redis would refuse, and stops on
//! SHUTDOWN.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn redis_style_configuration_on_the_command_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_redsim-server"))
        .args(["--port", "0", "--save", "", "--maxclients", "7"])
        .args(["--notify-keyspace-events", "Ex"])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // "… ready to accept connections on 127.0.0.1:PORT"
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("connections on ")
                .nth(1)
                .map(|a| a.trim().to_string())
        })
        .expect("the server says where it listens");
    let client = redis::Client::open(format!("redis://{addr}")).unwrap();
    let mut con = client.get_connection().unwrap();
    let get = |con: &mut redis::Connection, name: &str| -> String {
        let (_, v): (String, String) = redis::cmd("CONFIG")
            .arg("GET")
            .arg(name)
            .query(con)
            .unwrap();
        v
    };
    assert_eq!(get(&mut con, "maxclients"), "7");
    assert_eq!(get(&mut con, "save"), "");
    assert_eq!(get(&mut con, "notify-keyspace-events"), "xE");
    let _ = redis::cmd("SHUTDOWN").arg("NOSAVE").exec(&mut con);
    assert!(child.wait().unwrap().success());
}

#[test]
fn an_unknown_parameter_is_refused_before_listening() {
    let out = Command::new(env!("CARGO_BIN_EXE_redsim-server"))
        .args(["--port", "0", "--no-such-parameter", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("redsim-server: "), "{stderr}");
    assert!(stderr.contains("no-such-parameter"), "{stderr}");
}
