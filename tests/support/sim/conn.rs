//! [`SimConn`]: a named, reconnecting in-process connection, as a client
//! library's connection manager would be.
//!
//! redsim's in-process connections stay closed once dropped (by a
//! partition, a lost reply, a restart), while a real client reconnects.
//! This wrapper takes a fresh connection from the server and names it with
//! `CLIENT SETNAME` before the next command whenever the previous one was
//! dropped — so partitions by client name keep applying to it.

use std::sync::{Arc, Mutex};

use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};
use redsim::{LocalConnection, Server};

/// A connection from one simulated client to one server, reconnecting
/// (and renaming itself) after a drop. Clones share the connection.
#[derive(Clone)]
pub struct SimConn {
    server: Arc<Server>,
    name: Arc<str>,
    current: Arc<Mutex<Option<LocalConnection>>>,
}

impl SimConn {
    /// A connection named `name` to `server` (connected on first use).
    pub fn new(server: Arc<Server>, name: &str) -> Self {
        SimConn {
            server,
            name: name.into(),
            current: Arc::new(Mutex::new(None)),
        }
    }

    async fn connection(&self) -> RedisResult<LocalConnection> {
        if let Some(c) = self.current.lock().unwrap().clone() {
            return Ok(c);
        }
        let mut c = self.server.connection();
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg(&*self.name)
            .exec_async(&mut c)
            .await?;
        *self.current.lock().unwrap() = Some(c.clone());
        Ok(c)
    }

    fn forget_if_dropped<T>(&self, result: &RedisResult<T>) {
        if let Err(e) = result
            && (e.is_connection_dropped() || e.is_io_error())
        {
            *self.current.lock().unwrap() = None;
        }
    }
}

impl redis::aio::ConnectionLike for SimConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let mut c = self.connection().await?;
            let result = c.req_packed_command(cmd).await;
            self.forget_if_dropped(&result);
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let mut c = self.connection().await?;
            let result = c.req_packed_commands(pipeline, offset, count).await;
            self.forget_if_dropped(&result);
            result
        })
    }

    fn get_db(&self) -> i64 {
        0
    }
}
