#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod encoding;
pub mod value;

pub use value::{Map, Number, Value};
