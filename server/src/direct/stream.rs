//! Streams through the direct API: [`StreamEntry`] (an entry as the test
//! reads it), [`StreamGroup`] and [`PendingEntry`] (a consumer group and
//! its pending entries), and the [`Database`] methods that seed a stream
//! and its groups, read them back and assert on what is pending.

use bytes::Bytes;

use crate::db::Blob;
pub use crate::db::stream::StreamId;

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
