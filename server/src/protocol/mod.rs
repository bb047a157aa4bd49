//! RESP, the Redis protocol: requests in, replies out.
//!
//! [`request`] decodes what clients send (multibulk and inline, with
//! Redis's limits and error texts); [`reply`] encodes replies for RESP2 or
//! RESP3; [`render`] shows replies as text for people. Nothing outside this
//! module writes protocol bytes.

pub mod render;
pub mod reply;
pub mod request;

pub use reply::{Out, Resp};
pub use request::{Limits, RequestDecoder};
