//! In-process single-flight: concurrent loads of one key share the first
//! caller's work.
//!
//! The first caller for a key becomes its leader and runs the load inline
//! (so the loader may borrow from the caller: no `'static` needed); the
//! others wait for the leader's outcome on a watch channel. A leader that
//! is cancelled (its future dropped) closes the channel without an
//! outcome, and a waiter takes over as the next leader.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;

/// What a load produced, shareable with every waiter: the encoded value
/// (or `None` for "not found"), or the loader's error, type-erased.
#[derive(Clone)]
pub(crate) enum Outcome {
    Found(Arc<[u8]>),
    NotFound,
    Failed(Arc<dyn Any + Send + Sync>),
}

type Slot = watch::Receiver<Option<Outcome>>;

/// The loads in flight, by key.
#[derive(Default)]
pub(crate) struct Flights {
    map: Mutex<HashMap<String, Slot>>,
}

/// The caller's role for one key.
pub(crate) enum Role<'a> {
    /// Run the load and [`Leader::finish`] with its outcome.
    Leader(Leader<'a>),
    /// Wait for the leader with [`follow`].
    Follower(Slot),
}

/// The leader of a key's load. Dropping it without finishing (a
/// cancelled caller) lets a waiter take over.
pub(crate) struct Leader<'a> {
    flights: &'a Flights,
    key: String,
    tx: watch::Sender<Option<Outcome>>,
}

impl Flights {
    /// Joins the load of `key` in flight, or leads a new one.
    pub(crate) fn join(&self, key: &str) -> Role<'_> {
        let mut map = self.map.lock();
        if let Some(rx) = map.get(key) {
            // A finished or abandoned slot is replaced by a new leader.
            if rx.has_changed().is_ok() && rx.borrow().is_none() {
                return Role::Follower(rx.clone());
            }
        }
        let (tx, rx) = watch::channel(None);
        map.insert(key.to_string(), rx);
        Role::Leader(Leader {
            flights: self,
            key: key.to_string(),
            tx,
        })
    }

    /// How many keys are being loaded now.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.map.lock().len()
    }
}

impl Leader<'_> {
    /// Hands the outcome to every waiter.
    pub(crate) fn finish(self, outcome: Outcome) {
        self.tx.send_replace(Some(outcome));
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let mut map = self.flights.map.lock();
        // Remove our slot (not a successor's that replaced it).
        if map
            .get(&self.key)
            .is_some_and(|rx| rx.same_channel(&self.tx.subscribe()))
        {
            map.remove(&self.key);
        }
    }
}

/// Waits for the leader: its outcome, or `None` if it was cancelled.
pub(crate) async fn follow(mut slot: Slot) -> Option<Outcome> {
    match slot.wait_for(Option::is_some).await {
        Ok(outcome) => outcome.clone(),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_get_the_leaders_outcome_and_the_slot_is_gone_after() {
        let flights = Flights::default();
        let Role::Leader(leader) = flights.join("k") else {
            panic!("first caller leads")
        };
        let Role::Follower(slot) = flights.join("k") else {
            panic!("second caller follows")
        };
        let waiter = tokio::spawn(follow(slot));
        leader.finish(Outcome::NotFound);
        assert!(matches!(waiter.await.unwrap(), Some(Outcome::NotFound)));
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_cancelled_leader_lets_a_follower_take_over() {
        let flights = Flights::default();
        let leader = flights.join("k");
        let Role::Follower(slot) = flights.join("k") else {
            panic!("follows")
        };
        drop(leader);
        assert!(follow(slot).await.is_none());
        assert!(matches!(flights.join("k"), Role::Leader(_)));
    }
}
