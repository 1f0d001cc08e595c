//! A real Django site for end-to-end tests: `tests/django_site/` (auth,
//! contenttypes, sessions with the `signed_cookies` backend, CSRF), served
//! by `manage.py runserver` on a loopback port, with its SQLite database in
//! a temporary directory.
//!
//! [`DjangoSite::start`] finds the Python with Django as the oracle does
//! (`$SIGNED_SESSION_DJANGO_PYTHON`, else `target/django-venv/bin/python`;
//! when it is missing a test fails under `CI=true` or
//! `SIGNED_SESSION_REQUIRE_DJANGO=1`, and otherwise says why it skips and
//! gets `None`), migrates and seeds the database ([`ALICE`], [`BOB`]),
//! starts the server on a port the kernel picks (runserver prints it),
//! waits until `/whoami` answers, and kills the server when dropped.
//!
//! The settings the Rust side shares are environment variables with
//! Django's names ([`SETTING_NAMES`]), read by
//! `tests/django_site/e2e_site/settings.py` with the crate's spellings
//! (booleans `True`/`False`, lists as JSON arrays). The inherited
//! environment's values of those names are cleared, so a site has exactly
//! the settings its test gives, [`SECRET_KEY`] unless it gives one, and
//! Django's defaults for the rest.
//!
//! The site's pages: `GET /whoami`, `GET /session`, `GET /csrf-token`,
//! `GET /login-form`, and (CSRF-protected) `POST /login`, `/logout`,
//! `/change-password`, `/protected`. A CSRF failure is a 403 with Django's
//! reason as the body and in `X-CSRF-Reason`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::StatusCode;
use serde_json::json;

use crate::jar_client::{Jar, Reply, form_token, json_body};
use crate::oracle::{django_required, report};

/// The `SECRET_KEY` a site gets when its test gives none.
pub const SECRET_KEY: &str = "django-site-e2e-secret-key-for-tests-only-0123456789abcdef";

/// A seeded user and its password (`tests/django_site/seed.py`).
pub const ALICE: (&str, &str) = ("alice", "alice-password-1");
/// The other seeded user.
pub const BOB: (&str, &str) = ("bob", "bob-password-2");

/// Every setting the site reads from the environment (the keys of
/// `_FROM_ENV` in `e2e_site/settings.py`).
pub const SETTING_NAMES: [&str; 23] = [
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "ALLOWED_HOSTS",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_SAVE_EVERY_REQUEST",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_AGE",
    "CSRF_COOKIE_DOMAIN",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_HEADER_NAME",
    "CSRF_TRUSTED_ORIGINS",
    "CSRF_USE_SESSIONS",
    "SECURE_PROXY_SSL_HEADER",
];

/// Variables of the site's own, also cleared from the inherited
/// environment.
const SITE_VARIABLES: [&str; 3] = ["DJANGO_SETTINGS_MODULE", "DJANGO_SITE_DB", "PYTHONPATH"];

/// How long the server may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a script (version probe, seeding, a snippet) may run.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// The most of a process's output kept for failure messages.
const TAIL_BYTES: usize = 32 * 1024;

/// As `tests/it/oracle/mod.rs` finds it.
fn interpreter() -> PathBuf {
    match std::env::var_os("SIGNED_SESSION_DJANGO_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/django-venv/bin/python"),
    }
}

fn site_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/django_site")
}

/// The interpreter, probed once per test binary.
struct Python {
    path: PathBuf,
    django: String,
}

static PYTHON: OnceLock<Result<Python, String>> = OnceLock::new();

fn python() -> Option<&'static Python> {
    let slot = PYTHON.get_or_init(|| {
        // Absolute (symlinks kept, so a venv stays a venv): the site runs
        // from tests/django_site/, and the variable may be relative.
        let path = std::path::absolute(interpreter()).map_err(|e| e.to_string())?;
        if !path.exists() {
            return Err(format!(
                "no Python with Django at {} (run .ci/setup-django.sh, or set SIGNED_SESSION_DJANGO_PYTHON)",
                path.display()
            ));
        }
        let mut probe = Command::new(&path);
        probe.args([
            "-c",
            "import sys, django; print(django.get_version()); print(sys.version.split()[0])",
        ]);
        let out = run_bounded(probe, None, RUN_TIMEOUT)?;
        if !out.status.success() {
            return Err(format!(
                "{} cannot import Django ({}): {}",
                path.display(),
                out.status,
                out.stderr.trim()
            ));
        }
        let mut lines = out.stdout.lines();
        let django = lines.next().unwrap_or("?").trim().to_owned();
        let version = lines.next().unwrap_or("?").trim().to_owned();
        report(&format!("django site: Django {django} on Python {version}"));
        Ok(Python { path, django })
    });
    match slot {
        Ok(python) => Some(python),
        Err(why) if django_required() => panic!(
            "Django is required here (CI=true or SIGNED_SESSION_REQUIRE_DJANGO=1) but unavailable: {why}"
        ),
        Err(why) => {
            report(&format!("skipping a Django site test: {why}"));
            None
        }
    }
}

/// The tail of a process's output, filled by a reader thread.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<String>>);

impl Tail {
    fn push(&self, text: &str) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.push_str(text);
        if s.len() > 2 * TAIL_BYTES {
            let cut = s.len() - TAIL_BYTES;
            let cut = (cut..s.len())
                .find(|&i| s.is_char_boundary(i))
                .unwrap_or(s.len());
            s.drain(..cut);
        }
    }

    fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads `from` to its end on a thread.
    fn drain(&self, mut from: impl Read + Send + 'static) -> JoinHandle<()> {
        let tail = self.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                tail.push(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    }
}

struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `command` to its end, with `stdin` as its input, killing it after
/// `timeout`.
fn run_bounded(
    mut command: Command,
    stdin: Option<&str>,
    timeout: Duration,
) -> Result<Finished, String> {
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let text = text.to_owned();
        std::thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let (stdout, stderr) = (Tail::default(), Tail::default());
    let readers = [
        stdout.drain(child.stdout.take().unwrap()),
        stderr.drain(child.stderr.take().unwrap()),
    ];
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                for reader in readers {
                    let _ = reader.join();
                }
                return Err(format!(
                    "{shown} did not finish within {timeout:?}; stderr:\n{}",
                    stderr.text()
                ));
            }
            Err(e) => return Err(format!("cannot wait for {shown}: {e}")),
        }
    };
    for reader in readers {
        let _ = reader.join();
    }
    Ok(Finished {
        status,
        stdout: stdout.text(),
        stderr: stderr.text(),
    })
}

/// A directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "signed-session-django-site-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The runserver process, killed on drop.
struct Server {
    child: Child,
    stdout: Tail,
    stderr: Tail,
}

impl Server {
    /// Its state and output, for a failure message.
    fn describe(&mut self) -> String {
        let state = match self.child.try_wait() {
            Ok(Some(status)) => format!("the server exited ({status})"),
            Ok(None) => "the server is running".to_owned(),
            Err(e) => format!("cannot query the server: {e}"),
        };
        format!(
            "{state}\n--- stderr ---\n{}\n--- stdout ---\n{}",
            self.stderr.text(),
            self.stdout.text()
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running Django site (see the module's documentation).
pub struct DjangoSite {
    // Dropped in this order: the server is killed before its directory goes.
    server: Server,
    dir: TempDir,
    python: &'static Python,
    addr: SocketAddr,
    env: Vec<(String, String)>,
    users: Vec<(String, String)>,
}

impl DjangoSite {
    /// Starts a site with `settings` (names from [`SETTING_NAMES`], values
    /// as the crate's loader spells them). `None` when Django is missing
    /// and not required (the reason is printed); a panic, with the
    /// server's output, when it does not come up within a minute.
    pub fn start(settings: &[(&str, &str)]) -> Option<DjangoSite> {
        let python = python()?;
        for (name, _) in settings {
            assert!(
                SETTING_NAMES.contains(name),
                "the Django site does not read {name} (see SETTING_NAMES)"
            );
        }
        Some(Self::launch(python, TempDir::new(), site_env(settings)))
    }

    /// Stops the server and starts it again on the same database (users
    /// and their password hashes kept), with `settings` instead: a site
    /// rotating its `SECRET_KEY`, say. The port changes.
    pub fn restart(self, settings: &[(&str, &str)]) -> DjangoSite {
        let DjangoSite {
            server,
            dir,
            python,
            ..
        } = self;
        drop(server);
        Self::launch(python, dir, site_env(settings))
    }

    /// Seeds the database in `dir` (idempotent) and starts the server.
    fn launch(python: &'static Python, dir: TempDir, env: Vec<(String, String)>) -> DjangoSite {
        let db = dir.0.join("db.sqlite3");

        let mut seed = site_command(python, &db, &env);
        seed.arg("seed.py");
        let seeded = run_bounded(seed, None, RUN_TIMEOUT)
            .unwrap_or_else(|e| panic!("seeding the Django site: {e}"));
        assert!(
            seeded.status.success(),
            "seed.py failed ({}):\n{}",
            seeded.status,
            seeded.stderr
        );
        let users = seeded
            .stdout
            .lines()
            .filter_map(|line| line.split_once(' '))
            .map(|(name, id)| (name.to_owned(), id.trim().to_owned()))
            .collect();

        let mut command = site_command(python, &db, &env);
        command
            .args(["manage.py", "runserver", "127.0.0.1:0", "--noreload"])
            .env("DJANGO_RUNSERVER_HIDE_WARNING", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdout_pipe = child.stdout.take().unwrap();
        let stderr_pipe = child.stderr.take().unwrap();
        let mut server = Server {
            child,
            stdout: Tail::default(),
            stderr: Tail::default(),
        };
        server.stderr.drain(stderr_pipe);
        // stdout line by line, to find the port runserver bound.
        let (tx, lines) = channel();
        let stdout = server.stdout.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout_pipe).lines() {
                let Ok(line) = line else { break };
                stdout.push(&line);
                stdout.push("\n");
                let _ = tx.send(line);
            }
        });

        let deadline = Instant::now() + START_TIMEOUT;
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(port) = announced_port(&line) {
                        break port;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "the Django site did not say its port within {START_TIMEOUT:?}: {}",
                    server.describe()
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    // Let the stderr reader catch up before quoting it.
                    let _ = server.child.wait();
                    std::thread::sleep(Duration::from_millis(200));
                    panic!("the Django site did not start: {}", server.describe())
                }
            }
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        loop {
            match probe(addr) {
                Ok(status_line) if status_line.contains(" 200 ") => break,
                Ok(status_line) => panic!(
                    "GET /whoami on the Django site answered {status_line:?}: {}",
                    server.describe()
                ),
                Err(e) if Instant::now() >= deadline => panic!(
                    "the Django site did not answer within {START_TIMEOUT:?} ({e}): {}",
                    server.describe()
                ),
                Err(_) => {
                    if matches!(server.child.try_wait(), Ok(Some(_))) {
                        panic!("the Django site stopped: {}", server.describe());
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        DjangoSite {
            server,
            dir,
            python,
            addr,
            env,
            users,
        }
    }

    /// Where the server listens (127.0.0.1 and the port it got).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// The site's origin, `http://127.0.0.1:PORT` (for `Origin` headers).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The SQLite database file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.0.join("db.sqlite3")
    }

    /// The Django version the site runs.
    pub fn django_version(&self) -> &str {
        &self.python.django
    }

    /// The settings the site was given, [`SECRET_KEY`] included when the
    /// test gave none (every other setting has Django's default).
    pub fn settings(&self) -> &[(String, String)] {
        &self.env
    }

    /// The value given for setting `name`, if any.
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The primary key of a seeded user, as a string (as Django keeps it
    /// in `_auth_user_id`).
    pub fn user_id(&self, username: &str) -> &str {
        self.users
            .iter()
            .find(|(n, _)| n == username)
            .map(|(_, id)| id.as_str())
            .unwrap_or_else(|| panic!("{username} is not a seeded user"))
    }

    /// What the server wrote on stderr so far (its request log, warnings
    /// such as CSRF failures, tracebacks).
    pub fn server_stderr(&self) -> String {
        self.server.stderr.text()
    }

    /// Whether the server's stderr shows `needle` within `timeout` (its
    /// reader thread may lag behind the answer a test already has).
    pub fn stderr_shows(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.server_stderr().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs Python `code` against the site's database, with the site's
    /// settings and Django set up; `args` is a list of strings in the
    /// snippet. Returns what it printed; panics with its stderr when it
    /// fails.
    pub fn python(&self, code: &str, args: &[&str]) -> String {
        let mut command = site_command(self.python, &self.db_path(), &self.env);
        command.arg("snippet.py").args(args);
        let done = run_bounded(command, Some(code), RUN_TIMEOUT)
            .unwrap_or_else(|e| panic!("a snippet on the Django site: {e}"));
        assert!(
            done.status.success(),
            "a snippet on the Django site failed ({}):\n{}\n--- the snippet ---\n{code}",
            done.status,
            done.stderr
        );
        done.stdout
    }

    /// Sets a user's password in the database, behind the site's back (so
    /// the sessions' auth hashes no longer match it).
    pub fn set_password(&self, username: &str, password: &str) {
        self.python(
            "from django.contrib.auth import get_user_model\n\
             user = get_user_model().objects.get_by_natural_key(args[0])\n\
             user.set_password(args[1])\n\
             user.save()\n",
            &[username, password],
        );
    }
}

/// A `python` command in the site's directory, with the site's
/// environment: `env` on top of the inherited one, less every setting
/// name the site reads.
/// The server's environment: `settings`, with the default `SECRET_KEY`
/// first unless they set one.
fn site_env(settings: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = settings
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    if !env.iter().any(|(n, _)| n == "SECRET_KEY") {
        env.insert(0, ("SECRET_KEY".to_owned(), SECRET_KEY.to_owned()));
    }
    env
}

fn site_command(python: &Python, db: &Path, env: &[(String, String)]) -> Command {
    let mut command = Command::new(&python.path);
    command.current_dir(site_dir());
    for name in SETTING_NAMES.iter().chain(&SITE_VARIABLES) {
        command.env_remove(name);
    }
    command
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .env("DJANGO_SETTINGS_MODULE", "e2e_site.settings")
        .env("DJANGO_SITE_DB", db);
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// The port in runserver's "Starting development server at
/// http://127.0.0.1:PORT/" (Django 6 says "WSGI development server").
fn announced_port(line: &str) -> Option<u16> {
    let rest = line.get(line.find("http://127.0.0.1:")? + "http://127.0.0.1:".len()..)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// One `GET /whoami`, plain and bounded: the status line.
fn probe(addr: SocketAddr) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET /whoami HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer);
    Ok(answer.lines().next().unwrap_or_default().to_owned())
}

// ---------------------------------------------------------------------
// The harness's own tests.

/// Logs `user` in through the site's form: scrape the token, post it.
async fn log_in(site: &DjangoSite, jar: &mut Jar, (user, password): (&str, &str)) -> Reply {
    let form = jar.get(site.addr(), "/login-form", &[]).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = form_token(&form.body).expect("a csrfmiddlewaretoken in the form");
    jar.post_form(
        site.addr(),
        "/login",
        &[
            ("csrfmiddlewaretoken", &token),
            ("username", user),
            ("password", password),
        ],
        &[],
    )
    .await
}

/// A fresh masked token for the jar's CSRF secret.
async fn csrf_token(site: &DjangoSite, jar: &mut Jar) -> String {
    let reply = jar.get(site.addr(), "/csrf-token", &[]).await;
    json_body(&reply)["token"].as_str().unwrap().to_owned()
}

/// Posts `form` with `headers` to the site's CSRF-protected view, and
/// checks that it was accepted.
async fn post_protected(
    site: &DjangoSite,
    jar: &mut Jar,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Reply {
    let reply = jar
        .post_form(site.addr(), "/protected", form, headers)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
}

fn assert_csrf_refusal(reply: &Reply, reason: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.body, reason);
    assert_eq!(reply.header("x-csrf-reason").as_deref(), Some(reason));
}

#[tokio::test]
async fn the_site_starts_answers_and_is_stopped() {
    let Some(site) = DjangoSite::start(&[]) else {
        return;
    };
    let mut jar = Jar::new();
    let reply = jar.get(site.addr(), "/whoami", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(json_body(&reply), json!({"user": null, "id": null}));
    assert!(site.url("/whoami").starts_with("http://127.0.0.1:"));
    assert!(site.db_path().exists());
    assert_eq!(site.setting("SECRET_KEY"), Some(SECRET_KEY));
    assert_eq!(site.settings().len(), 1, "only the default SECRET_KEY");
    assert!(!site.django_version().is_empty());
    let snippet = "from django.contrib.auth.models import User\n\
                   print(sorted(User.objects.values_list('username', flat=True)), args)";
    assert_eq!(
        site.python(snippet, &["x"]).trim(),
        "['alice', 'bob'] ['x']"
    );

    assert!(
        site.stderr_shows("\"GET /whoami HTTP/1.1\" 200", Duration::from_secs(5)),
        "runserver's request log: {}",
        site.server_stderr()
    );

    let (addr, dir) = (site.addr(), site.db_path());
    drop(site);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err());
    assert!(!dir.exists());
}

#[tokio::test]
async fn login_through_django_then_whoami_then_logout() {
    let Some(site) = DjangoSite::start(&[]) else {
        return;
    };
    let mut jar = Jar::new();
    let reply = log_in(&site, &mut jar, ALICE).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let session = jar
        .cookie("sessionid")
        .expect("a session cookie")
        .to_owned();
    // signed_cookies: the session is the cookie, signed (three parts).
    assert_eq!(session.split(':').count(), 3, "{session}");

    let whoami = json_body(&jar.get(site.addr(), "/whoami", &[]).await);
    let id = site.user_id("alice");
    assert_eq!(whoami, json!({"user": "alice", "id": id}));
    let stored = json_body(&jar.get(site.addr(), "/session", &[]).await);
    assert_eq!(stored["session"]["_auth_user_id"], json!(id));
    assert_eq!(
        stored["session"]["_auth_user_backend"],
        json!("django.contrib.auth.backends.ModelBackend")
    );
    assert!(stored["session"]["_auth_user_hash"].is_string());

    // A wrong password is refused and logs nobody in.
    let mut other = Jar::new();
    let refused = log_in(&site, &mut other, ("bob", "wrong")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(other.cookie("sessionid"), None);

    // login() rotated the CSRF secret: the form's token no longer fits.
    let token = csrf_token(&site, &mut jar).await;
    let reply = jar
        .post_form(site.addr(), "/logout", &[], &[("X-CSRFToken", &token)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(jar.cookie("sessionid"), None, "logout deletes the cookie");
    let whoami = json_body(&jar.get(site.addr(), "/whoami", &[]).await);
    assert_eq!(whoami, json!({"user": null, "id": null}));

    // The old cookie, replayed, still logs in: signed_cookies cannot
    // revoke (Django's documented limitation).
    jar.insert("sessionid", &session);
    let whoami = json_body(&jar.get(site.addr(), "/whoami", &[]).await);
    assert_eq!(whoami["user"], json!("alice"));
}

#[tokio::test]
async fn protected_needs_djangos_csrf_token() {
    let Some(site) = DjangoSite::start(&[]) else {
        return;
    };
    let mut jar = Jar::new();
    let reply = jar.post_form(site.addr(), "/protected", &[], &[]).await;
    assert_csrf_refusal(&reply, "CSRF cookie not set.");

    let form = jar.get(site.addr(), "/login-form", &[]).await;
    let token = form_token(&form.body).unwrap();
    assert!(jar.cookie("csrftoken").is_some());
    let reply = jar.post_form(site.addr(), "/protected", &[], &[]).await;
    assert_csrf_refusal(&reply, "CSRF token missing.");

    let reply = post_protected(&site, &mut jar, &[("csrfmiddlewaretoken", &token)], &[]).await;
    assert_eq!(json_body(&reply), json!({"ok": true}));
    post_protected(&site, &mut jar, &[], &[("X-CSRFToken", &token)]).await;

    // A foreign Origin is refused, whatever the token.
    let reply = jar
        .post_form(
            site.addr(),
            "/protected",
            &[("csrfmiddlewaretoken", &token)],
            &[("Origin", "http://evil.example")],
        )
        .await;
    assert_csrf_refusal(
        &reply,
        "Origin checking failed - http://evil.example does not match any trusted origins.",
    );
    let logged = "Forbidden (Origin checking failed - http://evil.example";
    assert!(
        site.stderr_shows(logged, Duration::from_secs(5)),
        "{}",
        site.server_stderr()
    );
}

#[tokio::test]
async fn settings_come_from_the_environment() {
    let Some(site) = DjangoSite::start(&[
        ("SESSION_COOKIE_NAME", "my_session"),
        ("CSRF_COOKIE_NAME", "my_csrf"),
        ("CSRF_TRUSTED_ORIGINS", r#"["http://trusted.example"]"#),
    ]) else {
        return;
    };
    let mut jar = Jar::new();
    let reply = log_in(&site, &mut jar, BOB).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(jar.names(), ["my_csrf", "my_session"]);
    let token = csrf_token(&site, &mut jar).await;
    post_protected(
        &site,
        &mut jar,
        &[],
        &[
            ("X-CSRFToken", &token),
            ("Origin", "http://trusted.example"),
        ],
    )
    .await;

    // CSRF_USE_SESSIONS: no CSRF cookie, the secret is in the session.
    let Some(site) = DjangoSite::start(&[("CSRF_USE_SESSIONS", "True")]) else {
        return;
    };
    let mut jar = Jar::new();
    let form = jar.get(site.addr(), "/login-form", &[]).await;
    let token = form_token(&form.body).unwrap();
    assert_eq!(jar.names(), ["sessionid"]);
    let stored = json_body(&jar.get(site.addr(), "/session", &[]).await);
    assert!(stored["session"]["_csrftoken"].is_string(), "{stored}");
    post_protected(&site, &mut jar, &[("csrfmiddlewaretoken", &token)], &[]).await;
}

#[tokio::test]
async fn password_changes_through_the_site_and_behind_its_back() {
    let Some(site) = DjangoSite::start(&[]) else {
        return;
    };
    // Through the site: update_session_auth_hash keeps the session.
    let mut bob = Jar::new();
    assert_eq!(log_in(&site, &mut bob, BOB).await.status, StatusCode::OK);
    let before = bob.cookie("sessionid").unwrap().to_owned();
    let token = csrf_token(&site, &mut bob).await;
    let reply = bob
        .post_form(
            site.addr(),
            "/change-password",
            &[("new_password", "bob-new-password")],
            &[("X-CSRFToken", &token)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_ne!(bob.cookie("sessionid"), Some(before.as_str()));
    let whoami = json_body(&bob.get(site.addr(), "/whoami", &[]).await);
    assert_eq!(whoami["user"], json!("bob"));
    let mut again = Jar::new();
    let reply = log_in(&site, &mut again, ("bob", "bob-new-password")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Behind its back: the session's auth hash no longer matches.
    let mut alice = Jar::new();
    assert_eq!(
        log_in(&site, &mut alice, ALICE).await.status,
        StatusCode::OK
    );
    site.set_password("alice", "changed-elsewhere");
    let whoami = json_body(&alice.get(site.addr(), "/whoami", &[]).await);
    assert_eq!(whoami, json!({"user": null, "id": null}));
}

#[tokio::test]
async fn the_jar_shares_cookies_with_a_second_server() {
    let Some(site) = DjangoSite::start(&[]) else {
        return;
    };
    // A Rust server on another port that echoes the Cookie header.
    let echo = axum::Router::new().route(
        "/echo",
        axum::routing::get(|headers: http::HeaderMap| async move {
            headers
                .get(http::header::COOKIE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        }),
    );
    let rust = crate::http_client::serve(echo).await;
    let mut jar = Jar::new();
    assert_eq!(log_in(&site, &mut jar, ALICE).await.status, StatusCode::OK);
    let seen = jar.get(rust, "/echo", &[]).await;
    assert_eq!(Some(seen.body), jar.header());
    assert!(jar.cookie("sessionid").is_some() && jar.cookie("csrftoken").is_some());
}
