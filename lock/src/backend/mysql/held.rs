//! The held mysql lock: what its guard renews, releases and watches.

use super::*;

/// One acquisition: its dedicated connection.
pub(super) struct Held {
    /// Taken out while in use: a query cancelled half-way drops (closes)
    /// it, and the lock with it.
    pub(super) conn: tokio::sync::Mutex<Option<LockConn>>,
    pub(super) name: String,
    pub(super) literal: String,
    pub(super) options: LockOptions,
    pub(super) gone: Mutex<LostReason>,
}

impl Held {
    fn gone(&self, reason: LostReason) -> Result<bool, LockError> {
        *self.gone.lock() = reason;
        Ok(false)
    }

    fn service(&self, e: mysql_async::Error) -> LockError {
        crate::backend::service_error(&self.name, SERVICE, e)
    }
}

impl Ops for Held {
    fn name(&self) -> &str {
        &self.name
    }

    fn options(&self) -> &LockOptions {
        &self.options
    }

    fn extend<'a>(&'a self, _token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut slot = self.conn.lock().await;
            let Some(mut conn) = slot.take() else {
                return self.gone(LostReason::ConnectionLost);
            };
            let sql = format!("SELECT IS_USED_LOCK({}) = CONNECTION_ID()", self.literal);
            match conn.get().query_first::<Option<i64>, _>(sql).await {
                Ok(row) => {
                    *slot = Some(conn);
                    if row.flatten() == Some(1) {
                        Ok(true)
                    } else {
                        self.gone(LostReason::NotOwner)
                    }
                }
                Err(e) if connection_dead(&e) => self.gone(LostReason::ConnectionLost),
                Err(e) => {
                    *slot = Some(conn);
                    Err(self.service(e))
                }
            }
        })
    }

    fn release<'a>(
        &'a self,
        _token: &'a str,
        _request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut slot = self.conn.lock().await;
            let Some(mut conn) = slot.take() else {
                // Closed already (which released it), or never ours again.
                return Ok(false);
            };
            let sql = format!("SELECT RELEASE_LOCK({})", self.literal);
            match conn.get().query_first::<Option<i64>, _>(sql).await {
                Ok(row) if row.flatten() == Some(1) => {
                    conn.into_pool();
                    Ok(true)
                }
                // Held by another connection, or by nobody: closing this
                // one (on drop) cannot hurt.
                Ok(_) => self.gone(LostReason::NotOwner),
                Err(e) if connection_dead(&e) => self.gone(LostReason::ConnectionLost),
                // Unknown: closing the connection (on drop) releases it.
                Err(e) => Err(self.service(e)),
            }
        })
    }

    fn gone_reason(&self) -> LostReason {
        *self.gone.lock()
    }
}
