//! What a sentinel does with time: looks at its servers, marks a primary
//! down, fails over, and brings the old primary back as a replica.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{FailoverError, Inner, Master, Node};
use crate::shared::Shared;

/// For clocks that move by themselves: looks every 100 ms of real time.
pub(super) async fn ticker(inner: Weak<Inner>) {
    loop {
        let Some(i) = inner.upgrade() else {
            return;
        };
        if i.is_closed.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        i.check();
        drop(i);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A replica's replication offset, if it is one and reachable.
fn replica_offset(node: &Node) -> Option<(Arc<Shared>, i64)> {
    let server = node.reachable()?;
    let offset = {
        let state = server.state.lock();
        if state.repl.is_primary() {
            return None;
        }
        state.repl.offset
    };
    Some((server, offset))
}

fn follow(server: &Shared, to: &Node) {
    let now = server.clock.now_millis();
    let mut state = server.state.lock();
    server.sync_arrivals(&mut state);
    let already = state
        .repl
        .upstream()
        .is_some_and(|u| u.host == to.host && u.port == to.port);
    if !already {
        crate::cmd::repl::follow(&mut state, server, to.host.clone(), to.port, true, now);
    }
}

impl Inner {
    /// Looks at every monitored primary.
    pub(super) fn check(&self) {
        let now = self.now();
        let names: Vec<String> = self.masters.lock().iter().map(|m| m.name.clone()).collect();
        for name in names {
            let failover = {
                let mut masters = self.masters.lock();
                let Some(m) = masters.iter_mut().find(|m| m.name == name) else {
                    continue;
                };
                self.observe(m, now)
            };
            if failover {
                let _ = self.failover(&name);
            }
        }
    }

    /// Updates what is known of `m` at `now`; true when it must fail over.
    fn observe(&self, m: &mut Master, now: i64) -> bool {
        for r in &mut m.replicas {
            if r.reachable().is_some() {
                r.last_ok = now;
            }
        }
        let addr = format!("master {} {} {}", m.name, m.primary.host, m.primary.port);
        match m.primary.reachable() {
            Some(primary) => {
                m.primary.last_ok = now;
                m.down_since = None;
                if m.sdown {
                    m.sdown = false;
                    self.publish("-sdown", addr.clone());
                }
                if m.odown {
                    m.odown = false;
                    self.publish("-odown", addr);
                }
                // Replicas that came back (an old primary among them) are
                // pointed at the primary.
                for r in &m.replicas {
                    if let Some(server) = r.reachable() {
                        let is_primary = server.state.lock().repl.is_primary();
                        if is_primary {
                            follow(&server, &m.primary);
                            let text = format!(
                                "slave {}:{} {} {} @ {} {} {}",
                                r.host,
                                r.port,
                                r.host,
                                r.port,
                                m.name,
                                m.primary.host,
                                m.primary.port
                            );
                            self.publish("+convert-to-slave", text);
                        }
                    }
                }
                drop(primary);
                false
            }
            None => {
                let since = *m.down_since.get_or_insert(m.primary.last_ok);
                if now - since <= m.down_after_ms {
                    return false;
                }
                if !m.sdown {
                    m.sdown = true;
                    self.publish("+sdown", addr.clone());
                }
                if !m.odown && m.quorum <= 1 {
                    m.odown = true;
                    self.publish("+odown", format!("{addr} #quorum 1/{}", m.quorum));
                    return true;
                }
                false
            }
        }
    }

    /// Fails `name` over now.
    pub(super) fn failover(&self, name: &str) -> Result<(), FailoverError> {
        let mut masters = self.masters.lock();
        let m = masters
            .iter_mut()
            .find(|m| m.name == name)
            .ok_or(FailoverError::NoSuchMaster)?;
        // The replica that has seen the most of the stream; ties go to
        // the first listed.
        let mut best: Option<(usize, Arc<Shared>, i64)> = None;
        for (i, r) in m.replicas.iter().enumerate() {
            if let Some((server, offset)) = replica_offset(r)
                && best.as_ref().is_none_or(|(_, _, o)| offset > *o)
            {
                best = Some((i, server, offset));
            }
        }
        let Some((i, chosen, _)) = best else {
            return Err(FailoverError::NoGoodReplica);
        };
        m.config_epoch += 1;
        m.failovers += 1;
        let old = m.primary.clone();
        let addr = |n: &Node| format!("{} {}", n.host, n.port);
        self.publish("+try-failover", format!("master {} {}", m.name, addr(&old)));
        {
            let now = chosen.clock.now_millis();
            let mut state = chosen.state.lock();
            chosen.sync_arrivals(&mut state);
            crate::cmd::repl::promote(&mut state, &*chosen, now);
        }
        let new = m.replicas.remove(i);
        self.publish(
            "+selected-slave",
            format!(
                "slave {}:{} {} @ {} {}",
                new.host,
                new.port,
                addr(&new),
                m.name,
                addr(&old)
            ),
        );
        m.primary = new.clone();
        m.replicas.push(old.clone());
        for r in &m.replicas {
            if let Some(server) = r.reachable() {
                follow(&server, &new);
            }
        }
        m.down_since = None;
        m.sdown = false;
        m.odown = false;
        self.publish(
            "+switch-master",
            format!("{} {} {}", m.name, addr(&old), addr(&new)),
        );
        self.publish("+failover-end", format!("master {} {}", m.name, addr(&old)));
        Ok(())
    }
}
