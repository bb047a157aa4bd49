//! INFO: the sections, their fields, and the process figures they read.

use super::*;

/// The sections INFO prints with no argument (or `default`).
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Every section, in INFO everything's order.
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// # Format
/// `INFO [section [section ...]]`
pub(super) fn info(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut wanted: Vec<&str> = Vec::new();
    if ctx.argc() == 1 {
        wanted.extend(DEFAULT_SECTIONS);
    }
    for a in &ctx.args[1..] {
        let name = String::from_utf8_lossy(a).to_ascii_lowercase();
        match name.as_str() {
            "default" => wanted.extend(DEFAULT_SECTIONS),
            "all" => wanted.extend(ALL_SECTIONS.iter().filter(|s| **s != "modules")),
            "everything" => wanted.extend(ALL_SECTIONS),
            other => {
                if let Some(s) = ALL_SECTIONS.iter().find(|s| **s == other) {
                    wanted.push(s);
                }
            }
        }
    }
    let mut text = String::new();
    for section in ALL_SECTIONS {
        if !wanted.contains(section) {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        write_section(ctx, section, &mut text);
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

fn write_section(ctx: &mut Ctx<'_>, section: &str, t: &mut String) {
    let state = &*ctx.state;
    let now = ctx.now;
    let uptime = ((now - state.start_ms) / 1000).max(0);
    match section {
        "server" => {
            let _ = write!(
                t,
                "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{uptime}\r\nuptime_in_days:{}\r\nhz:10\r\nconfigured_hz:10\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:\r\nio_threads_active:0\r\nredsim_version:{}\r\n",
                std::env::consts::OS,
                std::env::consts::ARCH,
                std::process::id(),
                state.run_id,
                state.port,
                ctx.now_us,
                uptime / 86400,
                crate::state::State::lru_clock(now),
                state.executable,
                env!("CARGO_PKG_VERSION"),
            );
        }
        "clients" => {
            let _ = write!(
                t,
                "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\ntracking_clients:{}\r\nclients_in_timeout_table:0\r\n",
                state.clients.len(),
                state.config.maxclients(),
                // Clients a pause holds count as blocked, as in Redis.
                state.blocking.len() + ctx.host.paused_clients(),
                state.tracking.clients,
            );
        }
        "memory" => {
            let rss = super::process::rss();
            let used: usize = super::process::used_memory(state);
            let _ = write!(
                t,
                "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{used}\r\nused_memory_peak_human:{}\r\nused_memory_lua:{}\r\nnumber_of_cached_scripts:{}\r\nnumber_of_functions:{}\r\nnumber_of_libraries:{}\r\nused_memory_vm_functions:{}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_allocator:libc\r\n",
                human_bytes(used as u64),
                human_bytes(rss),
                human_bytes(used as u64),
                state.scripting.as_ref().map_or(31744, |e| e.used_memory()),
                state.scripting.as_ref().map_or(0, |e| e.script_count()),
                state
                    .functions
                    .as_ref()
                    .map_or(0, |e| e.libraries().function_count()),
                state
                    .functions
                    .as_ref()
                    .map_or(0, |e| e.libraries().library_count()),
                state.functions.as_ref().map_or(32768, |e| e.used_memory()),
                config_int(ctx, "maxmemory"),
                human_bytes(config_int(ctx, "maxmemory")),
                state.config.maxmemory_policy(),
            );
        }
        "persistence" => {
            let _ = write!(
                t,
                "# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:ok\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n",
                state.dirty,
                state.start_ms / 1000,
            );
        }
        "stats" => {
            let s = &state.stats;
            let net = ctx.host.net_counters();
            let _ = write!(
                t,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nsync_full:{}\r\nsync_partial_ok:{}\r\nsync_partial_err:{}\r\nexpired_keys:{}\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nevicted_keys:0\r\nevicted_clients:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\ntracking_total_keys:{}\r\ntracking_total_items:{}\r\ntracking_total_prefixes:{}\r\nunexpected_error_replies:0\r\ntotal_error_replies:{}\r\n",
                s.connections_received,
                s.commands_processed,
                net.input,
                net.output,
                s.rejected_connections + net.rejected,
                state.repl.sync_full,
                state.repl.sync_partial_ok,
                state.repl.sync_partial_err,
                s.expired_keys,
                s.keyspace_hits,
                s.keyspace_misses,
                state.pubsub.channels.len(),
                state.pubsub.patterns.len(),
                state.tracking.total_keys(),
                state.tracking.total_items(),
                state.tracking.total_prefixes(),
                s.error_replies,
            );
        }
        "replication" => crate::cmd::repl::write_info(state, now, t),
        "cpu" => {
            let (user, sys) = super::process::cpu();
            let _ = write!(
                t,
                "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n",
            );
        }
        "modules" => t.push_str("# Modules\r\n"),
        "commandstats" => {
            t.push_str("# Commandstats\r\n");
            for (name, c) in &state.stats.commands {
                let per = if c.calls > 0 {
                    c.usec as f64 / c.calls as f64
                } else {
                    0.0
                };
                let _ = write!(
                    t,
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}\r\n",
                    c.calls, c.usec, c.rejected, c.failed
                );
            }
        }
        "errorstats" => {
            t.push_str("# Errorstats\r\n");
            for (code, n) in &state.stats.errors {
                let _ = write!(t, "errorstat_{code}:count={n}\r\n");
            }
        }
        "latencystats" => t.push_str("# Latencystats\r\n"),
        "cluster" if state.cluster.is_some() => t.push_str("# Cluster\r\ncluster_enabled:1\r\n"),
        "cluster" => t.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
        "keyspace" => {
            t.push_str("# Keyspace\r\n");
            for (i, db) in state.dbs.iter().enumerate() {
                if db.is_empty() {
                    continue;
                }
                let _ = write!(
                    t,
                    "db{i}:keys={},expires={},avg_ttl=0\r\n",
                    db.len(),
                    db.expires_len()
                );
            }
        }
        _ => {}
    }
}

fn config_int(ctx: &Ctx<'_>, name: &str) -> u64 {
    ctx.state
        .config
        .int(name)
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(0)
}

/// Bytes as Redis's `bytesToHuman` prints them.
fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", n / (1024.0 * 1024.0 * 1024.0))
    }
}
