//! The bottom layer: byte and text encodings used by the token format.
//!
//! Nothing here knows about keys, signatures or sessions.

pub mod b64;
pub mod base62;
pub mod zlib;
