//! The held postgres lock: what its guard renews, releases and watches.

use super::*;

/// One acquisition: its session.
pub(super) struct Held {
    /// Taken out while in use: a request cancelled half-way leaves it
    /// out, and it is closed (dropping the client ends the connection),
    /// which frees the lock.
    pub(super) session: tokio::sync::Mutex<Option<Session>>,
    pub(super) sessions: PgSessions,
    pub(super) closed: Arc<Closed>,
    pub(super) name: String,
    pub(super) key: i64,
    pub(super) options: LockOptions,
    pub(super) gone: Mutex<LostReason>,
}

impl Held {
    fn gone(&self, reason: LostReason) -> Result<bool, LockError> {
        *self.gone.lock() = reason;
        Ok(false)
    }

    fn service(&self, e: tokio_postgres::Error) -> LockError {
        crate::backend::service_error(&self.name, SERVICE, e)
    }

    /// Runs `sql` on the session: the first column of its first row.
    async fn ask<F>(&self, sql: String, keep: F) -> Result<Option<String>, LockError>
    where
        F: FnOnce(Option<&str>) -> bool,
    {
        let mut slot = self.session.lock().await;
        let Some(session) = slot.take() else {
            return Err(LockError::Lost {
                name: self.name.clone(),
                reason: LostReason::ConnectionLost,
            });
        };
        let answer = session.client.simple_query(&sql).await;
        match answer {
            Ok(messages) => {
                let first = messages.iter().find_map(|m| match m {
                    SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
                    _ => None,
                });
                let first = first.flatten();
                if keep(first.as_deref()) {
                    *slot = Some(session);
                }
                Ok(first)
            }
            Err(e) if session_gone(&e) || self.closed.is_set() => Err(LockError::Lost {
                name: self.name.clone(),
                reason: LostReason::ConnectionLost,
            }),
            Err(e) => {
                *slot = Some(session);
                Err(self.service(e))
            }
        }
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
            let key = self.key;
            let (hi, lo) = ((key >> 32) as u32, key as u32);
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
                 AND pid = pg_backend_pid() AND granted AND classid = '{hi}'::oid \
                 AND objid = '{lo}'::oid AND objsubid = 1)"
            );
            match self.ask(sql, |_| true).await {
                Ok(Some(t)) if t == "t" => Ok(true),
                Ok(_) => self.gone(LostReason::NotOwner),
                Err(LockError::Lost { reason, .. }) => self.gone(reason),
                Err(e) => Err(e),
            }
        })
    }

    fn release<'a>(
        &'a self,
        _token: &'a str,
        _request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let sql = format!("SELECT pg_advisory_unlock({})", self.key);
            // Kept (for the idle sessions) only once it holds nothing.
            let released = self.ask(sql, |answer| answer == Some("t")).await;
            match released {
                Ok(Some(t)) if t == "t" => {
                    if let Some(session) = self.session.lock().await.take() {
                        self.sessions.give_back(session);
                    }
                    Ok(true)
                }
                Ok(_) => self.gone(LostReason::NotOwner),
                Err(LockError::Lost { reason, .. }) => self.gone(reason),
                Err(e) => Err(e),
            }
        })
    }

    fn gone_reason(&self) -> LostReason {
        if self.closed.is_set() {
            return LostReason::ConnectionLost;
        }
        *self.gone.lock()
    }
}
