//! End-to-end tests of the `signed-session` binary: good input, bad input
//! and every exit status.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "vector-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-!@#$%^&*()";

fn cli(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_signed-session"));
    cmd.args(args)
        .env_remove("SIGNED_SESSION_SECRET")
        .env("TEST_SECRET", SECRET)
        .env("OLD_SECRET", "old-secret")
        .env("EMPTY_SECRET", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = cli(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

fn fails(args: &[&str], stdin: Option<&str>, code: i32) -> String {
    let out = cli(args, stdin);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed to stdout on failure"
    );
    stderr
}

#[test]
fn encode_matches_django_vector() {
    // dumps/single_int-like: the middleware vector new_session_set_value.
    let token = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "encode",
            "--at",
            "1700001000",
            r#"{"a":1}"#,
        ],
        None,
    );
    assert_eq!(
        token,
        "eyJhIjoxfQ:1r31uy:QaQnJGF9pQfylOptDJ31B3aczpD7zP4F9geyNCJnkGg"
    );
    // The same from stdin.
    let from_stdin = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "encode",
            "--at",
            "1700001000.9",
        ],
        Some("{\"a\":1}\n"),
    );
    assert_eq!(from_stdin, token);
}

#[test]
fn decode_round_trip_and_verbose() {
    let token = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "encode",
            "--at",
            "1000",
            r#"{"b":[1,2.5,"\u00e9"],"a":null}"#,
        ],
        None,
    );
    let out = cli(
        &[
            "--secret-env",
            "TEST_SECRET",
            "decode",
            "--at",
            "1010.5",
            "--verbose",
            &token,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        r#"{"b":[1,2.5,"\u00e9"],"a":null}"#
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("timestamp: 1000"), "{err}");
    assert!(err.contains("age: 10.5"), "{err}");
    assert!(err.contains("compressed: false"), "{err}");
    assert!(err.contains("key index: 0"), "{err}");
}

#[test]
fn decode_reports_fallback_key_index() {
    let token = ok(
        &[
            "--secret-env",
            "OLD_SECRET",
            "encode",
            "--at",
            "1000",
            "[1]",
        ],
        None,
    );
    let out = cli(
        &[
            "--secret-env",
            "TEST_SECRET",
            "--fallback-env",
            "OLD_SECRET",
            "decode",
            "--at",
            "1000",
            "--verbose",
            &token,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key index: 1"));
}

#[test]
fn exit_codes() {
    let token = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "encode",
            "--at",
            "1000",
            r#"{"a":1}"#,
        ],
        None,
    );
    // 1: bad signature (wrong key, tampered)
    fails(&["--secret-env", "OLD_SECRET", "decode", &token], None, 1);
    let mut tampered = token.clone();
    tampered.replace_range(0..1, "f");
    fails(
        &["--secret-env", "TEST_SECRET", "decode", &tampered],
        None,
        1,
    );
    fails(
        &["--secret-env", "TEST_SECRET", "decode", "no-separator"],
        None,
        1,
    );
    // 2: expired
    let e = fails(
        &[
            "--secret-env",
            "TEST_SECRET",
            "decode",
            "--max-age",
            "10",
            "--at",
            "1011",
            &token,
        ],
        None,
        2,
    );
    assert!(e.contains("expired"), "{e}");
    // 3: malformed after a valid signature (loads/err_invalid_json)
    let all = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/django.json"
    ))
    .unwrap();
    let bad_json = token_of(&all, "err_invalid_json");
    fails(
        &["--secret-env", "TEST_SECRET", "decode", &bad_json],
        None,
        3,
    );
    // 4: over a limit
    let long = "a".repeat(10_000);
    fails(&["--secret-env", "TEST_SECRET", "decode", &long], None, 4);
    // 64: usage and setup errors
    fails(&["decode", &token], None, 64); // no secret in the environment
    fails(
        &["--secret-env", "EMPTY_SECRET", "decode", &token],
        None,
        64,
    );
    fails(
        &["--secret-env", "TEST_SECRET", "encode", "{not json"],
        None,
        64,
    );
    fails(
        &[
            "--secret-env",
            "TEST_SECRET",
            "decode",
            "--at",
            "soon",
            &token,
        ],
        None,
        64,
    );
    fails(&["--secret-env", "TEST_SECRET", "frobnicate"], None, 64);
    fails(
        &["--secret-file", "/nonexistent/secret", "decode", &token],
        None,
        64,
    );
}

/// The token of a `loads` vector, found by a plain text search so that this
/// test does not depend on the JSON reader under test.
fn token_of(all: &str, id: &str) -> String {
    let at = all.find(&format!("\"id\": \"{id}\"")).unwrap();
    let rest = &all[at..];
    let t = rest.find("\"token\": \"").unwrap() + "\"token\": \"".len();
    let end = rest[t..].find('"').unwrap();
    rest[t..t + end].to_owned()
}

#[test]
fn secret_file_and_errors_never_echo_the_secret() {
    let dir = std::env::temp_dir().join(format!("ss-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    let file = file.to_str().unwrap();
    let token = ok(
        &[
            "--secret-file",
            file,
            "encode",
            "--at",
            "1700001000",
            r#"{"a":1}"#,
        ],
        None,
    );
    assert_eq!(
        token,
        "eyJhIjoxfQ:1r31uy:QaQnJGF9pQfylOptDJ31B3aczpD7zP4F9geyNCJnkGg"
    );
    let e = fails(&["--secret-file", file, "decode", "x:y:z"], None, 1);
    assert!(!e.contains(SECRET) && !e.contains("vector-secret"), "{e}");
}

#[test]
fn sign_and_unsign_match_django_signer_vectors() {
    // signer/signer_plain and ts_signer_plain use Django's class-path salts.
    let all = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/django.json"
    ))
    .unwrap();
    let plain = token_of(&all, "signer_plain");
    let value = plain.rsplit_once(':').unwrap().0.to_owned();
    assert_eq!(
        ok(&["--secret-env", "TEST_SECRET", "sign", &value], None),
        plain
    );
    assert_eq!(
        ok(&["--secret-env", "TEST_SECRET", "unsign", &plain], None),
        value
    );

    let signed = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "sign",
            "--timestamp",
            "--at",
            "1000.7",
            "hello:world",
        ],
        None,
    );
    assert_eq!(
        ok(
            &[
                "--secret-env",
                "TEST_SECRET",
                "unsign",
                "--timestamp",
                "--at",
                "1010",
                "--max-age",
                "10",
                &signed
            ],
            None
        ),
        "hello:world"
    );
    fails(
        &[
            "--secret-env",
            "TEST_SECRET",
            "unsign",
            "--timestamp",
            "--at",
            "1010.5",
            "--max-age",
            "10",
            &signed,
        ],
        None,
        2,
    );
    fails(
        &[
            "--secret-env",
            "TEST_SECRET",
            "unsign",
            "--salt",
            "other",
            &plain,
        ],
        None,
        1,
    );
}

#[test]
fn inspect_is_labelled_unverified() {
    let out = ok(
        &[
            "inspect",
            "eyJhIjoxfQ:1r31uy:QaQnJGF9pQfylOptDJ31B3aczpD7zP4F9geyNCJnkGg",
        ],
        None,
    );
    assert!(out.starts_with("UNVERIFIED"), "{out}");
    assert!(out.contains(r#"payload (unverified): {"a":1}"#), "{out}");
    assert!(out.contains("1r31uy (1700001000)"), "{out}");
    // No secret is needed, and a garbage token is described, not a crash.
    let out = ok(&["inspect", "!!!:???"], None);
    assert!(out.contains("does not decode"), "{out}");
}

fn cli_stderr(args: &[&str], stdin: Option<&str>) -> String {
    String::from_utf8(cli(args, stdin).stderr).unwrap()
}

/// Issue 11, item 8: a weak secret still works (Django projects with short
/// keys must interoperate) but the tool says so on stderr.
#[test]
fn item08_weak_secret_warns_on_stderr() {
    let args = ["--secret-env", "OLD_SECRET", "sign", "v"];
    assert!(ok(&args, None).starts_with("v:"));
    let stderr = cli_stderr(&args, None);
    assert!(
        stderr.contains("warning: the secret is weak") && stderr.contains("10 characters"),
        "{stderr}"
    );
    assert!(!stderr.contains("old-secret"), "the secret is never shown");
    // The vector secret is long and varied: no warning.
    let stderr = cli_stderr(&["--secret-env", "TEST_SECRET", "sign", "v"], None);
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// Issue 11, item 9: `inspect` shows parts of an untrusted token; terminal
/// control sequences in it are escaped, never passed to the terminal.
#[test]
fn item09_inspect_escapes_control_characters() {
    let token = "eyJhIjoxfQ\u{1b}]0;owned\u{7}:1r31uy\u{1b}[2J:sig\u{9b}31m\u{202e}";
    let out = ok(&["inspect", token], None);
    for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!out.contains(c), "{c:?} reached the output: {out:?}");
    }
    assert!(out.contains("\\u{1b}]0;owned\\u{7}"), "{out}");
    assert!(out.contains("\\u{202e}"), "{out}");
}

/// Issue 11, item 12: tokens over 8 KiB are used outside cookies; the limit
/// can be raised with `--max-length` (8 KiB stays the default).
#[test]
fn item12_max_length_raises_the_token_limit() {
    let big = format!("[\"{}\"]", "ab".repeat(6000));
    let base = ["--secret-env", "TEST_SECRET"];
    let enc = |extra: &[&str], code: i32| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args.extend_from_slice(&["encode", "--no-compress", "--at", "1700000000", &big]);
        if code == 0 {
            ok(&args, None)
        } else {
            fails(&args, None, code)
        }
    };
    let refused = enc(&[], 4);
    assert!(refused.contains("8192"), "{refused}");
    let token = enc(&["--max-length", "20000"], 0);
    assert!(token.len() > 8192);
    fails(&["--secret-env", "TEST_SECRET", "decode", &token], None, 4);
    let back = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "--max-length",
            "20000",
            "decode",
            &token,
        ],
        None,
    );
    assert_eq!(back, big);
    // From standard input too.
    let back = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "decode",
            "--max-length",
            "20000",
        ],
        Some(&token),
    );
    assert_eq!(back, big);
    let shown = ok(&["inspect", "--max-length", "20000", &token], None);
    assert!(shown.contains("UNVERIFIED"));
}

/// A fresh directory for one test's files.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ss-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A token of `json` signed with the secret in `env` at `at`.
fn encoded(env: &str, at: &str, json: &str) -> String {
    ok(&["--secret-env", env, "encode", "--at", at, json], None)
}

#[test]
fn keys_report_counts_each_key_and_failure() {
    let current = |n: u32| encoded("TEST_SECRET", "1000", &format!("[{n}]"));
    let fallback = |n: u32| encoded("OLD_SECRET", "1000", &format!("{{\"old\":{n}}}"));
    let mut tampered = current(9);
    tampered.replace_range(0..1, "f");
    let expired = encoded("TEST_SECRET", "900", "[0]");

    let mut input: Vec<u8> = Vec::new();
    for line in [
        current(1),
        format!("  {}\t", current(2)),
        fallback(1),
        fallback(2),
        format!("{}\r", fallback(3)),
        tampered,
        expired,
        "a".repeat(9000),
        "   ".to_owned(),
        format!("sessionid={}", current(3)),
    ] {
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
    }
    input.extend_from_slice(b"\xff\xfe not utf-8\n\n");
    let dir = scratch("keys-report");
    let file = dir.join("tokens");
    std::fs::write(&file, &input).unwrap();
    let file = file.to_str().unwrap();

    let args = |json: bool| {
        let mut args = vec![
            "--secret-env",
            "TEST_SECRET",
            "--fallback-env",
            "OLD_SECRET",
            "keys",
            "--max-age",
            "60",
            "--at",
            "1010",
        ];
        if json {
            args.push("--json");
        }
        args.push(file);
        args
    };
    assert_eq!(
        ok(&args(false), None),
        "key 0 (current, TEST_SECRET): 3\n\
         key 1 (fallback, OLD_SECRET): 3\n\
         bad signature: 1\n\
         expired: 1\n\
         malformed: 1\n\
         too long: 1\n\
         total: 10"
    );
    assert_eq!(
        ok(&args(true), None),
        r#"{"keys":[{"index":0,"source":"TEST_SECRET","matches":3},{"index":1,"source":"OLD_SECRET","matches":3}],"retired":[],"bad_signature":1,"expired":1,"malformed":1,"too_long":1,"total":10}"#
    );
    // Without the fallback its tokens are bad signatures; without --max-age
    // nothing expires. The same input on standard input, where the helper
    // only writes text: the non-UTF-8 line arrives as U+FFFD, valid text
    // that is no token, so a bad signature.
    let text = String::from_utf8_lossy(&input).into_owned();
    assert_eq!(
        ok(
            &["--secret-env", "TEST_SECRET", "keys", "--at", "1010"],
            Some(&text)
        ),
        "key 0 (current, TEST_SECRET): 4\n\
         bad signature: 5\n\
         expired: 0\n\
         malformed: 0\n\
         too long: 1\n\
         total: 10"
    );
}

#[test]
fn keys_counts_a_huge_line_as_too_long() {
    let token = encoded("TEST_SECRET", "1000", "[1]");
    // A 1 MiB line, then a token, then 1 MiB without a final newline.
    let mib = 1 << 20;
    let input = format!("{token}\n{}\n{token}\n{}", "a".repeat(mib), "b".repeat(mib));
    let args = ["--secret-env", "TEST_SECRET", "keys", "--at", "1000"];
    assert_eq!(
        ok(&args, Some(&input)),
        "key 0 (current, TEST_SECRET): 2\n\
         bad signature: 0\n\
         expired: 0\n\
         malformed: 0\n\
         too long: 2\n\
         total: 4"
    );
    // The cap is --max-length bytes, a trailing CR not included.
    let at_cap = format!(
        "{}\n{}\r\n{}\n",
        "a".repeat(8192),
        "a".repeat(8192),
        "a".repeat(8193)
    );
    let out = ok(&args, Some(&at_cap));
    assert!(out.contains("bad signature: 2\n"), "{out}");
    assert!(out.contains("too long: 1\n"), "{out}");
    let out = ok(
        &[
            "--secret-env",
            "TEST_SECRET",
            "keys",
            "--max-length",
            "20",
            "--json",
        ],
        Some(&format!("{token}\n")),
    );
    assert!(out.contains(r#""too_long":1,"total":1"#), "{out}");
}

#[test]
fn keys_names_a_secret_file_by_its_path_and_refuses_bad_setup() {
    let dir = scratch("keys-file");
    let secret = dir.join("secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    let secret = secret.to_str().unwrap();
    let token = encoded("TEST_SECRET", "1000", "[1]");
    let out = ok(
        &["--secret-file", secret, "keys", "--at", "1000", "-"],
        Some(&token),
    );
    assert!(
        out.starts_with(&format!("key 0 (current, {secret}): 1\n")),
        "{out}"
    );
    assert!(
        !out.contains(SECRET) && !out.contains("vector-secret"),
        "{out}"
    );
    // The weak fallback works and is warned about, never shown.
    let err = cli_stderr(
        &[
            "--secret-env",
            "TEST_SECRET",
            "--fallback-env",
            "OLD_SECRET",
            "keys",
        ],
        Some(""),
    );
    assert!(err.contains("warning: fallback secret 1 is weak"), "{err}");
    assert!(!err.contains("old-secret"), "{err}");
    // 64: no secret, an unreadable input, a bad option.
    fails(&["keys"], Some(&token), 64);
    let missing = dir.join("missing");
    fails(
        &[
            "--secret-env",
            "TEST_SECRET",
            "keys",
            missing.to_str().unwrap(),
        ],
        None,
        64,
    );
    fails(
        &["--secret-env", "TEST_SECRET", "keys", "--max-age", "soon"],
        Some(&token),
        64,
    );
}
