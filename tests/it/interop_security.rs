//! The absolute session lifetime against a running Django: the creation
//! time travels inside the session under the reserved key
//! [`CREATED_KEY`] (`_session_created`, integer Unix seconds), which Django
//! knows nothing about and must simply carry along.
//!
//! - A cookie Rust writes with the key is read by Django's
//!   `signed_cookies.SessionStore` with the key unchanged among the data;
//!   Django modifies another key and saves (or cycles the key), and Rust
//!   reads Django's cookie back with the same creation time and still
//!   refuses it once the lifetime is over, however fresh Django's token.
//! - Django's `flush()` (a login as another user) drops the key; the next
//!   Rust save stamps a new creation time.
//! - The same with sessions large enough that both sides compress them.
//! - Seeded random Rust save → Django load/modify/save → Rust load
//!   sequences (`SIGNED_SESSION_INTEROP_SEED`).
//!
//! Rust's time comes from a [`ManualClock`]; Django's is the oracle's
//! frozen `now` of each request.

use crate::at;
use crate::oracle;

use oracle::ops::{self, Settings, op};
use oracle::payload::{self, Rng};
use oracle::{Oracle, get, items, obj, report};
use python_json as json;
use signed_session::clock::ManualClock;
use signed_session::session::{CREATED_KEY, SESSION_SALT, Session, SessionCodec};
use signed_session::signing::ObjectSigner;
use signed_session::{Compression, DecodeError, DecodeErrorKind, Keyring, Map, Secret, Value};
use time::Duration;

/// The absolute lifetime of the fixed scenarios: eight hours, well within
/// Django's default cookie age (two weeks), so a token Django signed
/// recently is always fresh when the lifetime refuses the session.
const LIFETIME: i64 = 8 * 3600;

/// Random Rust → Django → Rust sequences.
const SEQUENCES: usize = 50;

fn keyring(settings: &Settings) -> Keyring {
    Keyring::new(Secret::new(settings.secret.as_str()).unwrap())
}

/// Our codec for `settings` with Django's salt and compression rule,
/// reading `clock`, with the given absolute lifetime (whole seconds).
fn codec(settings: &Settings, clock: &ManualClock, lifetime: Option<i64>) -> SessionCodec {
    let config = settings
        .config(false)
        // Replaces the replay clock of `Settings::config`.
        .with_clock(clock.clone())
        .with_salt(SESSION_SALT)
        .with_compression(Compression::Django)
        .with_absolute_lifetime(lifetime.map(Duration::seconds));
    SessionCodec::new(&keyring(settings), config)
}

/// Moves `clock` to the Unix time `t` (the oracle's float times).
fn set_now(clock: &ManualClock, t: f64) {
    clock.set(at::at(t));
}

/// The signed JSON text of a session cookie, byte for byte as it was
/// written (inflated if need be), and whether it was compressed.
fn raw_json(settings: &Settings, cookie: &str) -> (String, bool) {
    let opened = ObjectSigner::new(&keyring(settings), SESSION_SALT)
        .with_limits(ops::roomy_limits())
        .open(cookie, None)
        .unwrap_or_else(|e| panic!("cookie {cookie:.80}… does not verify: {e}"));
    (String::from_utf8(opened.json).unwrap(), opened.compressed)
}

/// Whether the JSON text holds `"_session_created":<created>` as a whole
/// integer member (Django's serializer writes `,` and `:` without spaces).
fn holds_created(json_text: &str, created: i64) -> bool {
    let member = format!("\"{CREATED_KEY}\":{created}");
    json_text.match_indices(&member).any(|(i, m)| {
        matches!(
            json_text.as_bytes().get(i + m.len()),
            Some(b',' | b'}' | b' ')
        )
    })
}

/// The Python JSON text of a value (`1700000000`, not `1700000000.0`).
fn text_of(v: &Value) -> String {
    String::from_utf8(json::to_vec(v)).unwrap()
}

fn show(v: &Value) -> String {
    let text = text_of(v);
    if text.len() > 400 {
        format!("{}… ({} bytes)", &text[..400], text.len())
    } else {
        text
    }
}

/// The oracle's `session` request: Django's `SessionStore(cookie)` at
/// `now`, then `ops`.
fn session_args(settings: &Settings, now: f64, cookie: Option<&str>, ops: Vec<Value>) -> Value {
    obj([
        ("settings", settings.django()),
        ("now", Value::from(now)),
        ("cookie", cookie.map_or(Value::Null, Value::from)),
        ("ops", Value::Array(ops)),
    ])
}

fn django_session(
    django: &mut Oracle,
    settings: &Settings,
    now: f64,
    cookie: Option<&str>,
    ops: Vec<Value>,
) -> Value {
    django.call("session", session_args(settings, now, cookie, ops))
}

/// The cookie Django's session ends with (its `session_key`).
fn django_cookie(answer: &Value) -> String {
    get(get(answer, "state"), "session_key")
        .as_str()
        .unwrap_or_else(|| panic!("Django's session has no key: {}", show(answer)))
        .to_owned()
}

fn django_data(answer: &Value) -> &Value {
    get(get(answer, "state"), "data")
}

fn name(s: &str) -> Value {
    Value::from(s)
}

/// `session.get(CREATED_KEY)` as the oracle's op.
fn get_created() -> Value {
    op([name("get"), name(CREATED_KEY)])
}

fn created_of(s: &Session) -> Option<i64> {
    s.created_at().map(time::OffsetDateTime::unix_timestamp)
}

/// Loads `cookie` at `now` and expects the absolute lifetime to refuse it,
/// `age` seconds after its creation, while the same codec without a
/// lifetime accepts it (the token itself is fresh).
fn expect_lifetime_exceeded(
    settings: &Settings,
    clock: &ManualClock,
    lifetime: i64,
    cookie: &str,
    now: f64,
    age: f64,
) -> Result<(), String> {
    set_now(clock, now);
    match codec(settings, clock, Some(lifetime)).try_load(Some(cookie)) {
        Err(DecodeError::LifetimeExceeded {
            age: got, max_age, ..
        }) => {
            if max_age != Duration::seconds(lifetime) {
                return Err(format!("max_age {max_age}, configured {lifetime} s"));
            }
            if (got.as_seconds_f64() - age).abs() > 1e-6 {
                return Err(format!("age {got}, expected {age} s"));
            }
        }
        Err(e) => return Err(format!("refused for another reason ({:?}): {e}", e.kind())),
        Ok(s) => {
            return Err(format!(
                "accepted at {now} although created at {:?} with a lifetime of {lifetime} s",
                created_of(&s)
            ));
        }
    }
    let plain = codec(settings, clock, None).try_load(Some(cookie));
    if let Err(e) = plain {
        return Err(format!("the token itself is not fresh at {now}: {e}"));
    }
    Ok(())
}

/// A session's data: `base` plus, when `big`, a repetitive value that makes
/// Django (and our `Compression::Django`) compress the cookie.
fn fill(s: &mut Session, base: &[(&str, Value)], big: bool) {
    for (k, v) in base {
        s.insert(*k, v.clone());
    }
    if big {
        s.insert("history", "/catalogue/item/42?page=7 ".repeat(120));
    }
}

/// Rust writes the key, Django carries it through a modification and
/// through `cycle_key()`, and Rust enforces the lifetime on Django's
/// cookies. `big` makes every cookie compressed.
fn carry_and_enforce(django: &mut Oracle, big: bool) {
    let settings = Settings::default();
    let t0 = 1_700_000_000.75;
    let created: i64 = 1_700_000_000;
    let clock = ManualClock::new(at::at(t0));
    let ours = codec(&settings, &clock, Some(LIFETIME));

    // Rust: a new session, saved: stamped with now (whole seconds).
    let mut s = ours.load(None);
    fill(
        &mut s,
        &[
            ("_auth_user_id", Value::from("17")),
            ("cart", Value::from(3)),
        ],
        big,
    );
    let cookie = ours.save(&mut s).unwrap();
    assert_eq!(created_of(&s), Some(created), "the save stamps the session");
    let original = Value::Object(s.as_map().clone());
    let (text, compressed) = raw_json(&settings, &cookie);
    assert_eq!(compressed, big, "our cookie's compression");
    assert!(
        holds_created(&text, created),
        "our cookie holds the creation time: {text:.300}"
    );

    // Django: loads it and sees the key unchanged among the data, then
    // modifies another key and saves.
    let t1 = t0 + 3600.0;
    let d = django_session(
        django,
        &settings,
        t1,
        Some(&cookie),
        vec![
            get_created(),
            op([name("items")]),
            op([name("set"), name("cart"), Value::from(4)]),
            op([name("save")]),
        ],
    );
    let results = items(get(&d, "results"));
    assert_eq!(
        results[0],
        obj([("r", Value::from(created))]),
        "Django reads _session_created unchanged"
    );
    assert_eq!(text_of(get(&results[0], "r")), created.to_string());
    let seen: Map = items(get(&results[1], "r"))
        .iter()
        .map(|kv| {
            let kv = items(kv);
            (kv[0].as_str().unwrap().to_owned(), kv[1].clone())
        })
        .collect();
    assert_eq!(
        Value::Object(seen),
        original,
        "Django sees our data, the key included"
    );
    let modified = django_cookie(&d);
    assert_ne!(modified, cookie, "Django re-signed the session");
    let (text, compressed) = raw_json(&settings, &modified);
    assert_eq!(compressed, big, "Django's cookie's compression");
    assert!(
        holds_created(&text, created),
        "Django's cookie holds the creation time byte for byte: {text:.300}"
    );

    // Rust: reads Django's cookie back with the same creation time and the
    // modification.
    set_now(&clock, t1 + 60.0);
    let back = ours.try_load(Some(&modified)).unwrap();
    assert_eq!(created_of(&back), Some(created));
    assert_eq!(back.get("cart"), Some(&Value::from(4)));
    assert_eq!(&Value::Object(back.as_map().clone()), django_data(&d));

    // Django: `cycle_key()` near the end of the lifetime, from the
    // modified cookie; a fresh token, the same creation time.
    let t2 = created as f64 + LIFETIME as f64 - 10.0;
    let d = django_session(
        django,
        &settings,
        t2,
        Some(&modified),
        vec![get_created(), op([name("cycle_key")])],
    );
    assert_eq!(
        items(get(&d, "results"))[0],
        obj([("r", Value::from(created))])
    );
    let cycled = django_cookie(&d);
    assert_ne!(cycled, modified, "cycle_key re-signs the session");
    let (text, compressed) = raw_json(&settings, &cycled);
    assert_eq!(compressed, big);
    assert!(holds_created(&text, created), "{text:.300}");

    for (what, cookie) in [("modified", &modified), ("cycled", &cycled)] {
        // Up to the last second of the lifetime: accepted.
        let end = created as f64 + LIFETIME as f64;
        set_now(&clock, end);
        let s = ours
            .try_load(Some(cookie))
            .unwrap_or_else(|e| panic!("Django's {what} cookie at the lifetime's end: {e}"));
        assert_eq!(created_of(&s), Some(created), "{what}");
        // One second later: refused, though Django signed the token
        // recently (11 s before for the cycled one).
        expect_lifetime_exceeded(
            &settings,
            &clock,
            LIFETIME,
            cookie,
            end + 1.0,
            LIFETIME as f64 + 1.0,
        )
        .unwrap_or_else(|e| panic!("Django's {what} cookie: {e}"));
    }
    let s = {
        set_now(&clock, created as f64 + LIFETIME as f64 + 1.0);
        ours.load(Some(&cycled))
    };
    assert_eq!(
        s.load_error().map(DecodeError::kind),
        Some(DecodeErrorKind::LifetimeExceeded)
    );
    assert!(s.is_empty(), "a refused session starts empty");

    // A Rust re-save of Django's cookie keeps the creation time.
    set_now(&clock, t2 + 5.0);
    let mut s = ours.load(Some(&cycled));
    s.insert("cart", 5);
    let resaved = ours.save(&mut s).unwrap();
    assert_eq!(created_of(&s), Some(created));
    assert!(holds_created(&raw_json(&settings, &resaved).0, created));

    report(&format!(
        "interop_security: {} session: Rust wrote _session_created {created}; Django kept it through \
         a modification and cycle_key; Rust refused both Django cookies at created + {LIFETIME} + 1 s",
        if big { "compressed" } else { "plain" }
    ));
}

#[test]
fn django_carries_the_creation_time_and_rust_enforces_it() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    carry_and_enforce(&mut django, false);
}

#[test]
fn django_carries_the_creation_time_in_compressed_sessions() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    carry_and_enforce(&mut django, true);
}

/// Django's `flush()` (a login as another user) drops the key; Rust counts
/// Django's new session from its token's signing time and stamps that as
/// the creation time on the next save.
#[test]
fn django_flush_drops_the_creation_time() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let settings = Settings::default();
    let mut checked = 0;
    for big in [false, true] {
        let t0 = 1_700_100_000.5;
        let created: i64 = 1_700_100_000;
        let clock = ManualClock::new(at::at(t0));
        let ours = codec(&settings, &clock, Some(LIFETIME));
        let mut s = ours.load(None);
        fill(&mut s, &[("_auth_user_id", Value::from("1"))], big);
        let cookie = ours.save(&mut s).unwrap();
        assert_eq!(created_of(&s), Some(created));

        // Django, 6000.25 s later: login as user 2 (flush, new data).
        let t1 = t0 + 6000.25;
        let new_created = t1.trunc() as i64;
        let mut login = vec![
            get_created(),
            op([name("flush")]),
            op([name("set"), name("_auth_user_id"), Value::from("2")]),
            op([name("set"), name("_auth_user_hash"), Value::from("f00d")]),
        ];
        if big {
            login.push(op([
                name("set"),
                name("history"),
                Value::from("/account/orders/?page=3 ".repeat(120)),
            ]));
        }
        login.push(op([name("save")]));
        let d = django_session(&mut django, &settings, t1, Some(&cookie), login);
        assert_eq!(
            items(get(&d, "results"))[0],
            obj([("r", Value::from(created))])
        );
        let data = django_data(&d).as_object().unwrap();
        assert!(
            !data.contains_key(CREATED_KEY),
            "Django's flush drops the key: {}",
            show(django_data(&d))
        );
        assert_eq!(data.get("_auth_user_id"), Some(&Value::from("2")));
        let flushed = django_cookie(&d);
        let (text, compressed) = raw_json(&settings, &flushed);
        // Small sessions of login keys may compress too (`_auth_user_` repeats).
        assert!(compressed || !big, "a big session is compressed");
        assert!(!text.contains(CREATED_KEY), "{text:.300}");

        // Rust: no creation time, so the lifetime counts from Django's
        // signing time (not from the first session's creation).
        let end = new_created as f64 + LIFETIME as f64;
        set_now(&clock, created as f64 + LIFETIME as f64 + 1.0);
        let s = ours.try_load(Some(&flushed)).unwrap();
        assert_eq!(created_of(&s), None);
        assert_eq!(&Value::Object(s.as_map().clone()), django_data(&d));
        set_now(&clock, end);
        assert!(ours.try_load(Some(&flushed)).is_ok());
        expect_lifetime_exceeded(
            &settings,
            &clock,
            LIFETIME,
            &flushed,
            end + 1.0,
            LIFETIME as f64 + 1.0,
        )
        .unwrap_or_else(|e| panic!("Django's flushed cookie: {e}"));

        // The next Rust save stamps a new creation time: Django's signing
        // time, the earliest the new session is known to exist.
        set_now(&clock, t1 + 120.0);
        let mut s = ours.load(Some(&flushed));
        s.insert("cart", 1);
        let restamped = ours.save(&mut s).unwrap();
        assert_eq!(created_of(&s), Some(new_created));
        assert_ne!(new_created, created);
        let (text, compressed) = raw_json(&settings, &restamped);
        // Small sessions of login keys may compress too (`_auth_user_` repeats).
        assert!(compressed || !big, "a big session is compressed");
        assert!(holds_created(&text, new_created), "{text:.300}");
        // Django carries the new one.
        let d = django_session(
            &mut django,
            &settings,
            t1 + 180.0,
            Some(&restamped),
            vec![get_created()],
        );
        assert_eq!(
            items(get(&d, "results"))[0],
            obj([("r", Value::from(new_created))])
        );
        // The old creation time no longer limits it; the new one does.
        set_now(&clock, created as f64 + LIFETIME as f64 + 1.0);
        assert_eq!(
            created_of(&ours.try_load(Some(&restamped)).unwrap()),
            Some(new_created)
        );
        expect_lifetime_exceeded(
            &settings,
            &clock,
            LIFETIME,
            &restamped,
            end + 1.0,
            LIFETIME as f64 + 1.0,
        )
        .unwrap_or_else(|e| panic!("Rust's re-stamped cookie: {e}"));
        checked += 1;
    }
    report(&format!(
        "interop_security: Django flush dropped _session_created ({checked} sessions, plain and compressed); \
         Rust re-stamped Django's signing time"
    ));
}

/// One random sequence.
struct Sequence {
    settings: Settings,
    lifetime: i64,
    data: Vec<(String, Value)>,
    big: bool,
    /// Signing time of an older cookie without the key (written before the
    /// lifetime was configured) that the session is loaded from.
    t_prev: Option<f64>,
    t_save: f64,
    /// Django's ops after reading the key (its result is checked apart).
    django_ops: Vec<Value>,
    flush: bool,
    cycle: bool,
    t_django: f64,
    /// Rust's load of Django's cookie: within the lifetime or past it.
    past: bool,
    t_load: f64,
}

const LIFETIMES: [i64; 4] = [600, 3600, LIFETIME, 86_400];

fn gen_sequence(rng: &mut Rng) -> Sequence {
    let lifetime = *rng.pick(&LIFETIMES);
    // The cookie age stays at least twice the lifetime, so that a session
    // is refused for its lifetime while Django's token is still fresh.
    let cookie_age = *rng.pick(&[1_209_600, 172_800, 86_400]).max(&(2 * lifetime));
    let settings = Settings {
        cookie_age,
        use_tz: !rng.chance(1, 5),
        secret: payload::secret(rng),
        ..Settings::default()
    };
    let reserved = |k: &str| matches!(k, CREATED_KEY | "_session_expiry" | "history");
    let data: Vec<(String, Value)> = match payload::object(rng, 2, 6) {
        Value::Object(m) => m.into_iter().filter(|(k, _)| !reserved(k)).collect(),
        _ => unreachable!(),
    };
    let big = rng.chance(1, 3);
    let t_save = 1_600_000_000.0 + rng.unit() * 200_000_000.0;
    let t_save = if rng.chance(1, 3) {
        t_save.trunc()
    } else {
        t_save
    };
    let t_prev = rng
        .chance(1, 3)
        .then(|| t_save - rng.unit() * (lifetime as f64 / 2.0));
    let created = t_prev.unwrap_or(t_save).trunc();

    let flush = rng.chance(1, 8);
    let cycle = !flush && rng.chance(1, 3);
    let mut keys: Vec<String> = data.iter().map(|(k, _)| k.clone()).collect();
    keys.extend(["cart", "_auth_user_id", "\u{e9}"].map(String::from));
    let mut django_ops = Vec::new();
    if flush {
        django_ops.push(op([name("flush")]));
        django_ops.push(op([
            name("set"),
            name("_auth_user_id"),
            Value::from(rng.below(1000) as i64),
        ]));
    }
    for _ in 0..rng.range(1, 4) {
        let k = Value::from(rng.pick(&keys).as_str());
        django_ops.push(match rng.below(4) {
            0 => op([name("pop"), k, Value::Null]),
            _ => op([name("set"), k, payload::value(rng, 2)]),
        });
    }
    django_ops.push(op([name(if cycle { "cycle_key" } else { "save" })]));

    // Django loads within the lifetime (and the cookie age), after the save.
    let room = created + lifetime as f64 - t_save;
    let t_django = t_save + rng.unit() * (room - 1.0).max(0.0);
    // The lifetime counts from Django's signing time once it flushed.
    let counted_from = if flush { t_django.trunc() } else { created };
    let end = counted_from + lifetime as f64;
    let past = rng.chance(1, 2);
    let t_load = if past {
        let later = 1.0 + rng.below(600) as f64;
        end + *rng.pick(&[0.5, 1.0, later])
    } else {
        match rng.below(3) {
            0 => end,
            _ => t_django + rng.unit() * (end - t_django),
        }
    };
    Sequence {
        settings,
        lifetime,
        data,
        big,
        t_prev,
        t_save,
        django_ops,
        flush,
        cycle,
        t_django,
        past,
        t_load,
    }
}

/// What Django's data should be after `ops` on `data` (the set/pop/flush
/// subset the generator uses).
fn apply(data: &Map, ops: &[Value]) -> Map {
    let mut m = data.clone();
    for o in ops {
        let o = items(o);
        match o[0].as_str().unwrap() {
            "flush" => m.clear(),
            "set" => {
                m.insert(o[1].as_str().unwrap().to_owned(), o[2].clone());
            }
            "pop" => {
                m.shift_remove(o[1].as_str().unwrap());
            }
            _ => {}
        }
    }
    m
}

/// Random Rust save → Django load/modify/save → Rust load: Django reads the
/// creation time as the same integer, its cookie carries it byte for byte,
/// the data is otherwise what both sides expect, and Rust accepts the
/// session up to the end of its lifetime and refuses it after.
#[test]
fn random_sequences_keep_the_creation_time() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let seed = payload::seed();
    let mut rng = Rng::new(seed ^ 0x6372_6561_7465_6421);
    let seqs: Vec<Sequence> = (0..SEQUENCES).map(|_| gen_sequence(&mut rng)).collect();
    let mut fails: Vec<String> = Vec::new();
    let (mut compressed, mut cycled, mut flushed, mut refused, mut accepted, mut from_old) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize);

    // Rust saves.
    let mut saved = Vec::new();
    for (i, q) in seqs.iter().enumerate() {
        let clock = ManualClock::new(at::at(q.t_prev.unwrap_or(q.t_save)));
        let ours = codec(&q.settings, &clock, Some(q.lifetime));
        let mut s = match q.t_prev {
            // A cookie from before the lifetime was configured: no key.
            Some(_) => {
                let old = codec(&q.settings, &clock, None);
                let mut s = old.load(None);
                s.insert("_auth_user_hash", "0");
                let cookie = old.save(&mut s).unwrap();
                set_now(&clock, q.t_save);
                from_old += 1;
                ours.try_load(Some(&cookie)).unwrap()
            }
            None => ours.load(None),
        };
        // At least one entry: an empty session is not stamped (nor kept).
        s.insert("_auth_user_id", "1");
        for (k, v) in &q.data {
            s.insert(k.as_str(), v.clone());
        }
        if q.big {
            s.insert("history", "/catalogue/item/42?page=7 ".repeat(120));
        }
        let cookie = ours.save(&mut s).unwrap();
        let created = q.t_prev.unwrap_or(q.t_save).trunc() as i64;
        if created_of(&s) != Some(created) {
            fails.push(format!(
                "sequence {i}: stamped {:?}, expected {created}",
                created_of(&s)
            ));
        }
        saved.push((cookie, created, s.as_map().clone()));
    }

    // Django loads, reads the key, modifies and saves.
    let args: Vec<Value> = seqs
        .iter()
        .zip(&saved)
        .map(|(q, (cookie, _, _))| {
            let mut list = vec![get_created()];
            list.extend(q.django_ops.iter().cloned());
            list.push(op([name("items")]));
            session_args(&q.settings, q.t_django, Some(cookie), list)
        })
        .collect();
    let answers = django.call("sessions", obj([("cases", Value::Array(args))]));

    // Rust loads Django's cookies.
    for (i, ((q, (cookie, created, data)), d)) in
        seqs.iter().zip(&saved).zip(items(&answers)).enumerate()
    {
        let at = format!(
            "sequence {i} (seed {seed}): lifetime {} cookie_age {} big {} t_prev {:?} t_save {} \
             t_django {} t_load {} flush {} cycle {}\n  ops {}\n  our cookie {cookie:.120}",
            q.lifetime,
            q.settings.cookie_age,
            q.big,
            q.t_prev,
            q.t_save,
            q.t_django,
            q.t_load,
            q.flush,
            q.cycle,
            show(&Value::Array(q.django_ops.clone()))
        );
        let results = items(get(d, "results"));
        let seen = get(&results[0], "r");
        if seen != &Value::from(*created) || text_of(seen) != created.to_string() {
            fails.push(format!(
                "{at}\n  Django read _session_created as {}",
                show(&results[0])
            ));
            continue;
        }
        let expected = Value::Object(apply(data, &q.django_ops));
        if django_data(d) != &expected {
            fails.push(format!(
                "{at}\n  Django's data {}\n  expected     {}",
                show(django_data(d)),
                show(&expected)
            ));
            continue;
        }
        let theirs = django_cookie(d);
        let (text, was_compressed) = raw_json(&q.settings, &theirs);
        let carried = if q.flush {
            !text.contains(CREATED_KEY)
        } else {
            holds_created(&text, *created)
        };
        if !carried {
            fails.push(format!(
                "{at}\n  Django's cookie JSON: {text:.400}\n  expected the creation time {}",
                if q.flush { "dropped" } else { "kept" }
            ));
        }
        // A big value Django left alone keeps its cookie compressed.
        if q.big && !q.flush && !was_compressed {
            fails.push(format!("{at}\n  Django did not compress a big session"));
        }
        compressed += usize::from(was_compressed);
        cycled += usize::from(q.cycle);
        flushed += usize::from(q.flush);

        let clock = ManualClock::new(at::at(q.t_load));
        let ours = codec(&q.settings, &clock, Some(q.lifetime));
        let counted_from = if q.flush {
            q.t_django.trunc()
        } else {
            *created as f64
        };
        if q.past {
            match expect_lifetime_exceeded(
                &q.settings,
                &clock,
                q.lifetime,
                &theirs,
                q.t_load,
                q.t_load - counted_from,
            ) {
                Ok(()) => refused += 1,
                Err(e) => fails.push(format!("{at}\n  {e}")),
            }
            continue;
        }
        match ours.try_load(Some(&theirs)) {
            Err(e) => fails.push(format!("{at}\n  refused within the lifetime: {e}")),
            Ok(mut s) => {
                let want = (!q.flush).then_some(*created);
                let back = Value::Object(s.as_map().clone());
                if created_of(&s) != want || &back != django_data(d) {
                    fails.push(format!(
                        "{at}\n  Rust read created_at {:?} (expected {want:?}), data {}\n  Django's data {}",
                        created_of(&s),
                        show(&back),
                        show(django_data(d))
                    ));
                    continue;
                }
                // A Rust save keeps the creation time, or stamps Django's
                // signing time after a flush.
                s.insert("rust-was-here", true);
                let again = ours.save(&mut s).unwrap();
                let stamp = counted_from as i64;
                if created_of(&s) != Some(stamp)
                    || !holds_created(&raw_json(&q.settings, &again).0, stamp)
                {
                    fails.push(format!(
                        "{at}\n  after a Rust save created_at is {:?}, expected {stamp}",
                        created_of(&s)
                    ));
                }
                accepted += 1;
            }
        }
    }
    report(&format!(
        "interop_security: seed {seed}: {SEQUENCES} Rust → Django → Rust sequences ({from_old} from \
         a cookie without the key, {compressed} Django cookies compressed, {cycled} cycle_key, \
         {flushed} flush); {accepted} accepted within the lifetime and re-saved, {refused} refused \
         as LifetimeExceeded with a fresh token"
    ));
    if !fails.is_empty() {
        let n = fails.len();
        fails.truncate(6);
        panic!(
            "{n} creation-time difference(s) (seed {seed}):\n\n{}",
            fails.join("\n\n")
        );
    }
}
