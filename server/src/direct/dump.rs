//! Payloads: a key's value in Redis's DUMP format, read without a trace
//! and written back by a real RESTORE. A payload taken from a real Redis
//! (`DUMP` there) seeds redsim with exactly that value, and one taken here
//! restores in a real Redis.

use std::time::Duration;

use bytes::Bytes;

use super::{Database, DirectError};
use crate::db::rdb::{self, DumpOptions};

impl Database {
    /// The DUMP payload of `key` (Redis 7.0's format, under the server's
    /// `rdbcompression` and list settings), `None` if there is no such
    /// key. Like every direct read it changes nothing: the access time is
    /// not touched.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("k", "hello").unwrap();
    /// // The bytes Redis 7.0's DUMP gives for the same string.
    /// assert_eq!(
    ///     db.dump("k").unwrap(),
    ///     &b"\x00\x05hello\x0a\x00cr\xdfve4 \x0a"[..]
    /// );
    /// assert_eq!(db.dump("nothing"), None);
    /// ```
    pub fn dump(&self, key: impl AsRef<[u8]>) -> Option<Bytes> {
        let state = self.shared.state.lock();
        let now = self.shared.clock.now_millis();
        let options = DumpOptions::of(&state.config);
        let entry = state.dbs[self.index].get(key.as_ref(), now)?;
        Some(Bytes::from(rdb::dump(&entry.value, &options)))
    }

    /// Creates `key` from a DUMP `payload` (from redsim or from a real
    /// Redis), replacing whatever it held, expiring after `ttl` on the
    /// server clock if given: `RESTORE key ms payload REPLACE`.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.rpush("l", ["a", "b"]).unwrap();
    /// let payload = db.dump("l").unwrap();
    /// db.restore("copy", &payload, None).unwrap();
    /// db.assert_list("copy", ["a", "b"]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::Refused`] with Redis's text for a damaged payload
    /// (`ERR DUMP payload version or checksum are wrong`, `ERR Bad data
    /// format`).
    pub fn restore(
        &self,
        key: impl AsRef<[u8]>,
        payload: impl AsRef<[u8]>,
        ttl: Option<Duration>,
    ) -> Result<(), DirectError> {
        // A TTL under a millisecond still expires: 0 would mean none.
        let ms = ttl.map_or(0, |d| {
            i64::try_from(d.as_millis()).unwrap_or(i64::MAX).max(1)
        });
        let ms = ms.to_string();
        self.run(
            None,
            &[
                b"RESTORE",
                key.as_ref(),
                ms.as_bytes(),
                payload.as_ref(),
                b"REPLACE",
            ],
        )
        .map(drop)
    }
}
