//! The server core as the commands' [`Host`].

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use super::Shared;
use crate::cmd::{Host, NetCounters, PauseMode};
use crate::config::Config;
use crate::script::Running;
use crate::state::{ClientId, State};

impl Host for Shared {
    fn shutdown(&self) {
        Shared::shutdown(self);
    }

    fn config_changed(&self, config: &Config) {
        self.mirror.refresh(config);
    }

    fn auth_changed(&self, required: bool) {
        self.mirror.auth_required.store(required, Ordering::Relaxed);
    }

    fn pause_clients(&self, mode: PauseMode, end: i64, now: i64) {
        self.faults.pause_clients(mode, end, now);
    }

    fn unpause_clients(&self) {
        self.faults.unpause_clients();
    }

    fn clients_paused(&self, now: i64) -> bool {
        self.faults.client_paused(now)
    }

    fn paused_clients(&self) -> usize {
        self.faults.paused_clients()
    }

    fn is_paused(&self, client: ClientId) -> bool {
        self.faults.is_paused(client)
    }

    fn net_counters(&self) -> NetCounters {
        NetCounters {
            input: self.net_input.load(Ordering::Relaxed),
            output: self.net_output.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
        }
    }

    fn script_started(&self, running: Arc<Running>) {
        *self.running_script.lock() = Some(running);
    }

    fn script_ended(&self) {
        *self.running_script.lock() = None;
    }

    fn deadlines_changed(&self, state: &State) {
        self.ticker.notify_one();
        self.refresh_wake(state);
    }

    fn refresh_wake(&self, state: &State) {
        Shared::refresh_wake(self, state);
    }

    fn serve_while_busy(&self, state: &mut State) {
        Shared::serve_while_busy(self, state);
    }

    fn replication_changed(&self) {
        Shared::replication_changed(self);
    }

    fn downgrade(&self) -> Weak<dyn Host> {
        self.me.clone()
    }
}
