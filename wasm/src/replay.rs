//! Replays one `session_store` golden vector inside the module (feature
//! `vectors`, test only). The op language is described in
//! tests/vectors/README.md of the main crate.
//!
//! Each phase runs twice:
//! - with expiry enforcement off, which must be Django exactly: the op
//!   results and the state after (key, flags, data) must match;
//! - with enforcement on (the default). A phase whose cookie Django accepts
//!   but which is past its own `_session_expiry` is then refused instead;
//!   it is listed in `enforced_differs` for the host to check, after
//!   verifying that the refusal behaves like any refused cookie. Every
//!   other phase must again match Django.

use python_json as json;
use python_json::Map;
use signed_session::session::{Expiry, Session, SessionCodec, isoformat, isoformat_naive};
use signed_session::{DecodeError, Value};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::api::{Failure, handle, opt, req, req_clock};
use crate::session::codec;

/// Request: `{"case": <one session_store vector>}`. Response:
/// `{"ok":true, "pass", "phases", "enforced_differs": [phase indexes],
/// "reason"}` (`reason` is null on a pass).
pub(crate) fn session_case(input: &[u8]) -> Vec<u8> {
    handle(input, |request| {
        let case = req(request, "case")?;
        let phases = req(case, "phases")?
            .as_array()
            .ok_or_else(|| Failure::request("\"phases\" is not an array"))?;
        let mut differs = Vec::new();
        let mut failure = None;
        for (i, phase) in phases.iter().enumerate() {
            let run = run_phase(phase, false).and_then(|()| match run_enforced(phase) {
                Ok(true) => {
                    differs.push(Value::from(i));
                    Ok(())
                }
                Ok(false) => Ok(()),
                Err(e) => Err(format!("with enforcement on: {e}")),
            });
            if let Err(reason) = run {
                failure = Some(format!("phase {i}: {reason}"));
                break;
            }
        }
        let mut out = Map::new();
        out.insert("pass".into(), failure.is_none().into());
        out.insert("phases".into(), phases.len().into());
        out.insert("enforced_differs".into(), Value::Array(differs));
        out.insert("reason".into(), failure.into());
        Ok(out)
    })
}

/// Compact JSON text of a value, for messages.
fn text(v: &Value) -> String {
    String::from_utf8_lossy(&json::to_vec(v)).into_owned()
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    opt(v, name).ok_or_else(|| format!("no field \"{name}\""))
}

/// A phase's codec, whose clock shows the phase's `now`, and its cookie.
struct Phase<'a> {
    codec: SessionCodec,
    cookie_in: Option<&'a str>,
}

fn phase_parts(phase: &Value, enforce: bool) -> Result<Phase<'_>, String> {
    let mut settings = field(phase, "settings")?.clone();
    if let Some(m) = settings.as_object_mut() {
        m.insert("enforce_expiry".into(), enforce.into());
    }
    let clock = req_clock(phase, "now").map_err(|e| e.message().to_owned())?;
    let codec = codec(&settings, clock).map_err(|e| format!("settings: {}", e.message()))?;
    Ok(Phase {
        codec,
        cookie_in: field(phase, "cookie_in")?.as_str(),
    })
}

/// Runs a phase and compares results and state with Django's.
fn run_phase(phase: &Value, enforce: bool) -> Result<(), String> {
    let p = phase_parts(phase, enforce)?;
    let mut session = p.codec.load(p.cookie_in);
    let got = replay_ops(&p, &mut session, field(phase, "ops")?)?;
    let want = field(phase, "results")?
        .as_array()
        .ok_or("\"results\" is not an array")?;
    if got.len() != want.len() {
        return Err(format!("{} results, Django had {}", got.len(), want.len()));
    }
    for (g, w) in got.iter().zip(want) {
        if g != w {
            return Err(format!(
                "result {} differs from Django's {}",
                text(g),
                text(w)
            ));
        }
    }
    check_state(&p, &session, field(phase, "state_after")?)
}

/// With enforcement on: `Ok(true)` if the phase is refused for being past
/// its own expiry (and behaves as a refused cookie), `Ok(false)` if it
/// matched Django as usual.
fn run_enforced(phase: &Value) -> Result<bool, String> {
    let on = phase_parts(phase, true)?;
    let off = phase_parts(phase, false)?;
    let refused = matches!(
        on.codec.try_load(on.cookie_in),
        Err(DecodeError::Expired { .. })
    ) && off.codec.try_load(off.cookie_in).is_ok();
    if !refused {
        return run_phase(phase, true).map(|()| false);
    }
    let mut session = on.codec.load(on.cookie_in);
    if !matches!(session.load_error(), Some(DecodeError::Expired { .. })) {
        return Err("a lenient load lost the reason it refused the cookie".into());
    }
    if session.session_key() != on.cookie_in {
        return Err("a refused cookie must stay the session key until replaced".into());
    }
    replay_ops(&on, &mut session, field(phase, "ops")?)?;
    if !session.modified() {
        return Err("a refused cookie was not marked for replacement".into());
    }
    Ok(true)
}

fn check_state(p: &Phase<'_>, s: &Session, state: &Value) -> Result<(), String> {
    // The flags first: reading the data below would set `accessed`.
    for (name, got) in [("modified", s.modified()), ("accessed", s.accessed())] {
        if Some(got) != field(state, name)?.as_bool() {
            return Err(format!(
                "{name} is {got}, Django had {}",
                text(field(state, name)?)
            ));
        }
    }
    let want_key = field(state, "session_key")?.as_str();
    match (s.session_key(), want_key) {
        // Our deflate may emit other bytes than stock zlib for the same
        // data: compare what the two cookies carry.
        (Some(got), Some(want)) if want.starts_with('.') => {
            let ours = p
                .codec
                .try_load(Some(got))
                .map_err(|e| format!("our key: {e}"))?;
            let theirs = p
                .codec
                .try_load(Some(want))
                .map_err(|e| format!("Django's key: {e}"))?;
            if ours.as_map() != theirs.as_map() {
                return Err("the compressed session key carries other data than Django's".into());
            }
        }
        (got, want) if got != want => {
            return Err(format!("session key {got:?}, Django had {want:?}"));
        }
        _ => {}
    }
    let data = field(state, "data")?;
    if data.is_null() {
        if s.accessed() {
            return Err("the data was loaded, Django never loaded it".into());
        }
    } else if &Value::Object(s.as_map().clone()) != data {
        return Err(format!(
            "data {}, Django had {}",
            text(&Value::Object(s.as_map().clone())),
            text(data)
        ));
    }
    Ok(())
}

/// Runs the ops; returns `{"op", "result"}` for each op that gives a result.
fn replay_ops(p: &Phase<'_>, s: &mut Session, ops: &Value) -> Result<Vec<Value>, String> {
    let ops = ops.as_array().ok_or("\"ops\" is not an array")?;
    let mut results = Vec::new();
    for (j, op) in ops.iter().enumerate() {
        let at = || format!("op {j} {}", text(op));
        let args = op
            .as_array()
            .ok_or_else(|| format!("{}: not an array", at()))?;
        if let Some(result) = run_op(p, s, args).map_err(|e| format!("{}: {e}", at()))? {
            let mut m = Map::new();
            m.insert("op".into(), op.clone());
            m.insert("result".into(), result);
            results.push(Value::Object(m));
        }
    }
    Ok(results)
}

/// Django's `{"raises": "KeyError"}` result.
fn key_error() -> Value {
    let mut m = Map::new();
    m.insert("raises".into(), "KeyError".into());
    Value::Object(m)
}

fn run_op(p: &Phase<'_>, s: &mut Session, op: &[Value]) -> Result<Option<Value>, String> {
    let arg = |i: usize| op.get(i).ok_or_else(|| format!("argument {i} missing"));
    let key = || {
        arg(1)?
            .as_str()
            .ok_or_else(|| "the key is not a string".to_owned())
    };
    let name = op.first().and_then(Value::as_str).ok_or("no op name")?;
    let result = match (name, op.len()) {
        ("set", _) => {
            s.insert(key()?, arg(2)?.clone());
            None
        }
        ("get", 2) => Some(s.get(key()?).cloned().unwrap_or_default()),
        ("get", _) => Some(s.get(key()?).cloned().unwrap_or(arg(2)?.clone())),
        ("getitem", _) => Some(s.get(key()?).cloned().unwrap_or_else(key_error)),
        ("contains", _) => Some(s.contains_key(key()?).into()),
        ("has_key", _) => Some(s.contains_key(key()?).into()),
        ("pop", 2) => Some(s.remove(key()?).unwrap_or_else(key_error)),
        ("pop", _) => Some(s.remove(key()?).unwrap_or(arg(2)?.clone())),
        ("setdefault", _) => Some(s.get_or_insert(key()?, arg(2)?.clone()).clone()),
        ("update", _) => {
            let entries = arg(1)?.as_object().ok_or("update needs an object")?;
            s.extend(entries.clone());
            None
        }
        ("delitem", _) => s.delete(key()?).err().map(|_| key_error()),
        ("keys", _) => Some(Value::Array(s.keys().map(Value::from).collect())),
        ("items", _) => Some(Value::Array(
            s.iter()
                .map(|(k, v)| Value::Array(vec![k.into(), v.clone()]))
                .collect(),
        )),
        ("clear", _) => {
            s.clear();
            None
        }
        ("flush", _) => {
            s.flush();
            None
        }
        ("cycle_key", _) => {
            // Django's `cycle_key()` for signed cookies: re-sign now.
            s.cycle_key();
            p.codec.save(s).map_err(|e| e.to_string())?;
            None
        }
        ("save", _) => {
            p.codec.save(s).map_err(|e| e.to_string())?;
            None
        }
        ("set_expiry", _) => {
            let expiry = match arg(1)? {
                Value::Null => Expiry::Default,
                v => Expiry::Idle(Duration::seconds(
                    v.as_i64().ok_or("set_expiry needs an integer or null")?,
                )),
            };
            s.set_expiry(expiry);
            None
        }
        ("set_expiry_timedelta", _) => {
            let seconds = arg(1)?
                .as_i64()
                .ok_or("set_expiry_timedelta needs whole seconds")?;
            s.set_expiry(Expiry::In(Duration::seconds(seconds)));
            None
        }
        ("set_expiry_datetime", _) => {
            let iso = arg(1)?
                .as_str()
                .ok_or("set_expiry_datetime needs a string")?;
            s.set_expiry(parse_iso(iso).ok_or_else(|| format!("cannot read {iso}"))?);
            None
        }
        ("set_test_cookie", _) => {
            s.set_test_cookie();
            None
        }
        ("test_cookie_worked", _) => Some(s.test_cookie_worked().into()),
        ("delete_test_cookie", _) => s.delete_test_cookie().err().map(|_| key_error()),
        ("get_expiry_age", _) => Some(s.expiry_age().whole_seconds().into()),
        ("get_expiry_date", _) => {
            let at = s.expiry_date();
            // Django hands back a naive datetime when USE_TZ is off.
            Some(if p.codec.config().use_tz() {
                isoformat(at).into()
            } else {
                isoformat_naive(PrimitiveDateTime::new(at.date(), at.time())).into()
            })
        }
        ("get_expire_at_browser_close", _) => Some(s.expire_at_browser_close().into()),
        // Django's `is_empty()`: no key and no data.
        ("is_empty", _) => Some(s.is_blank().into()),
        ("mark_modified", _) => {
            s.set_modified(true);
            None
        }
        ("mutate_nested_append", _) => {
            let item = arg(2)?.clone();
            let list = s
                .get_mut(key()?)
                .and_then(Value::as_array_mut)
                .ok_or("the value is not a list")?;
            list.push(item);
            None
        }
        (other, _) => return Err(format!("unknown op {other}")),
    };
    Ok(result)
}

/// Reads `YYYY-MM-DDTHH:MM:SS` with an optional `+HH:MM` / `-HH:MM` / `Z`
/// (the forms the vectors use): aware text becomes [`Expiry::At`], naive
/// text [`Expiry::AtNaive`].
fn parse_iso(iso: &str) -> Option<Expiry> {
    let num = |a: usize, b: usize| iso.get(a..b).and_then(|t| t.parse::<i32>().ok());
    let small = |a: usize, b: usize| num(a, b).and_then(|n| u8::try_from(n).ok());
    if iso.get(4..5)? != "-" || iso.get(7..8)? != "-" || iso.get(10..11)? != "T" {
        return None;
    }
    let date = Date::from_calendar_date(
        num(0, 4)?,
        Month::try_from(small(5, 7)?).ok()?,
        small(8, 10)?,
    )
    .ok()?;
    let time = Time::from_hms(small(11, 13)?, small(14, 16)?, small(17, 19)?).ok()?;
    let local = PrimitiveDateTime::new(date, time);
    let offset = match iso.get(19..)? {
        "" => return Some(Expiry::AtNaive(local)),
        "Z" => UtcOffset::UTC,
        tail => {
            let sign: i8 = match tail.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let h = i8::try_from(num(20, 22)?).ok()?;
            let m = i8::try_from(num(23, 25)?).ok()?;
            if tail.len() != 6 {
                return None;
            }
            UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
        }
    };
    Some(Expiry::At(OffsetDateTime::new_in_offset(
        date, time, offset,
    )))
}
