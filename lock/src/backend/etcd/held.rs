//! The held etcd lock: what its guard renews, releases and watches.

use super::*;

/// One acquisition: its lease, owner key and keep-alive stream.
pub(super) struct Held {
    pub(super) client: Client,
    pub(super) name: String,
    pub(super) options: LockOptions,
    pub(super) key: String,
    pub(super) lease: i64,
    /// The keep-alive stream, opened by the first keep-alive. Taken out
    /// while in use: a keep-alive cancelled half-way drops it, so that a
    /// late answer is never read as the next one's.
    pub(super) keeper: tokio::sync::Mutex<Option<(LeaseKeeper, LeaseKeepAliveStream)>>,
    pub(super) gone: Mutex<LostReason>,
}

impl Held {
    pub(super) fn guard(self: &Arc<Self>, revision: i64, valid_until: Instant) -> Guard {
        let token: Arc<str> = self.key.as_str().into();
        let fence = u64::try_from(revision).ok();
        Guard::new(Arc::clone(self) as Arc<dyn Ops>, token, fence, valid_until)
    }

    /// One keep-alive round trip: whether the lease is still alive.
    pub(super) async fn keep_alive(&self) -> Result<bool, etcd_client::Error> {
        let mut slot = self.keeper.lock().await;
        let Some((mut keeper, mut stream)) = slot.take() else {
            // Opening the stream sends the first keep-alive and reads its
            // answer; a lease that is gone fails it.
            return match self.client.lease_client().keep_alive(self.lease).await {
                Ok(pair) => {
                    *slot = Some(pair);
                    Ok(true)
                }
                Err(etcd_client::Error::LeaseKeepAliveError(_)) => Ok(false),
                Err(e) => Err(e),
            };
        };
        keeper.keep_alive().await?;
        match stream.message().await? {
            Some(resp) => {
                let alive = resp.ttl() > 0;
                if alive {
                    *slot = Some((keeper, stream));
                }
                Ok(alive)
            }
            None => Err(etcd_client::Error::LeaseKeepAliveError(
                "the keep-alive stream ended".into(),
            )),
        }
    }

    /// Whether the owner key is still there, on this lease.
    async fn key_is_ours(&self) -> Result<bool, etcd_client::Error> {
        let resp = self
            .client
            .clone()
            .get(self.key.as_str(), Some(GetOptions::new().with_keys_only()))
            .await?;
        Ok(resp
            .kvs()
            .first()
            .is_some_and(|kv| kv.lease() == self.lease))
    }

    fn service(&self, e: etcd_client::Error) -> LockError {
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
            let (alive, ours) = tokio::join!(self.keep_alive(), self.key_is_ours());
            let alive = alive.map_err(|e| self.service(e))?;
            if !alive {
                *self.gone.lock() = LostReason::SessionExpired;
                return Ok(false);
            }
            let ours = ours.map_err(|e| self.service(e))?;
            if !ours {
                *self.gone.lock() = LostReason::NotOwner;
            }
            Ok(ours)
        })
    }

    fn release<'a>(
        &'a self,
        _token: &'a str,
        _request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        // Revoking is idempotent: a second revoke finds no lease.
        Box::pin(async move {
            match self.client.clone().lease_revoke(self.lease).await {
                Ok(_) => Ok(true),
                Err(etcd_client::Error::GRpcStatus(s)) if s.code() == tonic::Code::NotFound => {
                    *self.gone.lock() = LostReason::SessionExpired;
                    Ok(false)
                }
                Err(e) => Err(self.service(e)),
            }
        })
    }

    fn gone_reason(&self) -> LostReason {
        *self.gone.lock()
    }
}
