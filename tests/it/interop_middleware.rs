//! Middleware-level interop with a running Django (issue 5): the same
//! scripted request sequences (log in, cycle the key, set values, set
//! expiry, flush, a tampered cookie, ...) go through Django's
//! `SessionMiddleware` and through the crate's framework-free
//! [`SessionMiddleware`], each side with its own cookie jar, and again with
//! the jars crossed (Django gets the cookie we set and we get Django's).
//! `Set-Cookie` lines must be identical (up to the token when only Django
//! compressed, as our default policy compresses less; the data must then
//! match) and so must `Vary`.
//!
//! Seeded like `interop_signing` (`SIGNED_SESSION_INTEROP_SEED`).
#![cfg(feature = "http")]

use crate::at::{self, prelude::*};
use crate::oracle;

use http::header::{COOKIE, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, StatusCode};
use oracle::ops::{self, iso_naive, iso_utc, op};
use oracle::payload::{self, Rng};
use oracle::{Oracle, get, items, obj, report};
use python_json as json;
use signed_session::http::{CookieConfig, SameSite, SessionMiddleware};
use signed_session::session::SessionConfig;
use signed_session::{Keyring, Secret, Value};

fn show(v: &Value) -> String {
    let text = String::from_utf8(json::to_vec(v)).unwrap();
    if text.len() > 400 {
        format!("{}… ({} bytes)", &text[..400], text.len())
    } else {
        text
    }
}

/// The middleware settings both sides get.
#[derive(Debug, Clone)]
pub(crate) struct Mw {
    name: String,
    domain: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<&'static str>,
    age: i64,
    save_every_request: bool,
    expire_at_browser_close: bool,
    pub(crate) use_tz: bool,
    secret: String,
    fallbacks: Vec<String>,
}

impl Default for Mw {
    fn default() -> Self {
        Mw {
            name: "sessionid".into(),
            domain: None,
            path: Some("/".into()),
            secure: false,
            http_only: true,
            same_site: Some("Lax"),
            age: 1_209_600,
            save_every_request: false,
            expire_at_browser_close: false,
            use_tz: true,
            secret: "interop-middleware-secret".into(),
            fallbacks: Vec::new(),
        }
    }
}

impl Mw {
    fn django(&self) -> Value {
        let opt = |o: &Option<String>| o.as_deref().map_or(Value::Null, Value::from);
        obj([
            ("SECRET_KEY", Value::from(self.secret.as_str())),
            (
                "SECRET_KEY_FALLBACKS",
                Value::Array(
                    self.fallbacks
                        .iter()
                        .map(|s| Value::from(s.as_str()))
                        .collect(),
                ),
            ),
            ("SESSION_COOKIE_NAME", Value::from(self.name.as_str())),
            ("SESSION_COOKIE_DOMAIN", opt(&self.domain)),
            ("SESSION_COOKIE_PATH", opt(&self.path)),
            ("SESSION_COOKIE_SECURE", Value::Bool(self.secure)),
            ("SESSION_COOKIE_HTTPONLY", Value::Bool(self.http_only)),
            (
                "SESSION_COOKIE_SAMESITE",
                self.same_site.map_or(Value::Null, Value::from),
            ),
            ("SESSION_COOKIE_AGE", Value::from(self.age)),
            (
                "SESSION_SAVE_EVERY_REQUEST",
                Value::Bool(self.save_every_request),
            ),
            (
                "SESSION_EXPIRE_AT_BROWSER_CLOSE",
                Value::Bool(self.expire_at_browser_close),
            ),
            ("USE_TZ", Value::Bool(self.use_tz)),
        ])
    }

    /// The session settings, on `base` (which brings the clock).
    fn session_config(&self, base: SessionConfig) -> SessionConfig {
        // Django's exact load behaviour: per-session expiry not enforced.
        base.with_use_tz(self.use_tz)
            .with_enforce_expiry(false)
            .with_limits(ops::roomy_limits())
            .with_cookie_age(time::Duration::seconds(self.age))
            .with_expire_at_browser_close(self.expire_at_browser_close)
    }

    fn cookie_config(&self) -> CookieConfig {
        CookieConfig::new()
            .with_name(self.name.as_str())
            .with_domain(self.domain.clone())
            .with_path(self.path.clone())
            .with_secure(self.secure)
            .with_http_only(self.http_only)
            .with_same_site(self.same_site.map(|s| s.parse::<SameSite>().unwrap()))
            .with_save_every_request(self.save_every_request)
            // Django has no size limit; the scripts stay far below 4096 anyway.
            .with_size_budget(1 << 20)
            // Django does not re-sign a cookie a fallback key verified.
            .with_resign_fallback(false)
    }

    /// Our middleware with these settings, reading `base`'s clock.
    pub(crate) fn rust_with(&self, base: SessionConfig) -> SessionMiddleware {
        let mut ring = Keyring::new(Secret::new(self.secret.as_str()).unwrap());
        for f in &self.fallbacks {
            ring = ring.with_fallback(Secret::new(f.as_str()).unwrap());
        }
        SessionMiddleware::new(&ring, self.session_config(base), self.cookie_config()).unwrap()
    }

    /// Our middleware replaying scripted times.
    fn rust(&self) -> SessionMiddleware {
        self.rust_with(at::config())
    }
}

/// What one side answered.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) vary: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) view_results: Value,
}

impl Answer {
    /// A response's `Vary` (its lines joined) and `Set-Cookie` lines, with
    /// the view's results.
    pub(crate) fn from_headers(headers: &HeaderMap, view_results: Value) -> Self {
        let vary: Vec<&str> = headers
            .get_all(VARY)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        Answer {
            vary: if vary.is_empty() {
                None
            } else {
                Some(vary.join(", "))
            },
            set_cookies: headers
                .get_all(SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect(),
            view_results,
        }
    }
}

fn django_request(
    django: &mut Oracle,
    mw: &Mw,
    cookie_header: Option<&str>,
    ops: &[Value],
    status: u16,
    vary: Option<&str>,
    now: f64,
) -> Answer {
    let d = django.call(
        "middleware",
        obj([
            ("settings", mw.django()),
            ("now", Value::from(now)),
            (
                "cookie_header",
                cookie_header.map_or(Value::Null, Value::from),
            ),
            ("ops", Value::Array(ops.to_vec())),
            ("status", Value::from(i64::from(status))),
            ("vary", vary.map_or(Value::Null, Value::from)),
        ]),
    );
    Answer {
        vary: get(&d, "vary").as_str().map(str::to_owned),
        set_cookies: items(get(&d, "cookies"))
            .iter()
            .map(|c| get(c, "header").as_str().unwrap().to_owned())
            .collect(),
        view_results: get(&d, "view_results").clone(),
    }
}

fn rust_request(
    mw: &SessionMiddleware,
    cookie_header: Option<&str>,
    ops: &[Value],
    status: u16,
    vary: Option<&str>,
    now: f64,
) -> Answer {
    let mut headers = HeaderMap::new();
    if let Some(c) = cookie_header {
        headers.insert(COOKIE, HeaderValue::from_str(c).unwrap());
    }
    let mut loaded = mw.load_at(&headers, now);
    let results = ops::run_all(mw.codec(), &mut loaded.session, ops, now);
    let mut out = HeaderMap::new();
    if let Some(v) = vary {
        out.insert(VARY, HeaderValue::from_str(v).unwrap());
    }
    mw.finish_at(
        &mut loaded.session,
        loaded.had_cookie,
        StatusCode::from_u16(status).unwrap(),
        &mut out,
        now,
    )
    .unwrap();
    Answer::from_headers(&out, Value::Array(results))
}

/// Splits `name=value; attrs...` into the value and the line with the
/// value blanked out.
fn split_value(line: &str) -> (String, String) {
    let (first, rest) = line.split_once(';').map_or((line, ""), |(a, b)| (a, b));
    let (name, value) = first.split_once('=').unwrap();
    (value.to_owned(), format!("{name}=<token>;{rest}"))
}

/// Compares two answers; `None` when equivalent, else why not.
fn differences(d: &Answer, r: &Answer, mw: &SessionMiddleware, now: f64) -> Option<String> {
    let mut why = Vec::new();
    if d.vary != r.vary {
        why.push(format!("Vary: django {:?}, rust {:?}", d.vary, r.vary));
    }
    if d.view_results != r.view_results {
        why.push(format!(
            "view results: django {}, rust {}",
            show(&d.view_results),
            show(&r.view_results)
        ));
    }
    if d.set_cookies.len() != r.set_cookies.len() {
        why.push(format!(
            "Set-Cookie: django {:?}, rust {:?}",
            d.set_cookies, r.set_cookies
        ));
    } else {
        for (dl, rl) in d.set_cookies.iter().zip(&r.set_cookies) {
            let (dv, dshape) = split_value(dl);
            let (rv, rshape) = split_value(rl);
            // Both compressed or neither: the same line (the deflater
            // writes stock zlib's bytes).
            if dv.starts_with('.') == rv.starts_with('.') {
                if dl != rl {
                    why.push(format!(
                        "Set-Cookie differs:\n    django {dl}\n    rust   {rl}"
                    ));
                }
                continue;
            }
            if dshape != rshape {
                why.push(format!(
                    "Set-Cookie attributes differ:\n    django {dl}\n    rust   {rl}"
                ));
            }
            // Compressed on one side only (our default policy compresses
            // only JSON of 1 KiB or more): the tokens differ, the data not.
            let decode = |v: &str| {
                mw.codec()
                    .try_load_at(Some(v), now)
                    .map(|s| Value::Object(s.as_map().clone()))
            };
            match (decode(&dv), decode(&rv)) {
                (Ok(a), Ok(b)) if a == b => {}
                (a, b) => why.push(format!("cookie data differs: django {a:?}, rust {b:?}")),
            }
        }
    }
    if why.is_empty() {
        None
    } else {
        Some(why.join("\n  "))
    }
}

/// A browser's cookie jar for one cookie name.
#[derive(Debug, Clone, Default)]
struct Jar(Option<String>);

impl Jar {
    fn apply(&mut self, name: &str, set_cookies: &[String]) {
        for line in set_cookies {
            let (value, _) = split_value(line);
            if !line.starts_with(&format!("{name}=")) {
                continue;
            }
            let max_age = line
                .split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.eq_ignore_ascii_case("max-age"))
                .map(|(_, v)| v.parse::<i64>().unwrap());
            self.0 = match max_age {
                Some(age) if age <= 0 => None,
                _ => Some(value.trim_matches('"').to_owned()),
            };
        }
    }
}

/// How the next request's Cookie header is made from the jar.
#[derive(Debug, Clone)]
enum Carry {
    Jar,
    /// The jar's cookie with one character of its signature changed.
    Tampered,
    /// The jar's cookie among other cookies, with spacing.
    AmongOthers,
    Literal(&'static str),
    Nothing,
}

#[derive(Debug, Clone)]
pub(crate) struct Step {
    what: &'static str,
    ops: Vec<Value>,
    status: u16,
    vary: Option<&'static str>,
    send: Carry,
    /// Seconds since the previous step.
    dt: f64,
}

fn header_for(send: &Carry, name: &str, jar: &Jar) -> Option<String> {
    match send {
        Carry::Nothing => None,
        Carry::Literal(v) => Some(format!("{name}={v}")),
        Carry::Jar => jar.0.as_ref().map(|v| format!("{name}={v}")),
        Carry::Tampered => jar.0.as_ref().map(|v| {
            let last = v.chars().last().unwrap();
            let swap = if last == 'A' { 'B' } else { 'A' };
            format!("{name}={}{swap}", &v[..v.len() - 1])
        }),
        Carry::AmongOthers => jar
            .0
            .as_ref()
            .map(|v| format!("csrftoken=abc123;  {name}={v} ; theme=dark; {name}x=zzz")),
    }
}

fn s(name: &str) -> Value {
    Value::from(name)
}

fn o1(name: &str) -> Value {
    op([s(name)])
}

fn set(k: &str, v: Value) -> Value {
    op([s("set"), s(k), v])
}

/// The scripted sequence of the issue: log in, cycle the key, set values,
/// set expiry in each form, flush, a tampered cookie, and the odd ones out.
pub(crate) fn script(use_tz: bool) -> Vec<Step> {
    let step = |what, ops: Vec<Value>| Step {
        what,
        ops,
        status: 200,
        vary: None,
        send: Carry::Jar,
        dt: 7.25,
    };
    let future = 1_700_000_000.0 + 90_000.5;
    let past = 1_600_000_000.0;
    let date = |t: f64| if use_tz { iso_utc(t) } else { iso_naive(t) };
    vec![
        step("anonymous visit", vec![]),
        step(
            "login page sets the test cookie",
            vec![o1("set_test_cookie")],
        ),
        step(
            "log in",
            vec![
                o1("test_cookie_worked"),
                o1("delete_test_cookie"),
                o1("cycle_key"),
                set("_auth_user_id", s("42")),
                set(
                    "_auth_user_backend",
                    s("django.contrib.auth.backends.ModelBackend"),
                ),
                set(
                    "_auth_user_hash",
                    s("8f3c2a7d9b1e4f60a5c3d2e1f0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1"),
                ),
            ],
        ),
        step("read only", vec![op([s("get"), s("_auth_user_id")])]),
        Step {
            vary: Some("Accept-Encoding"),
            ..step("untouched, view varies", vec![])
        },
        step(
            "set values",
            vec![
                set("cart", Value::from(vec![1, 2, 3])),
                set("name", s("Jos\u{e9} \u{1f600} \u{2028}")),
                op([
                    s("update"),
                    obj([
                        ("big", Value::from(12_345_678_901_234_567_890_123_i128)),
                        ("f", Value::from(1.0)),
                    ]),
                ]),
            ],
        ),
        step("cycle key again", vec![o1("cycle_key")]),
        step(
            "set_expiry(300)",
            vec![op([s("set_expiry"), Value::from(300)])],
        ),
        step(
            "set_expiry(timedelta)",
            vec![op([s("set_expiry_timedelta"), Value::from(3600.5)])],
        ),
        step(
            "set_expiry(datetime)",
            vec![op([s("set_expiry_datetime"), s(&date(future))])],
        ),
        step(
            "set_expiry(0): browser session",
            vec![op([s("set_expiry"), Value::from(0)])],
        ),
        step("set_expiry(None)", vec![op([s("set_expiry"), Value::Null])]),
        Step {
            send: Carry::AmongOthers,
            ..step("cookie among others", vec![op([s("get"), s("cart")])])
        },
        Step {
            send: Carry::Tampered,
            ..step("tampered cookie, read", vec![op([s("get"), s("cart")])])
        },
        step("values again", vec![set("a", Value::from(1))]),
        Step {
            send: Carry::Tampered,
            ..step("tampered cookie, untouched", vec![])
        },
        Step {
            status: 500,
            ..step(
                "server error after a change",
                vec![set("b", Value::from(2))],
            )
        },
        Step {
            vary: Some("*"),
            ..step("Vary: * stays *", vec![set("c", Value::from(3))])
        },
        step("clear keeps the cookie", vec![o1("clear")]),
        step(
            "flush deletes it",
            vec![set("d", Value::from(4)), o1("flush")],
        ),
        Step {
            send: Carry::Literal("abc"),
            ..step("short cookie, untouched", vec![])
        },
        Step {
            send: Carry::Nothing,
            ..step("fresh start", vec![set("e", Value::from(5))])
        },
        step(
            "past date: negative Max-Age",
            vec![op([s("set_expiry_datetime"), s(&date(past))])],
        ),
        step("after the browser dropped it", vec![op([s("get"), s("e")])]),
        Step {
            dt: 2_000_000.0,
            ..step("much later, new session", vec![set("f", Value::from(6))])
        },
        Step {
            dt: 1_300_000.0,
            ..step("cookie too old, read", vec![op([s("get"), s("f")])])
        },
    ]
}

/// Our side of a comparison.
pub(crate) trait Ours {
    /// The middleware (for its codec when comparing cookie data).
    fn middleware(&self) -> &SessionMiddleware;
    /// Runs one request; returns the answer and the time Django should be
    /// frozen at to be comparable.
    fn request(
        &mut self,
        cookie: Option<&str>,
        ops: &[Value],
        status: u16,
        vary: Option<&str>,
        scripted_now: f64,
    ) -> (Answer, f64);
}

/// The framework-free middleware, on the script's clock.
struct FrameworkFree(SessionMiddleware);

impl Ours for FrameworkFree {
    fn middleware(&self) -> &SessionMiddleware {
        &self.0
    }

    fn request(
        &mut self,
        cookie: Option<&str>,
        ops: &[Value],
        status: u16,
        vary: Option<&str>,
        now: f64,
    ) -> (Answer, f64) {
        (rust_request(&self.0, cookie, ops, status, vary, now), now)
    }
}

/// Runs a script on both sides; `crossed` swaps the jars (each side gets
/// the cookie the other set). Returns the number of requests compared.
fn run_script(
    django: &mut Oracle,
    mw: &Mw,
    ours: &mut dyn Ours,
    steps: &[Step],
    crossed: bool,
    label: &str,
) -> Result<usize, String> {
    let (mut dj, mut rj) = (Jar::default(), Jar::default());
    let mut scripted = 1_700_000_000.375;
    let mut errors = Vec::new();
    for (i, st) in steps.iter().enumerate() {
        scripted += st.dt;
        let (for_django, for_rust) = if crossed { (&rj, &dj) } else { (&dj, &rj) };
        let dh = header_for(&st.send, &mw.name, for_django);
        let rh = header_for(&st.send, &mw.name, for_rust);
        let (r, now) = ours.request(rh.as_deref(), &st.ops, st.status, st.vary, scripted);
        let d = django_request(django, mw, dh.as_deref(), &st.ops, st.status, st.vary, now);
        if let Some(why) = differences(&d, &r, ours.middleware(), now) {
            errors.push(format!(
                "{label}, step {i} ({}), now {now}, ops {}:\n  cookie to django {dh:?}\n  cookie to rust   {rh:?}\n  {why}",
                st.what,
                show(&Value::Array(st.ops.clone()))
            ));
        }
        dj.apply(&mw.name, &d.set_cookies);
        rj.apply(&mw.name, &r.set_cookies);
    }
    if errors.is_empty() {
        Ok(steps.len())
    } else {
        Err(errors.join("\n\n"))
    }
}

/// [`run_script`] with own jars, then with the jars crossed (labelled
/// `label` and `label (jars crossed)`): the number of requests compared and
/// the differences found.
pub(crate) fn run_script_both_ways(
    django: &mut Oracle,
    mw: &Mw,
    ours: &mut dyn Ours,
    steps: &[Step],
    label: &str,
) -> (usize, Vec<String>) {
    let (mut total, mut errors) = (0, Vec::new());
    for crossed in [false, true] {
        let label = format!("{label}{}", if crossed { " (jars crossed)" } else { "" });
        match run_script(django, mw, ours, steps, crossed, &label) {
            Ok(n) => total += n,
            Err(e) => errors.push(e),
        }
    }
    (total, errors)
}

pub(crate) fn presets() -> Vec<(&'static str, Mw)> {
    vec![
        ("defaults", Mw::default()),
        (
            "custom attributes",
            Mw {
                name: "sid".into(),
                domain: Some(".example.com".into()),
                path: Some("/app".into()),
                secure: true,
                http_only: false,
                same_site: Some("Strict"),
                ..Mw::default()
            },
        ),
        (
            "SameSite=None",
            Mw {
                same_site: Some("None"),
                secure: true,
                ..Mw::default()
            },
        ),
        (
            "no SameSite, no Path",
            Mw {
                same_site: None,
                path: None,
                ..Mw::default()
            },
        ),
        (
            "save every request",
            Mw {
                save_every_request: true,
                ..Mw::default()
            },
        ),
        (
            "expire at browser close",
            Mw {
                expire_at_browser_close: true,
                ..Mw::default()
            },
        ),
        (
            "cookie age 600",
            Mw {
                age: 600,
                ..Mw::default()
            },
        ),
        (
            "USE_TZ=False",
            Mw {
                use_tz: false,
                ..Mw::default()
            },
        ),
        (
            "rotated secret",
            Mw {
                secret: "new-secret".into(),
                fallbacks: vec!["interop-middleware-secret".into()],
                ..Mw::default()
            },
        ),
    ]
}

#[test]
fn scripted_sequences_match_django() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let mut total = 0;
    let mut errors = Vec::new();
    for (label, mw) in presets() {
        let steps = script(mw.use_tz);
        let mut ours = FrameworkFree(mw.rust());
        let (n, e) = run_script_both_ways(&mut django, &mw, &mut ours, &steps, label);
        total += n;
        errors.extend(e);
    }
    report(&format!(
        "interop_middleware: {total} scripted requests through Django's SessionMiddleware and ours \
         ({} settings presets, each with own jars and with jars crossed)",
        presets().len()
    ));
    assert!(
        errors.is_empty(),
        "middleware differences from Django:\n\n{}",
        errors.join("\n\n")
    );
}

/// Django's signed-cookies `cycle_key()` signs at once, so a cycled session
/// is never blank: even with no data, the middleware sends a cookie
/// holding `{}`. The session's own `cycle_key`, with nothing saved by the
/// test runner, gives the same `Set-Cookie` as Django's.
#[test]
fn cycle_key_alone_sends_a_cookie_as_django_does() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let now = 1_700_000_000.0;
    let mw = Mw::default();
    let ours = mw.rust();
    let with_data = rust_request(&ours, None, &[set("a", Value::from(1))], 200, None, now)
        .set_cookies
        .first()
        .map(|line| line.split(';').next().unwrap().to_owned())
        .unwrap();
    let cases: [(&str, Option<&str>, Vec<Value>); 4] = [
        ("a new session, cycled", None, vec![o1("cycle_key_unsaved")]),
        (
            "a session with data, flushed then cycled",
            Some(&with_data),
            vec![o1("flush"), o1("cycle_key_unsaved")],
        ),
        (
            "a session with data, cleared then cycled",
            Some(&with_data),
            vec![o1("clear"), o1("cycle_key_unsaved")],
        ),
        ("a new session, flushed", None, vec![o1("flush")]),
    ];
    for (what, cookie, ops) in cases {
        let theirs = django_request(&mut django, &mw, cookie, &ops, 200, None, now);
        let mine = rust_request(&ours, cookie, &ops, 200, None, now);
        assert_eq!(mine.set_cookies, theirs.set_cookies, "{what}");
        assert_eq!(mine.vary, theirs.vary, "{what}");
    }
    // The first case really sends a cookie (of `{}`).
    let theirs = django_request(
        &mut django,
        &mw,
        None,
        &[o1("cycle_key_unsaved")],
        200,
        None,
        now,
    );
    assert_eq!(theirs.set_cookies.len(), 1);
}

/// Random view actions, statuses, Vary headers, cookie edits and time
/// jumps, over random settings presets, both sides with own and crossed jars.
#[test]
fn random_sequences_match_django() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let seed = payload::seed();
    let mut rng = Rng::new(seed ^ 0x6d77_7265);
    let sequences = 120;
    let presets = presets();
    let (mut requests, mut errors) = (0, Vec::new());
    for n in 0..sequences {
        let (label, mw) = rng.pick(&presets).clone();
        let steps: Vec<Step> = (0..rng.range(2, 8))
            .map(|_| random_step(&mut rng, &mw))
            .collect();
        let crossed = rng.chance(1, 2);
        match run_script(
            &mut django,
            &mw,
            &mut FrameworkFree(mw.rust()),
            &steps,
            crossed,
            &format!("random sequence {n} ({label}, seed {seed})"),
        ) {
            Ok(k) => requests += k,
            Err(e) => errors.push(e),
        }
    }
    report(&format!(
        "interop_middleware: seed {seed}: {sequences} random sequences, {requests} requests compared"
    ));
    if !errors.is_empty() {
        let count = errors.len();
        errors.truncate(5);
        panic!(
            "{count} random sequence(s) differ from Django:\n\n{}",
            errors.join("\n\n")
        );
    }
}

/// Cookie values sent as they are: empty, short, exactly 8 characters, quoted.
const LITERAL_COOKIES: [&str; 4] = ["", "abc", "abcdefgh", "\"quoted-value-here\""];

fn random_step(rng: &mut Rng, mw: &Mw) -> Step {
    let mut ops = Vec::new();
    for _ in 0..rng.below(4) {
        let key = *rng.pick(&["a", "b", "_auth_user_id", "testcookie"]);
        let t = 1_700_000_000.0 + rng.unit() * 4_000_000.0 - 2_000_000.0;
        ops.push(match rng.below(14) {
            0..=2 => set(key, payload::value(rng, 1)),
            3 => op([s("get"), s(key)]),
            4 => op([s("pop"), s(key), Value::Null]),
            5 => o1("cycle_key"),
            6 => o1("flush"),
            7 => o1("clear"),
            8 => op([
                s("set_expiry"),
                Value::from(*rng.pick(&[0i64, 60, 300, -30, 1_209_600])),
            ]),
            9 => op([
                s("set_expiry_timedelta"),
                Value::from(rng.unit() * 10_000.0 - 100.0),
            ]),
            10 => op([
                s("set_expiry_datetime"),
                s(&if mw.use_tz { iso_utc(t) } else { iso_naive(t) }),
            ]),
            11 => op([s("set_expiry"), Value::Null]),
            12 => o1("set_test_cookie"),
            _ => o1("is_empty"),
        });
    }
    Step {
        what: "random",
        ops,
        status: *rng.pick(&[200, 200, 200, 302, 404, 500, 503]),
        vary: *rng.pick(&[
            None,
            None,
            Some("Accept-Encoding"),
            Some("cookie"),
            Some("*"),
            Some("Accept, Origin"),
        ]),
        send: match rng.below(10) {
            0 => Carry::Tampered,
            1 => Carry::AmongOthers,
            2 => Carry::Literal(LITERAL_COOKIES[rng.below(LITERAL_COOKIES.len() as u64) as usize]),
            3 => Carry::Nothing,
            _ => Carry::Jar,
        },
        dt: match rng.below(6) {
            0 => (mw.age as f64) + rng.unit() * 10.0 - 5.0,
            1 => 0.0,
            _ => rng.unit() * 1000.0,
        },
    }
}

/// Cookie headers of every shape: both sides must find the same session
/// cookie (or none) and answer alike.
#[test]
fn cookie_headers_are_read_alike() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let mw = Mw::default();
    let ours = mw.rust();
    let now = 1_700_000_000.0;
    let mut s0 = ours.codec().load_at(None, now - 10.0);
    s0.insert("a", 1);
    let token = ours.codec().save_at(&mut s0, now - 10.0).unwrap();
    let headers = [
        format!("sessionid={token}"),
        format!("sessionid=\"{token}\""),
        format!("sessionid = {token} "),
        format!("  sessionid={token};"),
        format!("sessionid=bogus-value; sessionid={token}"),
        format!("sessionid={token}; sessionid=bogus-value"),
        format!("other=1;sessionid={token};third=3"),
        format!("SESSIONID={token}"),
        format!("sessionidx={token}"),
        format!("sessionid={token}; =junk; novalue; a=b=c"),
        "sessionid=".to_owned(),
        "sessionid=\"\"".to_owned(),
        "sessionid".to_owned(),
        "sessionid=abc".to_owned(),
        "sessionid=12345678".to_owned(),
        "sessionid=a b c d e f g h".to_owned(),
        "; ;".to_owned(),
        String::new(),
    ];
    let views = [
        vec![],
        vec![op([s("get"), s("a")])],
        vec![set("z", Value::from(9))],
    ];
    let mut errors = Vec::new();
    let mut n = 0;
    for h in &headers {
        for v in &views {
            let d = django_request(&mut django, &mw, Some(h), v, 200, None, now);
            let r = rust_request(&ours, Some(h), v, 200, None, now);
            n += 1;
            if let Some(why) = differences(&d, &r, &ours, now) {
                errors.push(format!(
                    "Cookie: {h:?}, view {}:\n  {why}",
                    show(&Value::Array(v.clone()))
                ));
            }
        }
    }
    report(&format!(
        "interop_middleware: {n} requests with odd Cookie headers compared"
    ));
    assert!(
        errors.is_empty(),
        "{} Cookie header difference(s):\n\n{}",
        errors.len(),
        errors.join("\n\n")
    );
}

/// The tower layer (in an axum `Router`), on the system clock: the same
/// view ops run in a handler through the [`SessionHandle`] extractor.
#[cfg(feature = "axum")]
mod tower_side {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::Body;
    use axum::response::IntoResponse;
    use axum::routing::get;
    use http::{HeaderValue, Request, StatusCode};
    use signed_session::clock::{Clock, SystemClock};
    use signed_session::http::{SessionHandle, SessionLayer, SessionMiddleware};
    use signed_session::{SessionConfig, Value};
    use tower_service::Service;

    use super::{Answer, Mw, Ours, ops};

    pub struct Tower {
        layer: SessionLayer,
        rt: tokio::runtime::Runtime,
        /// Retries because the request straddled a second boundary.
        pub retries: usize,
    }

    /// The system clock as fractional Unix seconds.
    fn system_now() -> f64 {
        let t = SystemClock.now();
        t.unix_timestamp() as f64 + f64::from(t.nanosecond()) / 1e9
    }

    impl Tower {
        pub fn new(mw: &Mw) -> Self {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            Tower {
                // The system clock: the layer runs as a service would.
                layer: SessionLayer::new(mw.rust_with(SessionConfig::new())),
                rt,
                retries: 0,
            }
        }

        fn once(
            &self,
            cookie: Option<&str>,
            ops: &[Value],
            status: u16,
            vary: Option<&str>,
        ) -> Answer {
            let results = Arc::new(Mutex::new(Value::Null));
            let (sink, ops, vary) = (Arc::clone(&results), ops.to_vec(), vary.map(str::to_owned));
            let handler = move |session: SessionHandle| async move {
                let now = system_now();
                let middleware = session.middleware().clone();
                let out = session.with_mut(|s| ops::run_all(middleware.codec(), s, &ops, now));
                *sink.lock().unwrap() = Value::Array(out);
                let mut response = (StatusCode::from_u16(status).unwrap(), "ok").into_response();
                if let Some(v) = vary {
                    response
                        .headers_mut()
                        .insert(http::header::VARY, HeaderValue::from_str(&v).unwrap());
                }
                response
            };
            let mut app: Router = Router::new()
                .route("/", get(handler))
                .layer(self.layer.clone());
            let mut request = Request::get("/").body(Body::empty()).unwrap();
            if let Some(c) = cookie {
                request
                    .headers_mut()
                    .insert(http::header::COOKIE, HeaderValue::from_str(c).unwrap());
            }
            let response = self.rt.block_on(async {
                std::future::poll_fn(|cx| Service::<Request<Body>>::poll_ready(&mut app, cx))
                    .await
                    .unwrap();
                app.call(request).await.unwrap()
            });
            let view_results = results.lock().unwrap().clone();
            Answer::from_headers(response.headers(), view_results)
        }
    }

    impl Ours for Tower {
        fn middleware(&self) -> &SessionMiddleware {
            self.layer.middleware()
        }

        /// Runs on the real clock and reports the time to freeze Django at.
        /// Every time-dependent output is in whole seconds here (token
        /// timestamps, `expires`, ages to whole-second dates), so the answer
        /// is comparable as long as the request did not straddle a second
        /// boundary; if it did, it is simply run again (a request has no
        /// effect outside its own answer).
        fn request(
            &mut self,
            cookie: Option<&str>,
            ops: &[Value],
            status: u16,
            vary: Option<&str>,
            _scripted: f64,
        ) -> (Answer, f64) {
            loop {
                let before = system_now();
                let answer = self.once(cookie, ops, status, vary);
                let after = system_now();
                if before.floor() == after.floor() && before.fract() > 0.001 {
                    return (answer, before);
                }
                self.retries += 1;
            }
        }
    }
}

/// Steps whose outputs are whole-second functions of the time, and no time
/// jumps: what the system clock of the tower layer allows.
#[cfg(feature = "axum")]
fn live_clock_steps(steps: Vec<Step>) -> Vec<Step> {
    steps
        .into_iter()
        .filter(|st| st.dt < 100.0)
        .filter(|st| {
            st.ops.iter().all(|o| {
                let parts = items(o);
                match parts[0].as_str().unwrap() {
                    "set_expiry_timedelta" => false,
                    "set_expiry_datetime" => !parts[1].as_str().unwrap().contains('.'),
                    _ => true,
                }
            })
        })
        .collect()
}

/// The scripted sequence through the tower layer, against Django, with own
/// and crossed jars, for a few settings presets.
#[cfg(feature = "axum")]
#[test]
fn tower_layer_matches_django() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let (mut total, mut retries, mut errors) = (0, 0, Vec::new());
    let chosen = [
        "defaults",
        "custom attributes",
        "save every request",
        "rotated secret",
    ];
    for (label, mw) in presets().into_iter().filter(|(l, _)| chosen.contains(l)) {
        let steps = live_clock_steps(script(mw.use_tz));
        let mut tower = tower_side::Tower::new(&mw);
        let label = format!("tower layer, {label}");
        let (n, e) = run_script_both_ways(&mut django, &mw, &mut tower, &steps, &label);
        total += n;
        errors.extend(e);
        retries += tower.retries;
    }
    report(&format!(
        "interop_middleware: {total} scripted requests through the tower layer (axum Router) and Django's \
         SessionMiddleware ({} presets, own and crossed jars; {retries} re-runs at a second boundary)",
        chosen.len()
    ));
    assert!(
        errors.is_empty(),
        "tower layer differences from Django:\n\n{}",
        errors.join("\n\n")
    );
}
