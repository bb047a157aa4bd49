//! The server core as the commands' [`Host`].

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use super::Shared;
use crate::cmd::migrate::{Migration, Resume, Transfer, Transferred};
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

    /// On a worker of a multi-thread runtime the worker is handed over
    /// first (`block_in_place`): the transfer blocks it, and a target in
    /// this process may need its tasks to answer.
    fn migrate(&self, transfer: &Transfer) -> Transferred {
        let run = || self.migrate_sockets.transfer(transfer);
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(run)
        } else {
            run()
        }
    }

    /// The transfer is made on the runtime's blocking pool; the command
    /// is finished under the lock, and its reply sent, once it is done.
    fn migrate_detached(
        &self,
        migration: Migration,
        resume: Resume,
    ) -> tokio::sync::oneshot::Receiver<Vec<u8>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let Some(me) = self.me.upgrade() else {
            return rx;
        };
        self.runtime.spawn_blocking(move || {
            let transferred = me.migrate_sockets.transfer(&migration.transfer);
            let now_us = me.clock.now_micros();
            let mut state = me.state.lock();
            me.sync_arrivals(&mut state);
            let reply = crate::cmd::exec::finish_detached(
                &mut state,
                &*me,
                now_us,
                (resume.id, migration.db, resume.resp),
                resume.user.clone(),
                &resume.args,
                |ctx| crate::cmd::migrate::finish(ctx, &migration, transferred),
            );
            drop(state);
            let _ = tx.send(reply);
        });
        rx
    }

    fn downgrade(&self) -> Weak<dyn Host> {
        self.me.clone()
    }
}
