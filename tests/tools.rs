//! Redis's own tools against redsim: `redis-cli` and `redis-benchmark`
//! must run without an error, as they do against Redis.

use std::process::Command;

use support::redis_tool;

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn redis_benchmark_runs_set_get_incr_mset_without_errors() {
    let Some(bench) = redis_tool("redis-benchmark") else {
        return;
    };
    let server = redsim::Server::start().unwrap();
    let port = server.addr().port().to_string();
    for pipeline in ["1", "16"] {
        let out = Command::new(&bench)
            .args(["-h", "127.0.0.1", "-p", &port])
            .args(["-t", "set,get,incr,mset", "-n", "2000", "-c", "10", "-q"])
            .args(["-P", pipeline])
            .output()
            .expect("run redis-benchmark");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        for test in ["SET", "GET", "INCR", "MSET"] {
            assert!(
                (stdout.contains(&format!("{test}: ")) || stdout.contains(&format!("{test} (")))
                    && stdout.contains("requests per second"),
                "{test} missing from:\n{stdout}\n{stderr}"
            );
        }
        assert!(
            !stdout.contains("ERR") && !stderr.contains("ERR"),
            "{stdout}\n{stderr}"
        );
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn redis_cli_runs_commands_and_reads_replies() {
    let Some(cli) = redis_tool("redis-cli") else {
        return;
    };
    let server = redsim::Server::builder().password("pw").start().unwrap();
    let port = server.addr().port().to_string();
    let cli = |args: &[&str]| {
        let out = Command::new(&cli)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-a",
                "pw",
                "--no-auth-warning",
            ])
            .args(args)
            .output()
            .expect("run redis-cli");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    };
    assert_eq!(cli(&["SET", "greeting", "hello"]), "OK");
    assert_eq!(cli(&["GET", "greeting"]), "hello");
    assert_eq!(cli(&["RPUSH", "l", "a", "b"]), "2");
    assert_eq!(cli(&["LRANGE", "l", "0", "-1"]), "a\nb");
    assert_eq!(cli(&["--raw", "INCR", "n"]), "1");
    assert!(cli(&["INFO", "server"]).contains("redis_version:7.0"));
    assert!(cli(&["NOSUCH"]).starts_with("ERR unknown command"));
    // Interactive mode reads commands from stdin.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf 'PING\\nECHO hi\\n' | redis-cli -h 127.0.0.1 -p {port} -a pw --no-auth-warning"
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PONG\nhi\n");
}
