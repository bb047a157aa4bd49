//! Connections: the per-client session and the two transports.
//!
//! [`Session`] runs requests; [`tcp`] feeds it from sockets and
//! [`LocalConnection`] from the `redis` crate in the same process; `gate`
//! applies the fault layer's verdicts to both alike. Around the session:
//! `client` (registering it with the server), `busy` (the way to the
//! state lock, and what a busy script leaves answerable) and `call` (one
//! command's handler, timed and panic-guarded).

mod busy;
mod call;
mod client;
mod gate;
mod local;
mod session;
pub(crate) use call::PANICS_CAUGHT;
pub mod tcp;

pub use call::call;
pub use gate::Wait;
pub use local::LocalConnection;
pub use session::{Held, Multi, Peer, Session, Step};
