//! `redsim-server`: the embedded server as a standalone program, for
//! clients outside Rust and for `redis-cli` / `redis-benchmark`.

use std::net::IpAddr;

use clap::Parser;

/// A Redis 7.0-compatible server for tests and development.
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
    let args = Args::parse();
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
    let server = builder.start()?;
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
