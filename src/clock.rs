//! Reading the system clock, for the convenience methods that do not take
//! the time as an argument (feature `clock`).
//!
//! Runtimes without a clock (`wasm32-unknown-unknown`) build without this
//! feature and call the `_at` variants with a time they obtained
//! themselves.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as fractional Unix seconds, like Python's `time.time()`.
pub fn now() -> f64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    }
}
