//! `redsim-server`: the embedded server as a standalone program, for
//! clients outside Rust and for `redis-cli` / `redis-benchmark`.
//!
//! Besides its own options it takes, as `redis-server` does, any
//! configuration parameter as `--name value…` (`--save ""`,
//! `--maxclients 100`, `--client-output-buffer-limit pubsub 1mb 0 0`), so
//! that a command line written for Redis works; a parameter redsim does not
//! know is refused with Redis's message. ACL users come as in redis.conf:
//! `--user "alice on >pw ~app:* +@all"` (one per user) or `--aclfile path`.

use std::net::IpAddr;

use clap::Parser;

/// A Redis 7.0-compatible server for tests and development. Any Redis
/// configuration parameter may follow as `--name value…`.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// TCP port (0 picks a free one).
    #[arg(long, default_value_t = 6379)]
    port: u16,
    /// Require clients to AUTH with this password.
    #[arg(long)]
    requirepass: Option<String>,
    /// Seed for everything random (RANDOMKEY, SPOP, the run id).
    #[arg(long, default_value_t = redsim::DEFAULT_SEED)]
    seed: u64,
    /// Tokio worker threads. Commands run one at a time under the state
    /// lock whatever the number, so more workers only spread the socket
    /// work; one is fastest when the clients share the machine (see
    /// BENCHMARKS.md). A long script or DEBUG SLEEP still hands its worker
    /// over, so the server keeps answering meanwhile.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
}

fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let (own, config) = split_args(std::env::args());
    let args = Args::parse_from(own);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(args.threads))
        .enable_all()
        .build()?;
    let mut builder = redsim::Server::builder()
        .bind(args.bind)
        .port(args.port)
        .seed(args.seed)
        .runtime(runtime.handle().clone());
    if let Some(p) = args.requirepass {
        builder = builder.password(p);
    }
    for (name, value) in config {
        builder = builder.config(name, value);
    }
    let server = match builder.start() {
        Ok(server) => server,
        Err(e) => {
            eprintln!("redsim-server: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!(
        "redsim-server ready to accept connections on {}",
        server.addr()
    );
    let reason = runtime.block_on(async {
        tokio::select! {
            signal = stop_signal() => signal,
            () = server.closed() => "SHUTDOWN",
        }
    });
    tracing::info!("{reason}: shutting down");
    server.shutdown();
    Ok(())
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM; returns its name.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = term.recv() => "SIGTERM",
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}

/// The options this program parses itself; every other `--name` is a
/// configuration parameter.
const OWN: &[&str] = &[
    "bind",
    "port",
    "requirepass",
    "seed",
    "threads",
    "help",
    "version",
];

/// Splits the command line into this program's own options (for clap) and
/// Redis-style configuration parameters: `--name` followed by the words up
/// to the next `--…` (joined by spaces, as redis-server joins them; a
/// lone `--save ""` gives an empty value).
fn split_args(args: impl IntoIterator<Item = String>) -> (Vec<String>, Vec<(String, String)>) {
    let mut own = Vec::new();
    let mut config = Vec::new();
    let mut args = args.into_iter().peekable();
    own.extend(args.next());
    while let Some(arg) = args.next() {
        let name = arg
            .strip_prefix("--")
            .map(|n| n.split('=').next().unwrap_or(n));
        match name {
            Some(name) if !name.is_empty() && !OWN.contains(&name) && !arg.contains('=') => {
                let mut words = Vec::new();
                while let Some(next) = args.next_if(|a| !a.starts_with("--")) {
                    words.push(next);
                }
                config.push((name.to_string(), words.join(" ")));
            }
            _ => own.push(arg),
        }
    }
    (own, config)
}

#[cfg(test)]
mod tests {
    use super::split_args;

    fn split(line: &[&str]) -> (Vec<String>, Vec<(String, String)>) {
        split_args(line.iter().map(|s| (*s).to_string()))
    }

    #[test]
    fn own_options_go_to_clap_and_the_rest_is_configuration() {
        let (own, config) = split(&[
            "redsim-server",
            "--port",
            "7000",
            "--save",
            "",
            "--appendonly",
            "no",
            "--client-output-buffer-limit",
            "pubsub",
            "1mb",
            "0",
            "0",
            "--threads=2",
            "--maxclients",
            "100",
        ]);
        assert_eq!(own, ["redsim-server", "--port", "7000", "--threads=2"]);
        assert_eq!(
            config,
            [
                ("save".to_string(), String::new()),
                ("appendonly".to_string(), "no".to_string()),
                (
                    "client-output-buffer-limit".to_string(),
                    "pubsub 1mb 0 0".to_string()
                ),
                ("maxclients".to_string(), "100".to_string()),
            ]
        );
    }
}
