//! The held zookeeper lock: what its guard renews, releases and watches.

use super::*;

/// One acquisition: its claim node.
pub(super) struct Held {
    pub(super) client: Client,
    pub(super) name: String,
    pub(super) options: LockOptions,
    pub(super) path: String,
    pub(super) gone: Mutex<LostReason>,
}

impl Held {
    fn service(&self, e: zookeeper_client::Error) -> LockError {
        crate::backend::service_error(&self.name, SERVICE, e)
    }

    fn gone(&self, reason: LostReason) -> Result<bool, LockError> {
        *self.gone.lock() = reason;
        Ok(false)
    }

    fn reason_for_missing_node(&self) -> LostReason {
        match self.client.state() {
            SessionState::Expired | SessionState::Closed | SessionState::AuthFailed => {
                LostReason::SessionExpired
            }
            _ => LostReason::NotOwner,
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

    fn valid_until(&self, sent: Instant) -> Instant {
        // Never longer than the session: ZooKeeper may end it that long
        // after it last heard from us.
        let window = self.options.ttl.min(self.client.session_timeout());
        sent + window.saturating_sub(self.options.drift())
    }

    fn extend<'a>(&'a self, _token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            match self.client.check_stat(&self.path).await {
                Ok(Some(stat)) if stat.ephemeral_owner == self.client.session_id().0 => Ok(true),
                Ok(_) => self.gone(self.reason_for_missing_node()),
                Err(e) if session_ended(&e) => self.gone(LostReason::SessionExpired),
                Err(e) => Err(self.service(e)),
            }
        })
    }

    fn release<'a>(
        &'a self,
        _token: &'a str,
        _request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut resent = false;
            loop {
                match self.client.delete(&self.path, None).await {
                    Ok(()) => return Ok(true),
                    // After a lost answer, no node means the first worked.
                    Err(zookeeper_client::Error::NoNode) if resent => return Ok(true),
                    Err(zookeeper_client::Error::NoNode) => {
                        return self.gone(self.reason_for_missing_node());
                    }
                    Err(e) if session_ended(&e) => return self.gone(LostReason::SessionExpired),
                    Err(zookeeper_client::Error::ConnectionLoss) => {
                        // The client reconnects within the session; the
                        // guard's release timeout bounds this loop.
                        resent = true;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(e) => return Err(self.service(e)),
                }
            }
        })
    }

    fn gone_reason(&self) -> LostReason {
        *self.gone.lock()
    }
}
