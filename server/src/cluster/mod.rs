//! Cluster mode's model, below the commands: hash slots ([`slot`]), one
//! node's view of its cluster ([`view`]), what nodes tell each other over
//! the bus and how a node applies it ([`gossip`]), and the texts Redis
//! renders of a view ([`text`]).
//!
//! A server in cluster mode keeps a [`ClusterView`] in its state; a
//! server not in cluster mode has none, and pays one branch per command
//! for its absence. This module knows nothing of commands, connections or
//! the bus's transport: the commands (`cmd::cluster`) read and change the
//! view under the state lock, and the transport (`conn::bus`) carries the
//! messages between nodes.

pub mod gossip;
pub mod slot;
pub mod text;
pub mod view;

pub use slot::{SLOTS, key_slot};
pub use view::{Bus, ClusterView, Node};
