//! The commands a sentinel answers, with Redis Sentinel 7.0's replies.

use bytes::Bytes;

use super::{FailoverError, Inner, Master, Node};
use crate::cmd::is;
use crate::protocol::Out;

/// A field/value list, as SENTINEL MASTERS and REPLICAS reply with.
fn fields(out: &mut Out, pairs: &[(&str, String)]) {
    out.array(pairs.len() * 2);
    for (k, v) in pairs {
        out.bulk(k.as_bytes());
        out.bulk(v.as_bytes());
    }
}

fn master_fields(m: &Master, now: i64) -> Vec<(&'static str, String)> {
    let mut flags = "master".to_string();
    if m.sdown {
        flags.push_str(",s_down");
    }
    if m.odown {
        flags.push_str(",o_down");
    }
    let run_id = m
        .primary
        .reachable()
        .map(|s| s.state.lock().run_id.clone())
        .unwrap_or_default();
    let since_ok = (now - m.primary.last_ok).max(0);
    vec![
        ("name", m.name.clone()),
        ("ip", m.primary.host.clone()),
        ("port", m.primary.port.to_string()),
        ("runid", run_id),
        ("flags", flags),
        ("link-pending-commands", "0".into()),
        ("link-refcount", "1".into()),
        ("last-ping-sent", "0".into()),
        ("last-ok-ping-reply", since_ok.to_string()),
        ("last-ping-reply", since_ok.to_string()),
        ("down-after-milliseconds", m.down_after_ms.to_string()),
        ("info-refresh", "0".into()),
        ("role-reported", "master".into()),
        ("role-reported-time", "0".into()),
        ("config-epoch", m.config_epoch.to_string()),
        ("num-slaves", m.replicas.len().to_string()),
        ("num-other-sentinels", "0".into()),
        ("quorum", m.quorum.to_string()),
        ("failover-timeout", m.failover_timeout_ms.to_string()),
        ("parallel-syncs", "1".into()),
    ]
}

fn replica_fields(r: &Node, m: &Master, now: i64) -> Vec<(&'static str, String)> {
    let server = r.reachable();
    let (run_id, offset, link_up) = server.as_ref().map_or((String::new(), 0, false), |s| {
        let state = s.state.lock();
        let up = state
            .repl
            .upstream()
            .is_some_and(|u| u.link == crate::state::repl::LinkState::Connected);
        (state.run_id.clone(), state.repl.offset, up)
    });
    let flags = if server.is_some() {
        "slave"
    } else {
        "slave,s_down,disconnected"
    };
    vec![
        ("name", format!("{}:{}", r.host, r.port)),
        ("ip", r.host.clone()),
        ("port", r.port.to_string()),
        ("runid", run_id),
        ("flags", flags.into()),
        ("link-pending-commands", "0".into()),
        ("link-refcount", "1".into()),
        ("last-ping-sent", "0".into()),
        ("last-ok-ping-reply", (now - r.last_ok).max(0).to_string()),
        ("last-ping-reply", (now - r.last_ok).max(0).to_string()),
        ("down-after-milliseconds", m.down_after_ms.to_string()),
        ("info-refresh", "0".into()),
        ("role-reported", "slave".into()),
        ("role-reported-time", "0".into()),
        ("master-link-down-time", "0".into()),
        (
            "master-link-status",
            if link_up { "ok" } else { "err" }.into(),
        ),
        ("master-host", m.primary.host.clone()),
        ("master-port", m.primary.port.to_string()),
        ("slave-priority", "100".into()),
        ("slave-repl-offset", offset.to_string()),
        ("replica-announced", "1".into()),
    ]
}

fn no_such_master(out: &mut Out) {
    out.error("ERR No such master with that name");
}

impl Inner {
    /// Answers a SENTINEL subcommand.
    pub(super) fn sentinel(&self, args: &[Bytes], out: &mut Out) {
        let now = self.now();
        let sub = args.get(1).map_or(&b""[..], |a| &a[..]);
        let name = args.get(2).map(|a| String::from_utf8_lossy(a).into_owned());
        let with_master = |out: &mut Out, f: &dyn Fn(&Master, &mut Out)| {
            let masters = self.masters.lock();
            match name
                .as_deref()
                .and_then(|n| masters.iter().find(|m| m.name == n))
            {
                Some(m) => f(m, out),
                None => no_such_master(out),
            }
        };
        if is(sub, "get-master-addr-by-name") && args.len() == 3 {
            let masters = self.masters.lock();
            match masters.iter().find(|m| Some(&m.name) == name.as_ref()) {
                Some(m) => {
                    out.array(2);
                    out.bulk(m.primary.host.as_bytes());
                    out.bulk(m.primary.port.to_string().as_bytes());
                }
                None => out.null_array(),
            }
        } else if is(sub, "masters") && args.len() == 2 {
            let masters = self.masters.lock();
            out.array(masters.len());
            for m in masters.iter() {
                fields(out, &master_fields(m, now));
            }
        } else if is(sub, "master") && args.len() == 3 {
            with_master(out, &|m, out| fields(out, &master_fields(m, now)));
        } else if (is(sub, "replicas") || is(sub, "slaves")) && args.len() == 3 {
            with_master(out, &|m, out| {
                out.array(m.replicas.len());
                for r in &m.replicas {
                    fields(out, &replica_fields(r, m, now));
                }
            });
        } else if is(sub, "sentinels") && args.len() == 3 {
            with_master(out, &|_, out| out.array(0));
        } else if is(sub, "is-master-down-by-addr") && args.len() == 6 {
            let (ip, port) = (&args[2], &args[3]);
            let masters = self.masters.lock();
            let down = masters.iter().any(|m| {
                m.sdown
                    && m.primary.host.as_bytes() == &ip[..]
                    && m.primary.port.to_string().as_bytes() == &port[..]
            });
            out.array(3);
            out.int(i64::from(down));
            out.bulk(b"*");
            out.int(0);
        } else if is(sub, "failover") && args.len() == 3 {
            let n = name.unwrap_or_default();
            match self.failover(&n) {
                Ok(()) => out.ok(),
                Err(FailoverError::NoSuchMaster) => no_such_master(out),
                Err(FailoverError::NoGoodReplica) => {
                    out.error("NOGOODSLAVE No suitable replica to promote")
                }
            }
        } else if is(sub, "ckquorum") && args.len() == 3 {
            with_master(out, &|m, out| {
                if m.quorum <= 1 {
                    out.simple(
                        "OK 1 usable Sentinels. Quorum and failover authorization can be reached",
                    );
                } else {
                    out.error(&format!(
                        "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master ({} needed)",
                        m.quorum
                    ));
                }
            });
        } else if is(sub, "reset") && args.len() == 3 {
            let pattern = &args[2];
            let mut masters = self.masters.lock();
            let mut n = 0;
            for m in masters.iter_mut() {
                if crate::glob::matches(pattern, m.name.as_bytes(), false) {
                    m.sdown = false;
                    m.odown = false;
                    m.down_since = None;
                    n += 1;
                }
            }
            out.int(n);
        } else if is(sub, "myid") && args.len() == 2 {
            out.bulk(self.run_id.as_bytes());
        } else {
            out.error(&format!(
                "ERR Unknown sentinel subcommand '{}'",
                String::from_utf8_lossy(sub)
            ));
        }
    }

    /// INFO, as a sentinel answers it.
    pub(super) fn info(&self) -> String {
        let masters = self.masters.lock();
        let mut t = format!(
            "# Server\r\nredis_version:{}\r\nredis_mode:sentinel\r\nrun_id:{}\r\n\r\n# Sentinel\r\nsentinel_masters:{}\r\nsentinel_tilt:0\r\nsentinel_tilt_since_seconds:-1\r\nsentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\nsentinel_simulate_failure_flags:0\r\n",
            crate::version::REDIS_VERSION,
            self.run_id,
            masters.len()
        );
        for (i, m) in masters.iter().enumerate() {
            let status = if m.odown {
                "odown"
            } else if m.sdown {
                "sdown"
            } else {
                "ok"
            };
            t.push_str(&format!(
                "master{i}:name={},status={status},address={}:{},slaves={},sentinels=1\r\n",
                m.name,
                m.primary.host,
                m.primary.port,
                m.replicas.len()
            ));
        }
        t
    }

    /// ROLE: `sentinel` and the names it monitors.
    pub(super) fn role(&self, out: &mut Out) {
        let masters = self.masters.lock();
        out.array(2);
        out.bulk(b"sentinel");
        out.array(masters.len());
        for m in masters.iter() {
            out.bulk(m.name.as_bytes());
        }
    }
}
