//! A valid token with any change (flipped, inserted, removed, truncated,
//! extended or swapped bytes) never verifies, unless the change left the
//! token exactly as it was.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use python_json as json;
use signed_session::clock::ManualClock;
use signed_session::signing::{Compression, Keyring, ObjectSigner, Secret, TimestampSigner};
use signed_session::{DecodeError, Value};
use signed_session_fuzz::{ArbValue, ORDINARY_UNIX, SESSION_SALT, gen_clock, keyring};
use time::OffsetDateTime;

/// `(secret, salt, token)` of every `dumps` golden vector.
fn vector_tokens() -> &'static [(String, String, String)] {
    static TOKENS: OnceLock<Vec<(String, String, String)>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let text = include_bytes!("../../tests/vectors/django.json");
        let doc = json::from_slice(text, 64).unwrap_or_default();
        let mut out = Vec::new();
        let cases = doc
            .as_object()
            .and_then(|o| o.get("dumps"))
            .and_then(Value::as_array);
        for case in cases.into_iter().flatten() {
            let Some(case) = case.as_object() else {
                continue;
            };
            let field = |k: &str| case.get(k).and_then(Value::as_str).and_then(utf8);
            let token = case
                .get("expected")
                .and_then(Value::as_object)
                .and_then(|e| e.get("token"))
                .and_then(Value::as_str)
                .and_then(utf8);
            if let (Some(secret), Some(salt), Some(token)) = (field("secret"), field("salt"), token)
            {
                out.push((secret, salt, token));
            }
        }
        assert!(!out.is_empty(), "no dumps vectors found");
        out
    })
}

/// The crate's reader is Python's `json.loads(data.decode("latin-1"))`, so
/// the UTF-8 text of the vector file comes out one char per byte; undo that.
fn utf8(latin1: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = latin1
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Flip { at: u16, bit: u8 },
    Set { at: u16, byte: u8 },
    Insert { at: u16, bytes: Vec<u8> },
    Remove { at: u16, len: u8 },
    Truncate { keep: u16 },
    Extend { bytes: Vec<u8> },
    Swap { a: u16, b: u16 },
    Duplicate { at: u16, len: u8 },
}

fn apply(token: &mut Vec<u8>, edit: &Edit) {
    let n = token.len();
    let pos = |at: u16| if n == 0 { 0 } else { usize::from(at) % (n + 1) };
    match edit {
        Edit::Flip { at, bit } => {
            if n > 0 {
                token[usize::from(*at) % n] ^= 1 << (bit % 8);
            }
        }
        Edit::Set { at, byte } => {
            if n > 0 {
                token[usize::from(*at) % n] = *byte;
            }
        }
        Edit::Insert { at, bytes } => {
            let p = pos(*at);
            token.splice(p..p, bytes.iter().copied());
        }
        Edit::Remove { at, len } => {
            let p = pos(*at);
            let end = (p + usize::from(*len)).min(n);
            token.drain(p..end);
        }
        Edit::Truncate { keep } => token.truncate(usize::from(*keep) % (n + 1)),
        Edit::Extend { bytes } => token.extend_from_slice(bytes),
        Edit::Swap { a, b } => {
            if n > 0 {
                token.swap(usize::from(*a) % n, usize::from(*b) % n);
            }
        }
        Edit::Duplicate { at, len } => {
            let p = pos(*at);
            let end = (p + usize::from(*len)).min(n);
            let copy = token[p..end].to_vec();
            token.splice(p..p, copy);
        }
    }
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let (ring, salt, token) = if u.arbitrary()? {
        let vectors = vector_tokens();
        let (secret, salt, token) = &vectors[u.choose_index(vectors.len())?];
        let ring = Keyring::new(
            Secret::new(secret.as_str()).map_err(|_| arbitrary::Error::IncorrectFormat)?,
        );
        (ring, salt.clone(), token.clone())
    } else {
        let value = ArbValue::arbitrary(u)?.0;
        let compression = if u.arbitrary()? {
            Compression::Django
        } else {
            Compression::Never
        };
        let codec = ObjectSigner::new(&keyring(), SESSION_SALT)
            .with_compression(compression)
            .with_clock(gen_clock(u)?);
        let Ok(token) = codec.dumps(&value) else {
            return Ok(());
        };
        (keyring(), SESSION_SALT.to_owned(), token)
    };
    // Verification happens at an ordinary time; without a max_age the time
    // does not matter.
    let clock = ManualClock::new(
        OffsetDateTime::from_unix_timestamp(ORDINARY_UNIX)
            .map_err(|_| arbitrary::Error::IncorrectFormat)?,
    );
    let codec = ObjectSigner::new(&ring, &salt).with_clock(clock.clone());
    // The same key as `codec` (an empty salt means the TimestampSigner
    // class path for both).
    let signer = TimestampSigner::new(&ring, &salt).with_clock(clock);
    // The untouched token verifies (otherwise the test below proves nothing).
    assert!(
        signer.unsign(&token, None).is_ok(),
        "unedited token refused: {token}"
    );

    let edits: Vec<Edit> = u.arbitrary()?;
    let mut bytes = token.clone().into_bytes();
    for edit in edits.iter().take(4) {
        apply(&mut bytes, edit);
    }
    if bytes == token.as_bytes() {
        return Ok(());
    }
    // A cookie value that is not UTF-8 never reaches the string API.
    let Ok(edited) = String::from_utf8(bytes) else {
        return Ok(());
    };

    let verdict = codec.loads::<Value>(&edited, None);
    match &verdict {
        Err(DecodeError::BadSignature(_) | DecodeError::TooLong { .. }) => {}
        other => panic!(
            "edited token was not refused at the signature: {other:?}\n  original {token}\n  edited   {edited}"
        ),
    }
    match signer.unsign(&edited, None) {
        Err(DecodeError::BadSignature(_) | DecodeError::TooLong { .. }) => {}
        other => panic!(
            "TimestampSigner did not refuse {edited:?} at the signature (from {token}): {other:?}"
        ),
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
