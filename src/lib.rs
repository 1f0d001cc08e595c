#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod dangerous;
// The token's own encodings (base64url, base62, zlib) are not the product's
// API; tests, benches and fuzz targets reach them through the internal
// feature, as zlib-rs does with `__internal-api`.
#[cfg(feature = "__internal-api")]
#[doc(hidden)]
pub mod encoding;
#[cfg(not(feature = "__internal-api"))]
mod encoding;
pub mod error;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
pub mod session;
pub mod signing;

pub use error::{DecodeError, DecodeErrorKind, EncodeError, PayloadError, SignatureFailure};
pub use session::{Expiry, Session, SessionCodec, SessionConfig};
pub use signing::{Compression, Keyring, Limits, ObjectSigner, Secret, Signer, TimestampSigner};
pub use python_json::{self as json, Map, Number, Value};
