//! Commands: the table of every command, the executor that runs them,
//! argument helpers, and the context a command runs in.
//!
//! A command is a function of a [`Ctx`] — the state (under the lock), the
//! calling [`Client`], the [`Host`], the arguments and a reply buffer —
//! that writes its reply or returns the error that is its reply. Commands
//! never touch a socket and never see which transport called them: every
//! caller (TCP, the in-process connection, EXEC, `redis.call`, a served
//! blocked client, the direct API) runs them through the executor,
//! [`exec`]. Arity and unknown-command errors are found from the table
//! before the lock is taken.
//!
//! One file or folder per command family; beside them, the table
//! (`registry`, `spec`), the context (`context`, `host`) and the executor.
//! Error texts live in [`error`].

pub mod absent;
pub mod acl;
mod args;
mod bitmap;
mod client_line;
mod cluster;
mod collection;
mod connection;
mod context;
pub mod error;
pub mod exec;
mod functions;
mod geo;
mod hash;
mod hll;
mod host;
pub mod introspect;
mod keys;
mod keyspec;
mod list;
pub mod meta;
pub mod migrate;
pub mod pubsub;
mod registry;
pub mod repl;
mod scripting;
mod server;
mod set;
mod sort;
mod spec;
mod stream;
mod string;
mod transaction;
mod zset;

pub use args::*;
pub use context::{After, Caller, Client, Ctx, Multi, ReplyMode};
pub use error::CmdError;
pub use functions::function_stats_reply;
pub use host::{Host, NetCounters, PauseMode};
pub use registry::{find, registry, resolve};
pub use spec::{CommandSpec, flags};
