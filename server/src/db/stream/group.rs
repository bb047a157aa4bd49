//! Consumer groups of a stream: the group's last delivered ID and read
//! counter, its pending entries list (PEL: delivered, not yet
//! acknowledged), and its consumers, each with its own share of the PEL.
//!
//! Groups and consumers are kept in byte order of their names, the order
//! Redis's radix trees list them in. Times are server-clock milliseconds.

use std::collections::{BTreeMap, BTreeSet};

use super::StreamId;
use crate::db::Blob;

/// A pending entry: delivered to a consumer and not acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    /// The consumer that owns it.
    pub consumer: Blob,
    /// When it was last delivered (server-clock ms).
    pub delivery_time: i64,
    /// How many times it was delivered.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default)]
pub struct Consumer {
    /// When it last read or claimed (server-clock ms).
    pub seen_time: i64,
    /// The IDs of the pending entries it owns.
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Clone, Debug, Default)]
pub struct Group {
    /// The last ID delivered to the group's consumers.
    pub last_id: StreamId,
    /// The group's logical read counter, `None` when it is unknown.
    pub entries_read: Option<i64>,
    /// The pending entries, by ID.
    pub pel: BTreeMap<StreamId, Nack>,
    /// The consumers, by name.
    pub consumers: BTreeMap<Blob, Consumer>,
}

impl Group {
    /// A group that starts after `last_id`, with read counter `entries_read`.
    pub fn new(last_id: StreamId, entries_read: Option<i64>) -> Group {
        Group {
            last_id,
            entries_read,
            ..Group::default()
        }
    }

    /// The consumer `name`, created (seen now) if missing; true if created.
    pub fn consumer_or_create(&mut self, name: &[u8], now: i64) -> (&mut Consumer, bool) {
        let created = !self.consumers.contains_key(name);
        let consumer = self
            .consumers
            .entry(Blob::new(name))
            .or_insert_with(|| Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            });
        (consumer, created)
    }

    /// Acknowledges `id`: removes it from the PEL and its consumer's. True
    /// if it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else {
            return false;
        };
        if let Some(c) = self.consumers.get_mut(&nack.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Gives the pending entry `id` (which must be pending) to `consumer`.
    pub fn assign(&mut self, id: StreamId, consumer: &[u8]) {
        let Some(nack) = self.pel.get_mut(&id) else {
            return;
        };
        if nack.consumer.as_slice() != consumer {
            if let Some(old) = self.consumers.get_mut(&nack.consumer) {
                old.pel.remove(&id);
            }
            nack.consumer = Blob::new(consumer);
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Deletes consumer `name` and its pending entries; the number it had
    /// pending, or `None` if there was no such consumer.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let consumer = self.consumers.remove(name)?;
        for id in &consumer.pel {
            self.pel.remove(id);
        }
        Some(consumer.pel.len())
    }
}
