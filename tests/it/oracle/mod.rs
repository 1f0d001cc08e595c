//! The Django oracle: one long-lived `tests/django_oracle.py` process per
//! test binary, spoken to in JSON lines.
//!
//! Values cross the pipe in Python's JSON dialect (`NaN`, `Infinity`,
//! unbounded integers, `1.0` kept a float), written and read with the
//! crate's own Python-exact codec so nothing is lost on the way.
//!
//! The interpreter is `$SIGNED_SESSION_DJANGO_PYTHON`, or else
//! `target/django-venv/bin/python` (made by `.ci/setup-django.sh`). When it
//! is missing, [`django`] fails the test if `CI=true` or
//! `SIGNED_SESSION_REQUIRE_DJANGO=1`, and otherwise says why it skips and
//! returns `None`. `$SIGNED_SESSION_EXPECT_DJANGO` names the exact Django
//! version the oracle must report (the Django 6.1 run sets it).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use python_json as json;
use signed_session::{Map, Value};

pub mod ops;
pub mod payload;

/// The Django version `.ci/setup-django.sh` installs.
pub const PINNED_DJANGO: &str = "5.2.19";

/// Nesting allowed when reading the oracle's answers.
const MAX_DEPTH: usize = 1000;

/// How long one request may take before the oracle is declared hung.
fn call_timeout() -> Duration {
    let secs = std::env::var("SIGNED_SESSION_ORACLE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// Writes straight to the process's stderr, past the test harness's
/// output capture, so the line shows in `cargo test` logs even when the
/// test passes.
pub fn report(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Whether a missing Django must fail the run instead of skipping.
pub fn django_required() -> bool {
    let truthy = |name: &str| {
        std::env::var(name)
            .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
    };
    truthy("CI") || truthy("SIGNED_SESSION_REQUIRE_DJANGO")
}

fn interpreter() -> PathBuf {
    match std::env::var_os("SIGNED_SESSION_DJANGO_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/django-venv/bin/python"),
    }
}

/// A running oracle process.
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    next_id: i64,
    broken: Option<String>,
    /// The greeting: Django, Python and zlib versions.
    pub hello: Value,
}

impl Oracle {
    fn spawn() -> Result<Oracle, String> {
        let python = interpreter();
        if !python.exists() {
            return Err(format!(
                "no Python with Django at {} (run .ci/setup-django.sh, or set SIGNED_SESSION_DJANGO_PYTHON)",
                python.display()
            ));
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/django_oracle.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {} {}: {e}",
                    python.display(),
                    script.display()
                )
            })?;
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();

        // Reader threads: stdout lines go through a channel so that a read
        // can time out; stderr is kept (its tail) for error messages.
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => {
                        if tx.send(l).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
                // Keep only the tail: a traceback, not a flood.
                if s.len() > 64 * 1024 {
                    let cut = s.len() - 32 * 1024;
                    let cut = (cut..s.len())
                        .find(|&i| s.is_char_boundary(i))
                        .unwrap_or(s.len());
                    s.drain(..cut);
                }
            }
        });

        let mut oracle = Oracle {
            child,
            stdin,
            lines,
            stderr,
            next_id: 1,
            broken: None,
            hello: Value::Null,
        };
        let greeting = oracle
            .read_line(Duration::from_secs(60))
            .map_err(|e| format!("the oracle did not start: {e}"))?;
        let hello = json::from_slice(greeting.as_bytes(), MAX_DEPTH)
            .map_err(|e| format!("bad greeting from the oracle ({e}): {greeting}"))?;
        if get(&hello, "hello") != &Value::Bool(true) {
            return Err(format!("unexpected greeting from the oracle: {greeting}"));
        }
        oracle.hello = hello;
        Ok(oracle)
    }

    /// The Django version the oracle runs.
    pub fn django_version(&self) -> &str {
        get(&self.hello, "django").as_str().unwrap_or("?")
    }

    fn stderr_tail(&self) -> String {
        let s = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let tail: String = s
            .chars()
            .rev()
            .take(4000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if tail.is_empty() {
            "(nothing on stderr)".to_owned()
        } else {
            tail
        }
    }

    fn death_note(&mut self) -> String {
        match self.child.try_wait() {
            Ok(Some(status)) => format!("the Python process exited ({status})"),
            Ok(None) => "the Python process is still running".to_owned(),
            Err(e) => format!("cannot query the Python process: {e}"),
        }
    }

    fn read_line(&mut self, timeout: Duration) -> Result<String, String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "no answer within {timeout:?}; stderr:\n{}",
                self.stderr_tail()
            )),
            Err(RecvTimeoutError::Disconnected) => {
                // Let the stderr reader catch up before quoting it.
                std::thread::sleep(Duration::from_millis(200));
                Err(format!(
                    "{}; stderr:\n{}",
                    self.death_note(),
                    self.stderr_tail()
                ))
            }
        }
    }

    /// Sends one request and returns its `result`. Panics with the op, the
    /// Python error and traceback (or the process's stderr if it died).
    pub fn call(&mut self, op: &str, args: Value) -> Value {
        if let Some(why) = &self.broken {
            panic!("the Django oracle is unusable after an earlier failure: {why}");
        }
        let id = self.next_id;
        self.next_id += 1;
        let req = obj([
            ("id", Value::from(id)),
            ("op", Value::from(op)),
            ("args", args),
        ]);
        let mut line = json::to_vec(&req);
        line.push(b'\n');
        if let Err(e) = self
            .stdin
            .write_all(&line)
            .and_then(|()| self.stdin.flush())
        {
            std::thread::sleep(Duration::from_millis(200));
            let why = format!(
                "writing op {op} failed ({e}); {}; stderr:\n{}",
                self.death_note(),
                self.stderr_tail()
            );
            self.broken = Some(why.clone());
            panic!("{why}");
        }
        let answer = match self.read_line(call_timeout()) {
            Ok(a) => a,
            Err(e) => {
                let why = format!("op {op} (request {id}): {e}");
                self.broken = Some(why.clone());
                panic!("{why}");
            }
        };
        let resp = match json::from_slice(answer.as_bytes(), MAX_DEPTH) {
            Ok(v) => v,
            Err(e) => {
                let why = format!("op {op}: unreadable answer ({e}): {answer:.500}");
                self.broken = Some(why.clone());
                panic!("{why}");
            }
        };
        if get(&resp, "id") != &Value::from(id) {
            let why = format!(
                "op {op}: answer to request {id} has id {:?}",
                get(&resp, "id")
            );
            self.broken = Some(why.clone());
            panic!("{why}");
        }
        if get(&resp, "ok") != &Value::Bool(true) {
            panic!(
                "the Django oracle failed on op {op}: {}\n{}",
                get(&resp, "error").as_str().unwrap_or("?"),
                get(&resp, "traceback").as_str().unwrap_or("")
            );
        }
        resp.as_object()
            .and_then(|m| m.get("result"))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static ORACLE: OnceLock<Result<Mutex<Oracle>, String>> = OnceLock::new();

/// The shared oracle of this test binary, started on first use.
///
/// `None` (after printing why) when Django is unavailable and not
/// required; a panic when it is required.
pub fn django() -> Option<MutexGuard<'static, Oracle>> {
    let slot = ORACLE.get_or_init(|| {
        let oracle = Oracle::spawn()?;
        report(&format!(
            "django oracle: Django {} on Python {} (zlib {})",
            oracle.django_version(),
            get(&oracle.hello, "python").as_str().unwrap_or("?"),
            get(&oracle.hello, "zlib").as_str().unwrap_or("?"),
        ));
        // A run for another Django (`.ci/django61.sh`) names the version
        // it installed, and gets exactly that one or nothing.
        match std::env::var("SIGNED_SESSION_EXPECT_DJANGO") {
            Ok(expected) if !expected.is_empty() && oracle.django_version() != expected => {
                return Err(format!(
                    "the oracle runs Django {}, but SIGNED_SESSION_EXPECT_DJANGO={expected}",
                    oracle.django_version()
                ));
            }
            Ok(expected) if !expected.is_empty() => {}
            _ if oracle.django_version() != PINNED_DJANGO => report(&format!(
                "django oracle: warning: expected the pinned Django {PINNED_DJANGO}"
            )),
            _ => {}
        }
        Ok(Mutex::new(oracle))
    });
    match slot {
        Ok(m) => Some(m.lock().unwrap_or_else(|e| e.into_inner())),
        Err(why) if django_required() => panic!(
            "Django is required here (CI=true or SIGNED_SESSION_REQUIRE_DJANGO=1) but the oracle is unavailable: {why}"
        ),
        Err(why) => {
            report(&format!("skipping a Django interop test: {why}"));
            None
        }
    }
}

/// An object from key/value pairs, in order.
pub fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_owned(), v);
    }
    Value::Object(m)
}

/// A field of an object (`Null` when absent or not an object).
pub fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    v.as_object().and_then(|m| m.get(key)).unwrap_or(&NULL)
}

/// The elements of an array (panics naming what was expected otherwise).
pub fn items(v: &Value) -> &[Value] {
    v.as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("expected an array from the oracle, got {v:?}"))
}

/// An optional number as a JSON value.
pub fn opt_num(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}
