//! How often each key of the keyring verified a session: what an operator
//! reads to know when a fallback key has gone quiet and can be removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use time::OffsetDateTime;

/// The use of one key of the keyring by a [`SessionCodec`](super::SessionCodec),
/// since it was built (clones share the counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyUse {
    /// The key's index in the keyring (0 = the current key).
    pub key_index: usize,
    /// How many loaded sessions this key verified.
    pub matches: u64,
    /// When it last verified one (the time of the load).
    pub last_match: Option<OffsetDateTime>,
    /// When the key stops verifying, if it is scheduled to
    /// ([`Keyring::with_fallback_until`](crate::Keyring::with_fallback_until)).
    pub retire_at: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
struct Counter {
    matches: AtomicU64,
    /// Unix seconds; `i64::MIN` for never.
    last: AtomicI64,
}

/// The shared counters, one per key.
#[derive(Clone, Debug)]
pub(crate) struct Usage {
    counters: Arc<[Counter]>,
    retire_at: Arc<[Option<OffsetDateTime>]>,
}

impl Usage {
    pub(crate) fn new(retire_at: Vec<Option<OffsetDateTime>>) -> Self {
        let counters = (0..retire_at.len())
            .map(|_| Counter {
                matches: AtomicU64::new(0),
                last: AtomicI64::new(i64::MIN),
            })
            .collect();
        Self {
            counters,
            retire_at: retire_at.into(),
        }
    }

    /// Counts a session verified by key `index` at `now` (Unix seconds).
    pub(crate) fn record(&self, index: usize, now: f64) {
        let Some(counter) = self.counters.get(index) else {
            return;
        };
        let first = counter.matches.fetch_add(1, Ordering::Relaxed) == 0;
        // `as` saturates; NaN (refused before this point) would give 0.
        counter.last.fetch_max(now as i64, Ordering::Relaxed);
        #[cfg(feature = "tracing")]
        if index > 0 {
            if first {
                tracing::info!(
                    key_index = index,
                    "a fallback key verified a session for the first time since start; \
                     the session is re-signed with the current key when it is saved"
                );
            } else {
                tracing::debug!(key_index = index, "a fallback key verified a session");
            }
        }
        #[cfg(not(feature = "tracing"))]
        let _ = first;
    }

    pub(crate) fn snapshot(&self) -> Vec<KeyUse> {
        self.counters
            .iter()
            .zip(self.retire_at.iter())
            .enumerate()
            .map(|(key_index, (c, retire_at))| KeyUse {
                key_index,
                matches: c.matches.load(Ordering::Relaxed),
                last_match: match c.last.load(Ordering::Relaxed) {
                    i64::MIN => None,
                    t => OffsetDateTime::from_unix_timestamp(t).ok(),
                },
                retire_at: *retire_at,
            })
            .collect()
    }
}
