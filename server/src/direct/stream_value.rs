//! The stream values the direct API hands out: [`StreamEntry`] (an entry
//! as the test reads it), [`StreamGroup`] and [`PendingEntry`] (a consumer
//! group and its pending entries), and [`StreamId`]. Plain owned data,
//! detached from the server; `stream` builds them from its data.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::db::Blob;
use crate::db::stream::Stream;
use crate::db::stream::group::Group;
pub use crate::db::stream::{ParseStreamIdError, StreamId};

/// One stream entry: its ID and its field-value pairs, in the order they
/// were added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry's ID.
    pub id: StreamId,
    /// The fields and values.
    pub fields: Vec<(Bytes, Bytes)>,
}

impl StreamEntry {
    /// An entry from its ID and field-value pairs.
    ///
    /// ```
    /// use redsim::direct::{StreamEntry, StreamId};
    ///
    /// let e = StreamEntry::new(StreamId::new(1, 0), [("temp", "21")]);
    /// assert_eq!(e.fields[0].1.as_ref(), b"21");
    /// ```
    pub fn new<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        id: StreamId,
        fields: impl IntoIterator<Item = (F, V)>,
    ) -> StreamEntry {
        StreamEntry {
            id,
            fields: fields
                .into_iter()
                .map(|(f, v)| {
                    (
                        Bytes::copy_from_slice(f.as_ref()),
                        Bytes::copy_from_slice(v.as_ref()),
                    )
                })
                .collect(),
        }
    }

    /// An entry from the stored pairs (fields and values alternating).
    pub(crate) fn of(id: StreamId, pairs: &[Blob]) -> StreamEntry {
        StreamEntry {
            id,
            fields: pairs
                .chunks(2)
                .map(|p| (Bytes::copy_from_slice(&p[0]), Bytes::copy_from_slice(&p[1])))
                .collect(),
        }
    }
}

/// A pending entry of a consumer group: delivered, not yet acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    /// The entry's ID.
    pub id: StreamId,
    /// The consumer it was delivered to.
    pub consumer: Bytes,
    /// When it was last delivered, on the server clock.
    pub delivered_at: SystemTime,
    /// How many times it was delivered.
    pub deliveries: u64,
}

/// A consumer group of a stream, as `XINFO GROUPS` and `XPENDING` see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamGroup {
    /// The group's name.
    pub name: Bytes,
    /// The last ID delivered to its consumers.
    pub last_delivered: StreamId,
    /// Its logical read counter, `None` where Redis cannot know it.
    pub entries_read: Option<i64>,
    /// Entries not yet delivered to it, `None` where Redis cannot know it.
    pub lag: Option<i64>,
    /// Its consumers' names, in byte order.
    pub consumers: Vec<Bytes>,
    /// Its pending entries, by ID.
    pub pending: Vec<PendingEntry>,
}

/// The instant of Unix millisecond `ms`.
fn instant(ms: i64) -> SystemTime {
    let offset = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH + offset
    } else {
        UNIX_EPOCH - offset
    }
}

impl StreamGroup {
    /// The group `name` of `s`, copied out.
    pub(crate) fn of(s: &Stream, name: &Blob, g: &Group) -> StreamGroup {
        StreamGroup {
            name: Bytes::copy_from_slice(name),
            last_delivered: g.last_id,
            entries_read: g.entries_read,
            lag: s.lag(g),
            consumers: g
                .consumers
                .keys()
                .map(|c| Bytes::copy_from_slice(c))
                .collect(),
            pending: g
                .pel
                .iter()
                .map(|(id, n)| PendingEntry {
                    id: *id,
                    consumer: Bytes::copy_from_slice(&n.consumer),
                    delivered_at: instant(n.delivery_time),
                    deliveries: n.delivery_count,
                })
                .collect(),
        }
    }
}
