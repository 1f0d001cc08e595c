//! `signed-session`: sign, verify and inspect Django-compatible signed
//! tokens and session cookies from the command line.
//!
//! Exit status: 0 ok; 1 bad signature; 2 expired; 3 malformed payload
//! after a valid signature; 4 token or payload over a limit; 64 usage or
//! setup error. `keys` exits 0 whenever it prints its report.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use python_json as json;
use python_json::Value;
use signed_session::clock::{Clock, ManualClock, SystemClock};
use signed_session::dangerous;
use signed_session::error::report;
use signed_session::signing::{
    Compression, Keyring, Limits, ObjectSigner, Secret, SecretError, Signer, TimestampSigner,
};
use signed_session::{DecodeError, DecodeErrorKind, EncodeError, SignatureFailure};
use time::{Duration, OffsetDateTime};

/// Django's session salt, the default for `encode`, `decode` and `keys`.
const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";

const EXIT_BAD_SIGNATURE: u8 = 1;
const EXIT_EXPIRED: u8 = 2;
const EXIT_MALFORMED: u8 = 3;
const EXIT_LIMIT: u8 = 4;
const EXIT_USAGE: u8 = 64;

#[derive(Parser)]
#[command(
    name = "signed-session",
    version,
    about = "Sign, verify and inspect Django-compatible signed tokens and session cookies",
    after_help = "Exit status: 0 ok, 1 bad signature, 2 expired, 3 malformed payload, \
                  4 over a limit, 64 usage or setup error.\n\
                  The secret is never taken as an argument: use --secret-env or --secret-file."
)]
struct Cli {
    #[command(flatten)]
    keys: KeyArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct KeyArgs {
    /// Environment variable holding the current secret.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "SIGNED_SESSION_SECRET"
    )]
    secret_env: String,
    /// File holding the current secret (one trailing newline is ignored).
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        conflicts_with = "secret_env"
    )]
    secret_file: Option<PathBuf>,
    /// Environment variable holding a fallback secret (repeatable, tried in order).
    #[arg(long, global = true, value_name = "NAME")]
    fallback_env: Vec<String>,
    /// Longest token accepted or produced, in bytes (default 8192); the
    /// decoded-payload cap becomes at least as large.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = DEFAULT_MAX_LENGTH)]
    max_length: usize,
}

/// The default of `--max-length`: the library's default token limit.
const DEFAULT_MAX_LENGTH: usize = 8192;

impl KeyArgs {
    /// The library's limits, with `--max-length` applied.
    fn limits(&self) -> Limits {
        let defaults = Limits::default();
        defaults
            .with_max_token_len(self.max_length)
            .with_max_inflated_len(defaults.max_inflated_len().max(self.max_length))
    }
}

/// How `decode` and `keys` verify a session token.
#[derive(Args)]
struct VerifyArgs {
    /// Salt (default: Django's session salt).
    #[arg(long, default_value = SESSION_SALT)]
    salt: String,
    /// Maximum age in seconds (default: no age check).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    max_age: Option<f64>,
    /// Verification time in Unix seconds (fractional allowed; default now).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    at: Option<f64>,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a JSON value as a token (Django's signing.dumps).
    Encode {
        /// Salt (default: Django's session salt).
        #[arg(long, default_value = SESSION_SALT)]
        salt: String,
        /// Never compress (Django's compress=False).
        #[arg(long)]
        no_compress: bool,
        /// Signing time in Unix seconds (fractional allowed; default now).
        #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
        at: Option<f64>,
        /// The JSON value (default: read from standard input).
        json: Option<String>,
    },
    /// Verify a token and print its value as compact JSON (Django's signing.loads).
    Decode {
        #[command(flatten)]
        verify: VerifyArgs,
        /// Also print timestamp, age, compression and the matching key on stderr.
        #[arg(long)]
        verbose: bool,
        /// The token (default: read from standard input).
        token: Option<String>,
    },
    /// Show a token's parts and payload WITHOUT verifying the signature.
    Inspect {
        /// The token (default: read from standard input).
        token: Option<String>,
    },
    /// Sign a plain string (Django's Signer, or TimestampSigner with --timestamp).
    Sign {
        /// Salt (default: Django's class-path salt of the signer).
        #[arg(long, default_value = "")]
        salt: String,
        /// Add a timestamp (TimestampSigner).
        #[arg(long)]
        timestamp: bool,
        /// Signing time in Unix seconds, with --timestamp (default now).
        #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, requires = "timestamp")]
        at: Option<f64>,
        /// The value to sign.
        value: String,
    },
    /// Verify a plain signed string and print the value.
    Unsign {
        /// Salt (default: Django's class-path salt of the signer).
        #[arg(long, default_value = "")]
        salt: String,
        /// The value carries a timestamp (TimestampSigner).
        #[arg(long)]
        timestamp: bool,
        /// Maximum age in seconds, with --timestamp.
        #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, requires = "timestamp")]
        max_age: Option<f64>,
        /// Verification time in Unix seconds, with --timestamp (default now).
        #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, requires = "timestamp")]
        at: Option<f64>,
        /// The signed value.
        value: String,
    },
    /// Count tokens by the key that verifies them, and the failures by
    /// kind: a key-rotation report.
    #[command(
        after_help = "Each line of the input is a token, or a cookie pair NAME=TOKEN \
                  as copied from a header (sessionid=...; NAME is an HTTP token, \
                  without ':'). Surrounding whitespace is ignored and blank lines \
                  are skipped. A line over --max-length bytes counts as too long, \
                  one that is not UTF-8 as malformed; a malformed payload after a \
                  valid signature counts as malformed too, and one that inflates \
                  past the payload cap as too long. Payloads are not parsed as JSON.\n\
                  Keys are named by where they come from (variable name or file \
                  path), never by their value.\n\
                  Exit status: 0 whenever the report is printed, whatever the counts; \
                  64 on a usage or setup error (including an unreadable input)."
    )]
    Keys {
        #[command(flatten)]
        verify: VerifyArgs,
        /// Print the counts as one compact JSON object.
        #[arg(long)]
        json: bool,
        /// File of tokens, one per line (default, or "-": standard input).
        file: Option<PathBuf>,
    },
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{text:?} is not a finite number of seconds")),
    }
}

/// A failure: the message for stderr and the exit status.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        let code = match e.kind() {
            DecodeErrorKind::BadSignature => EXIT_BAD_SIGNATURE,
            DecodeErrorKind::Expired => EXIT_EXPIRED,
            DecodeErrorKind::TooLong | DecodeErrorKind::TooLarge => EXIT_LIMIT,
            _ => EXIT_MALFORMED,
        };
        Failure {
            code,
            message: report(&e),
        }
    }
}

impl From<EncodeError> for Failure {
    fn from(e: EncodeError) -> Self {
        let code = match e {
            EncodeError::TooLong { .. }
            | EncodeError::TooLarge { .. }
            | EncodeError::TooDeep { .. } => EXIT_LIMIT,
            _ => EXIT_USAGE,
        };
        Failure {
            code,
            message: report(&e),
        }
    }
}

impl From<SecretError> for Failure {
    fn from(e: SecretError) -> Self {
        Failure::usage(e.to_string())
    }
}

fn keyring(args: &KeyArgs) -> Result<Keyring, Failure> {
    let current = match &args.secret_file {
        Some(path) => {
            let mut bytes = std::fs::read(path).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the secret file {}: {e}",
                    path.display()
                ))
            })?;
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
            }
            Secret::new(bytes)?
        }
        None => Secret::from_env(&args.secret_env)?,
    };
    let mut ring = Keyring::new(current);
    for name in &args.fallback_env {
        ring = ring.with_fallback(Secret::from_env(name)?);
    }
    // Accepted (a Django project with a short key must keep working), but
    // said out loud: a guessable key lets anyone forge sessions.
    for (index, weakness) in ring.weak_secrets() {
        let which = match index {
            0 => "the secret".to_owned(),
            n => format!("fallback secret {n}"),
        };
        eprintln!(
            "signed-session: warning: {which} is weak: {weakness} (Django's check security.W009)"
        );
    }
    Ok(ring)
}

/// A text from an untrusted token, made safe for a terminal: control
/// characters (C0, DEL, C1) and the bidirectional-text controls are shown
/// as `\u{..}` escapes instead of reaching the terminal, where they could
/// move the cursor, recolour or hide text.
fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The argument, or standard input with one trailing newline removed.
fn arg_or_stdin(arg: Option<String>, what: &str, limits: &Limits) -> Result<String, Failure> {
    if let Some(a) = arg {
        return Ok(a);
    }
    let mut text = String::new();
    // Read at most one byte past the cap, so a huge stdin cannot exhaust
    // memory and is refused rather than silently cut.
    let cap = limits.max_inflated_len().max(limits.max_token_len());
    std::io::stdin()
        .take(cap.saturating_add(1) as u64)
        .read_to_string(&mut text)
        .map_err(|e| Failure::usage(format!("cannot read the {what} from standard input: {e}")))?;
    if text.len() > cap {
        return Err(Failure {
            code: EXIT_LIMIT,
            message: format!("the {what} on standard input is over the limit of {cap} bytes"),
        });
    }
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// The clock of a command: `--at` (fractional Unix seconds) or the system
/// clock.
fn clock(at: Option<f64>) -> Result<ManualClock, Failure> {
    let now = match at {
        None => SystemClock.now(),
        Some(seconds) => {
            // `parse_seconds` only lets finite values through. Whole seconds
            // and the fraction apart: `seconds * 1e9` as one f64 would round
            // to 256 ns at today's times.
            let whole = seconds.floor();
            #[allow(clippy::cast_possible_truncation)]
            let nanos = (whole as i128)
                .checked_mul(1_000_000_000)
                .and_then(|n| n.checked_add(((seconds - whole) * 1e9).round() as i128));
            nanos
                .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
                .ok_or_else(|| {
                    Failure::usage(format!("--at {seconds} is outside the years -9999 to 9999"))
                })?
        }
    };
    Ok(ManualClock::new(now))
}

/// A clock's time as fractional Unix seconds, as `--verbose` prints ages.
fn unix_seconds(at: OffsetDateTime) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let whole = at.unix_timestamp() as f64;
    whole + f64::from(at.nanosecond()) / 1e9
}

fn seconds(s: Option<f64>) -> Option<Duration> {
    s.map(Duration::saturating_seconds_f64)
}

/// Where each key of the keyring comes from, in keyring order: the
/// variable name or the file path, never the secret.
fn key_sources(args: &KeyArgs) -> Vec<String> {
    let current = match &args.secret_file {
        Some(path) => path.display().to_string(),
        None => args.secret_env.clone(),
    };
    std::iter::once(current)
        .chain(args.fallback_env.iter().cloned())
        .collect()
}

/// The counts of `keys`.
struct KeyReport {
    /// Where each key comes from, in keyring order.
    sources: Vec<String>,
    /// Tokens verified by each key.
    matches: Vec<u64>,
    /// Tokens signed by each key that the keyring has retired.
    retired: Vec<u64>,
    bad_signature: u64,
    expired: u64,
    malformed: u64,
    too_long: u64,
    total: u64,
}

impl KeyReport {
    fn new(sources: Vec<String>, keys: usize) -> Self {
        KeyReport {
            sources,
            matches: vec![0; keys],
            retired: vec![0; keys],
            bad_signature: 0,
            expired: 0,
            malformed: 0,
            too_long: 0,
            total: 0,
        }
    }

    /// Adds one to the count of key `index` in `counts`, growing it if the
    /// library ever reports an index past the keyring it was given.
    fn bump(counts: &mut Vec<u64>, index: usize) {
        if counts.len() <= index {
            counts.resize(index.saturating_add(1), 0);
        }
        if let Some(count) = counts.get_mut(index) {
            *count += 1;
        }
    }

    fn count(&mut self, outcome: Result<usize, DecodeError>) {
        self.total += 1;
        match outcome {
            Ok(index) => Self::bump(&mut self.matches, index),
            Err(DecodeError::BadSignature(SignatureFailure::Retired { key_index })) => {
                Self::bump(&mut self.retired, key_index);
            }
            Err(e) => match e.kind() {
                DecodeErrorKind::BadSignature => self.bad_signature += 1,
                DecodeErrorKind::Expired => self.expired += 1,
                DecodeErrorKind::TooLong | DecodeErrorKind::TooLarge => self.too_long += 1,
                _ => self.malformed += 1,
            },
        }
    }

    fn source(&self, index: usize) -> &str {
        self.sources.get(index).map_or("unknown", String::as_str)
    }

    /// The report, one line per key, then per failure class.
    fn text(&self) -> String {
        let mut out = String::new();
        for (index, count) in self.matches.iter().enumerate() {
            let role = if index == 0 { "current" } else { "fallback" };
            let source = shown(self.source(index));
            out.push_str(&format!("key {index} ({role}, {source}): {count}\n"));
        }
        for (index, count) in self.retired.iter().enumerate() {
            if *count > 0 {
                out.push_str(&format!("retired key {index}: {count}\n"));
            }
        }
        out.push_str(&format!("bad signature: {}\n", self.bad_signature));
        out.push_str(&format!("expired: {}\n", self.expired));
        out.push_str(&format!("malformed: {}\n", self.malformed));
        out.push_str(&format!("too long: {}\n", self.too_long));
        out.push_str(&format!("total: {}", self.total));
        out
    }

    /// The same counts as one compact JSON object.
    fn json(&self) -> String {
        let keys = self
            .matches
            .iter()
            .enumerate()
            .map(|(index, count)| {
                [
                    ("index".to_owned(), Value::from(index)),
                    ("source".to_owned(), Value::from(self.source(index))),
                    ("matches".to_owned(), Value::from(*count)),
                ]
                .into_iter()
                .collect::<Value>()
            })
            .collect();
        let retired = self
            .retired
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(index, count)| {
                [
                    ("index".to_owned(), Value::from(index)),
                    ("matches".to_owned(), Value::from(*count)),
                ]
                .into_iter()
                .collect::<Value>()
            })
            .collect();
        let report: Value = [
            ("keys".to_owned(), Value::Array(keys)),
            ("retired".to_owned(), Value::Array(retired)),
            ("bad_signature".to_owned(), Value::from(self.bad_signature)),
            ("expired".to_owned(), Value::from(self.expired)),
            ("malformed".to_owned(), Value::from(self.malformed)),
            ("too_long".to_owned(), Value::from(self.too_long)),
            ("total".to_owned(), Value::from(self.total)),
        ]
        .into_iter()
        .collect();
        String::from_utf8_lossy(&json::to_vec(&report)).into_owned()
    }
}

/// Reads the next line (its `\n` left out) into `line`, holding at most
/// `cap` + 1 bytes of it: past that only the fact that it was too long is
/// kept, and the rest of the line is read and dropped, so a huge line
/// without a newline costs no more memory than a short one.
///
/// `None` at the end of the input, else whether the line was too long
/// (over `cap` bytes without a trailing `\r`).
fn next_line(
    reader: &mut dyn BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        read_any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let (chunk, _) = available.split_at(newline.unwrap_or(available.len()));
        // Room for one `\r` more than the cap.
        if !too_long && line.len().saturating_add(chunk.len()) > cap.saturating_add(1) {
            too_long = true;
            line.clear();
        }
        if !too_long {
            line.extend_from_slice(chunk);
        }
        let used = newline.map_or(available.len(), |i| i + 1);
        reader.consume(used);
        if newline.is_some() {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(too_long || line.len() > cap))
}

/// Whether `b` may appear in an HTTP token (RFC 9110 `tchar`), as a cookie
/// name; `:` may not.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The token of a line: the line itself, or the value of a cookie pair
/// `NAME=TOKEN` whose name is an HTTP token. A Django token has no `=`.
fn token_of_line(line: &str) -> &str {
    match line.split_once('=') {
        Some((name, value))
            if !name.trim_end().is_empty() && name.trim_end().bytes().all(is_tchar) =>
        {
            value.trim_start()
        }
        _ => line,
    }
}

/// The `keys` command: verifies every line of `file` (or standard input)
/// and counts the outcomes.
fn key_report(
    args: &KeyArgs,
    limits: Limits,
    salt: &str,
    max_age: Option<f64>,
    at: Option<f64>,
    file: Option<&Path>,
) -> Result<KeyReport, Failure> {
    let ring = keyring(args)?;
    let codec = ObjectSigner::new(&ring, salt)
        .with_limits(limits)
        .with_clock(clock(at)?);
    let max_age = seconds(max_age);
    let (mut reader, what): (Box<dyn BufRead>, String) = match file {
        None => (
            Box::new(std::io::stdin().lock()),
            "standard input".to_owned(),
        ),
        Some(path) if path.as_os_str() == "-" => (
            Box::new(std::io::stdin().lock()),
            "standard input".to_owned(),
        ),
        Some(path) => {
            let what = shown(&path.display().to_string());
            let opened = std::fs::File::open(path)
                .map_err(|e| Failure::usage(format!("cannot open {what}: {e}")))?;
            (
                Box::new(std::io::BufReader::with_capacity(64 * 1024, opened)),
                what,
            )
        }
    };
    let cap = limits.max_token_len();
    let mut report = KeyReport::new(key_sources(args), ring.len());
    let mut line = Vec::new();
    while let Some(too_long) = next_line(&mut *reader, &mut line, cap)
        .map_err(|e| Failure::usage(format!("cannot read {what}: {e}")))?
    {
        if too_long {
            report.total += 1;
            report.too_long += 1;
            continue;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            report.total += 1;
            report.malformed += 1;
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let outcome = codec
            .open(token_of_line(text), max_age)
            .map(|opened| opened.key_index);
        report.count(outcome);
    }
    Ok(report)
}

fn run(cli: Cli) -> Result<String, Failure> {
    let limits = cli.keys.limits();
    match cli.command {
        Command::Encode {
            salt,
            no_compress,
            at,
            json: text,
        } => {
            let text = arg_or_stdin(text, "JSON value", &limits)?;
            let value = json::from_slice(text.as_bytes(), limits.max_json_depth())
                .map_err(|e| Failure::usage(format!("the JSON argument is not valid JSON: {e}")))?;
            let compression = if no_compress {
                Compression::Never
            } else {
                Compression::Django
            };
            let codec = ObjectSigner::new(&keyring(&cli.keys)?, &salt)
                .with_compression(compression)
                .with_limits(limits);
            Ok(codec.with_clock(clock(at)?).dumps(&value)?)
        }
        Command::Decode {
            verify: VerifyArgs { salt, max_age, at },
            verbose,
            token,
        } => {
            let token = arg_or_stdin(token, "token", &limits)?;
            let codec = ObjectSigner::new(&keyring(&cli.keys)?, &salt).with_limits(limits);
            let clock = clock(at)?;
            let now = unix_seconds(clock.now());
            let loaded = codec
                .with_clock(clock)
                .loads::<Value>(&token, seconds(max_age))?;
            if verbose {
                let timestamp = loaded.signed_at.unix_timestamp();
                #[allow(clippy::cast_precision_loss)]
                let age = now - timestamp as f64;
                eprintln!("timestamp: {timestamp}");
                eprintln!("age: {age}");
                eprintln!("compressed: {}", loaded.compressed);
                eprintln!("key index: {}", loaded.key_index);
            }
            Ok(String::from_utf8_lossy(&json::to_vec(&loaded.value)).into_owned())
        }
        Command::Inspect { token } => {
            let token = arg_or_stdin(token, "token", &limits)?;
            let Some(i) = dangerous::inspect(&token, &limits) else {
                return Err(Failure {
                    code: EXIT_LIMIT,
                    message: format!(
                        "token is {} bytes, over the limit of {} (raise it with --max-length)",
                        token.len(),
                        limits.max_token_len()
                    ),
                });
            };
            let mut out = String::from("UNVERIFIED: the signature was not checked\n");
            out.push_str(&format!("compressed: {}\n", i.compressed));
            out.push_str(&format!("body: {}\n", shown(&i.body)));
            out.push_str(&format!(
                "timestamp: {} ({})\n",
                i.timestamp_text
                    .as_deref()
                    .map_or_else(|| "<none>".to_owned(), shown),
                i.timestamp
                    .map_or_else(|| "not base62".to_owned(), |t| t.to_string())
            ));
            out.push_str(&format!(
                "signature: {}\n",
                i.signature
                    .as_deref()
                    .map_or_else(|| "<none>".to_owned(), shown)
            ));
            match &i.payload {
                Ok(v) => out.push_str(&format!(
                    "payload (unverified): {}",
                    String::from_utf8_lossy(&json::to_vec(v))
                )),
                Err(e) => out.push_str(&format!("payload: does not decode: {}", shown(&report(e)))),
            }
            Ok(out)
        }
        Command::Sign {
            salt,
            timestamp,
            at,
            value,
        } => {
            let ring = keyring(&cli.keys)?;
            if timestamp {
                Ok(TimestampSigner::new(&ring, &salt)
                    .with_max_len(limits.max_token_len())
                    .with_clock(clock(at)?)
                    .sign(&value)?)
            } else {
                Ok(Signer::new(&ring, &salt)
                    .with_max_len(limits.max_token_len())
                    .sign(&value)?)
            }
        }
        Command::Unsign {
            salt,
            timestamp,
            max_age,
            at,
            value,
        } => {
            let ring = keyring(&cli.keys)?;
            if timestamp {
                let signer = TimestampSigner::new(&ring, &salt)
                    .with_max_len(limits.max_token_len())
                    .with_clock(clock(at)?);
                Ok(signer.unsign(&value, seconds(max_age))?.value.to_owned())
            } else {
                let signer = Signer::new(&ring, &salt).with_max_len(limits.max_token_len());
                Ok(signer.unsign(&value)?.value.to_owned())
            }
        }
        Command::Keys {
            verify: VerifyArgs { salt, max_age, at },
            json,
            file,
        } => {
            let report = key_report(&cli.keys, limits, &salt, max_age, at, file.as_deref())?;
            Ok(if json { report.json() } else { report.text() })
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                _ => EXIT_USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{out}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("signed-session: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
