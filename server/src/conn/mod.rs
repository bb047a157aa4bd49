//! Connections: the per-client session and the two transports.
//!
//! [`Session`] runs requests; [`tcp`] feeds it from sockets and
//! [`LocalConnection`] from the `redis` crate in the same process; `gate`
//! applies the fault layer's verdicts to both alike.

mod gate;
mod local;
mod session;
pub(crate) use session::PANICS_CAUGHT;
pub mod tcp;

pub use gate::Wait;
pub use local::LocalConnection;
pub use session::{Held, Multi, Peer, Session, Step, call};
