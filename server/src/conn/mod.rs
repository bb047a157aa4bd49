//! Connections: the per-client session and the two transports.
//!
//! [`Session`] hands requests to the executor; [`tcp`] feeds it from
//! sockets and [`LocalConnection`] from the `redis` crate in the same
//! process; `gate` is the fault layer as the executor's gate, and turns
//! its verdicts into the steps both transports follow alike. Around the
//! session: `registration` (registering it with the server) and `busy`
//! (the way to the state lock, and what a busy script leaves answerable).

pub mod bus;
mod busy;
mod gate;
mod local;
mod registration;
mod session;
pub mod tcp;

pub use gate::Wait;
pub use local::LocalConnection;
pub use session::{Held, Peer, Session, Step};
