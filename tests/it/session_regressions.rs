//! Named regression tests for session-layer differences from Django that
//! the interop tests found.

use crate::at::{self, prelude::*};
use signed_session::session::{Expiry, SessionCodec};
use signed_session::{Keyring, Secret, Value};

fn refused_cookie() -> (SessionCodec, String) {
    let codec = SessionCodec::new(&Keyring::new(Secret::new("k").unwrap()), at::config());
    let mut s = codec.load_at(None, 1_700_000_000.0);
    s.insert("a", 1);
    let cookie = codec.save_at(&mut s, 1_700_000_000.0).unwrap();
    let tampered = format!("{}x", &cookie[..cookie.len() - 1]);
    (codec, tampered)
}

/// Django's `pop` computes `self.modified or key in self._session`, reading
/// the old flag before the lazy load; a failed load's `modified = True` is
/// then overwritten. So `pop` as the first access leaves it false.
#[test]
fn pop_first_on_refused_cookie_is_not_modified() {
    let (codec, tampered) = refused_cookie();
    let mut s = codec.load_at(Some(&tampered), 1_700_000_000.0);
    assert_eq!(s.remove("a"), None);
    assert!(s.accessed());
    assert!(!s.modified());
    let mut s = codec.load_at(Some(&tampered), 1_700_000_000.0);
    assert_eq!(
        s.remove("a").unwrap_or_else(|| Value::from(5)),
        Value::from(5)
    );
    assert!(!s.modified());
}

/// `del s[k]` (and `set_expiry(None)`, which uses it) loads first, so a
/// failed load marks the session modified even though the key is missing.
#[test]
fn delete_and_default_expiry_on_refused_cookie_are_modified() {
    let (codec, tampered) = refused_cookie();
    let mut s = codec.load_at(Some(&tampered), 1_700_000_000.0);
    assert!(s.delete("a").is_err());
    assert!(s.modified());
    let mut s = codec.load_at(Some(&tampered), 1_700_000_000.0);
    s.set_expiry_at(Expiry::Default, 1_700_000_000.0);
    assert!(s.accessed() && s.modified());
}
