//! [`DirectError`]: why a direct read or write was refused.
//!
//! The same conditions a client would be refused for, typed: a key of
//! another type, or any other error reply the command gave (with Redis's
//! text). Missing keys are not errors: reads answer `None` or an empty
//! collection for them, as Redis does.

use bytes::Bytes;

use super::show::Quoted;
use super::value::KeyType;

/// Why a direct operation was refused.
///
/// ```
/// use redsim::direct::{DirectError, KeyType};
///
/// let server = redsim::Server::start().unwrap();
/// let db = server.db(0);
/// db.set("name", "ann").unwrap();
/// let err = db.rpush("name", ["x"]).unwrap_err();
/// assert!(matches!(
///     err,
///     DirectError::WrongType { expected: KeyType::List, actual: KeyType::String, .. }
/// ));
/// assert_eq!(err.to_string(), "WRONGTYPE \"name\" holds a string, not a list");
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectError {
    /// The key holds a value of another type: a client would get
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`.
    #[error("WRONGTYPE {} holds a {actual}, not a {expected}", Quoted(.key))]
    WrongType {
        /// The key.
        key: Bytes,
        /// The type the operation works on.
        expected: KeyType,
        /// The type the key holds.
        actual: KeyType,
    },
    /// The command refused the arguments, with the error reply a client
    /// would get (`ERR invalid expire time in 'set' command`, `ERR value is
    /// not a valid float`, the wrong number of arguments for an empty
    /// list of elements…).
    #[error("{0}")]
    Refused(String),
}
