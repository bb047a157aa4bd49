//! The byte pipe a replica's link talks to its primary through: a TCP
//! socket, or — for a primary in this process — a session opened on the
//! primary directly, whose replies and outbox stand for the socket's
//! other end. The link speaks the same protocol over both.

use std::io;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::conn::{Peer, Session, Step};
use crate::protocol::{Limits, Out, RequestDecoder};
use crate::shared::Shared;
use crate::state::{KillSwitch, Outbox};

/// One end of a replication link.
pub enum Wire {
    /// Over TCP.
    Tcp(TcpStream),
    /// A session on a primary of this process.
    Local(Box<LocalWire>),
}

/// A replica's session on a primary of this process.
pub struct LocalWire {
    session: Session,
    out: Out,
    decoder: RequestDecoder,
    replies: Vec<u8>,
    outbox: Arc<Outbox>,
    kill: Arc<KillSwitch>,
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "the primary closed the link",
    )
}

impl Wire {
    /// Connects to `host:port` over TCP.
    pub async fn tcp(host: &str, port: u16) -> io::Result<Wire> {
        let stream = TcpStream::connect((host, port)).await?;
        let _ = stream.set_nodelay(true);
        Ok(Wire::Tcp(stream))
    }

    /// Opens a session on `primary`, which must be on.
    pub fn local(primary: &Arc<Shared>) -> io::Result<Wire> {
        if primary.is_closed() || primary.faults.is_off() {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "the primary is off",
            ));
        }
        let session = Session::open(primary, Peer::Local);
        Ok(Wire::Local(Box::new(LocalWire {
            outbox: Arc::clone(&session.outbox),
            kill: Arc::clone(&session.kill),
            session,
            out: Out::default(),
            decoder: RequestDecoder::new(),
            replies: Vec::new(),
        })))
    }

    /// Sends requests.
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Wire::Tcp(s) => s.write_all(bytes).await,
            Wire::Local(l) => l.send(bytes).await,
        }
    }

    /// Reads what arrived into `buf`; 0 when the other end closed.
    pub async fn recv(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        match self {
            Wire::Tcp(s) => s.read_buf(buf).await,
            Wire::Local(l) => l.recv(buf).await,
        }
    }
}

impl LocalWire {
    async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.kill.is_killed() {
            return Err(gone());
        }
        let mut input = BytesMut::from(bytes);
        let limits = Limits::default();
        while let Some(args) = self
            .decoder
            .decode(&mut input, &limits)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.0))?
        {
            let mut step = self.session.execute(args, &mut self.out);
            loop {
                match step {
                    Step::Continue => break,
                    Step::Close | Step::Drop => {
                        self.replies.extend_from_slice(self.out.as_bytes());
                        self.out.clear();
                        self.kill.kill();
                        return Ok(());
                    }
                    Step::Blocked(rx) => {
                        let reply = rx.await.map_err(|_| gone())?;
                        if let Some(reply) = self.session.unblocked(reply) {
                            self.out.raw(&reply);
                        }
                        break;
                    }
                    Step::Wait(mut wait) => {
                        if !wait.until.done().await {
                            return Err(gone());
                        }
                        step = self.session.resume(wait.resume, &mut self.out);
                    }
                }
            }
            self.replies.extend_from_slice(self.out.as_bytes());
            self.out.clear();
        }
        Ok(())
    }

    async fn recv(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        loop {
            if !self.replies.is_empty() {
                let n = self.replies.len();
                buf.extend_from_slice(&self.replies);
                self.replies.clear();
                return Ok(n);
            }
            let pending = self.outbox.take();
            if !pending.is_empty() {
                buf.extend_from_slice(&pending);
                return Ok(pending.len());
            }
            if self.kill.is_killed() {
                return Ok(0);
            }
            tokio::select! {
                () = self.outbox.ready() => {}
                () = self.kill.killed() => {}
            }
        }
    }
}
