//! The demo site's pages and actions, shared by the axum demo
//! (`examples/demo.rs`) and the actix-web demo (`examples/actix_demo.rs`):
//! both frameworks hand the same [`SessionHandle`] to their handlers, so
//! everything here is framework-free and each demo only wires routes.
#![allow(clippy::expect_used)]

use std::fmt::Write as _;

use python_json as json;
use signed_session::clock::{Clock, SystemClock};
use signed_session::http::{
    CookieConfig, SaveError, SessionHandle, SessionMiddleware, http_date, request_cookie,
};
use signed_session::session::{Expiry, ExpiryArgs};
use signed_session::{Keyring, Secret, SessionConfig, Value};
use time::{Duration, OffsetDateTime};

/// The environment variable holding the signing secret.
pub const SECRET_ENV: &str = "SIGNED_SESSION_SECRET";

/// Anyone can read this: it is only for trying the demo on one's own machine.
pub const DEVELOPMENT_SECRET: &str =
    "signed-session-demo-INSECURE-development-secret-do-not-deploy";

/// The short expiry the "expire soon" button sets, in seconds.
pub const SHORT_EXPIRY: i64 = 30;

/// How much data the "add data" button adds each time.
const NOTE_LEN: usize = 400;

/// What every page needs besides the session.
#[derive(Clone, Debug)]
pub struct Demo {
    /// Whether the development secret is in use (shown on every page).
    pub development_secret: bool,
}

/// The keyring from `SIGNED_SESSION_SECRET`, or the development secret;
/// the flag tells which.
pub fn keys_from_env() -> (Keyring, bool) {
    match std::env::var(SECRET_ENV) {
        Ok(value) if !value.is_empty() => match Secret::new(value) {
            Ok(secret) => (Keyring::new(secret), false),
            Err(_) => development_keys(),
        },
        _ => development_keys(),
    }
}

fn development_keys() -> (Keyring, bool) {
    let secret = Secret::new(DEVELOPMENT_SECRET).expect("the development secret is not empty");
    (Keyring::new(secret), true)
}

/// The session settings both demos use: Django's defaults, the 4096-byte
/// budget with the default policy.
pub fn middleware(keys: &Keyring) -> SessionMiddleware {
    SessionMiddleware::new(keys, SessionConfig::new(), CookieConfig::new())
        .expect("the default cookie settings are valid")
}

/// The warning printed at start-up when the development secret is in use;
/// `example` is the `cargo run` line to show.
pub fn warn_if_development(development_secret: bool, example: &str) {
    if !development_secret {
        return;
    }
    let bar = "!".repeat(72);
    eprintln!("{bar}");
    eprintln!("!! WARNING: {SECRET_ENV} is not set.");
    eprintln!("!! The demo signs cookies with a DEVELOPMENT secret that is written in");
    eprintln!("!! examples/site/pages.rs: anyone can forge these session cookies.");
    eprintln!("!! Use it only on your own machine. For anything else run it with");
    eprintln!("!!     {SECRET_ENV}='<a long random string>' {example}");
    eprintln!("{bar}");
}

/// The port from `PORT` (8000 when unset); exits with a message when it
/// is not a port number.
pub fn port_from_env() -> u16 {
    match std::env::var("PORT") {
        Ok(text) => text.parse::<u16>().unwrap_or_else(|_| {
            eprintln!("PORT must be a number from 0 to 65535, not {text:?}");
            std::process::exit(2)
        }),
        Err(_) => 8000,
    }
}

/// The first line the demos print, which the tests read the address from.
pub fn listening_line(addr: std::net::SocketAddr) -> String {
    format!("signed-session demo listening on http://{addr}/")
}

// ----- pages ---------------------------------------------------------------

/// `GET /`: counts the visit and renders the page. `cookies` holds the
/// request's `Cookie` headers, for the panel that decodes them.
pub fn index(demo: &Demo, session: &SessionHandle, cookies: &http::HeaderMap) -> String {
    let visits = session.get_as::<u64>("visits").ok().flatten().unwrap_or(0) + 1;
    session.insert("visits", visits);
    let flash = session
        .remove("flash")
        .and_then(|v| v.as_str().map(str::to_owned));
    let user = session
        .get("user")
        .and_then(|v| v.as_str().map(str::to_owned));
    let notes = session
        .get("notes")
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or(0);
    let now = SystemClock.now();

    let mut page = String::new();
    page.push_str(HEAD);
    if demo.development_secret {
        page.push_str(
            "<p class=warn><strong>Development secret in use.</strong> \
             <code>SIGNED_SESSION_SECRET</code> is not set, so these cookies are signed with a \
             key written in the source code and anyone could forge them.</p>",
        );
    }
    if let Some(flash) = flash {
        let _ = write!(page, "<p class=flash>{}</p>", escape(&flash));
    }

    let _ = write!(
        page,
        "<section><h2>Visits</h2><p class=big>{visits}</p>\
         <p>Each page view adds one, in the session.</p></section>"
    );

    page.push_str("<section><h2>Login</h2>");
    match user {
        Some(user) => {
            let _ = write!(
                page,
                "<p>Logged in as <strong>{}</strong>.</p>\
                 <form method=post action=/logout><button>Log out</button> \
                 <small>(<code>flush()</code>: the cookie is deleted)</small></form>",
                escape(&user)
            );
        }
        None => page.push_str(
            "<form method=post action=/login><label>Name <input name=username maxlength=40 required></label> \
             <button>Log in</button> <small>(<code>cycle_key()</code>: the cookie value changes)</small></form>",
        ),
    }
    page.push_str("</section>");

    let _ = write!(
        page,
        "<section><h2>Expiry and size</h2>\
         <form method=post action=/expire-soon><button>Expire {SHORT_EXPIRY} s after the last request</button></form>\
         <form method=post action=/expire-default><button>Back to the default (2 weeks)</button></form>\
         <form method=post action=/grow><button>Add {NOTE_LEN} bytes of random data</button></form>\
         <form method=post action=/shrink><button>Remove the data</button> <small>({notes} notes stored)</small></form>\
         </section>"
    );

    page.push_str(&incoming_panel(cookies, session, now));
    page.push_str(&outgoing_panel(session));
    page.push_str("</main></body></html>");
    page
}

// ----- actions -------------------------------------------------------------
// Each is a form post; the demos answer it with a redirect to `/`.

/// `POST /login`: cycles the key (against session fixation) and stores
/// the name.
pub fn login(session: &SessionHandle, username: &str) {
    let name = username.trim();
    if name.is_empty() || name.chars().count() > 40 {
        session.insert("flash", "Enter a name of 1 to 40 characters.");
        return;
    }
    session.cycle_key();
    session.insert("user", name);
    session.insert(
        "flash",
        format!("Welcome, {name}. The session key was cycled."),
    );
}

/// `POST /logout`: flushes the session, so the cookie is deleted.
pub fn logout(session: &SessionHandle) {
    session.flush();
}

/// `POST /expire-soon`.
pub fn expire_soon(session: &SessionHandle) {
    session.with_mut(|s| s.set_expiry(Expiry::Idle(Duration::seconds(SHORT_EXPIRY))));
    session.insert(
        "flash",
        format!("This session now ends {SHORT_EXPIRY} s after your last request; wait that long and reload."),
    );
}

/// `POST /expire-default`.
pub fn expire_default(session: &SessionHandle) {
    session.with_mut(|s| s.set_expiry(Expiry::Default));
    session.insert("flash", "Back to the default cookie age.");
}

/// `POST /grow`: adds a note of random letters, unless the cookie would
/// then pass the budget.
pub fn grow(session: &SessionHandle) {
    let note = random_text(NOTE_LEN);
    session.with_mut(|s| {
        match s.get_mut("notes").and_then(|v| v.as_array_mut()) {
            Some(notes) => notes.push(Value::from(note)),
            None => {
                s.insert("notes", vec![note]);
            }
        }
        s.set_modified(true);
    });
    // Check the budget here rather than let the layer answer with a 500.
    match session.check_size() {
        Ok(size) => {
            session.insert(
                "flash",
                format!("Added {NOTE_LEN} bytes; the cookie is now about {size} bytes."),
            );
        }
        Err(SaveError::TooLarge(e)) => {
            session.with_mut(|s| {
                if let Some(notes) = s.get_mut("notes").and_then(|v| v.as_array_mut()) {
                    notes.pop();
                }
            });
            session.insert(
                "flash",
                format!(
                    "Not added: the cookie would be {} bytes, over the {}-byte budget, and the browser would drop it.",
                    e.size(),
                    e.budget()
                ),
            );
        }
        Err(other) => {
            session.insert("flash", format!("Not added: {other}"));
        }
    }
}

/// `POST /shrink`: removes the notes.
pub fn shrink(session: &SessionHandle) {
    session.remove("notes");
    session.insert("flash", "Data removed.");
}

// ----- panels --------------------------------------------------------------

/// The cookie the browser sent with this request, decoded.
fn incoming_panel(
    headers: &http::HeaderMap,
    session: &SessionHandle,
    now: OffsetDateTime,
) -> String {
    let middleware = session.middleware();
    let config = middleware.config();
    let mut out = String::from("<section class=panel><h2>The cookie your browser sent</h2>");
    let Some(value) = request_cookie(headers, config.name()) else {
        out.push_str("<p>None yet: this is a new session. Reload to see it.</p></section>");
        return out;
    };
    let pair = format!("{}={value}", config.name());
    let _ = write!(out, "<p class=token><code>{}</code></p>", escape(&pair));
    match middleware.codec().try_load(Some(&value)) {
        Err(e) => {
            let _ = write!(
                out,
                "<p class=warn>Refused: {}. The server started a new, empty session.</p>",
                escape(&e.to_string())
            );
        }
        Ok(loaded) => {
            let data =
                String::from_utf8_lossy(&json::to_vec(&Value::Object(loaded.as_map().clone())))
                    .into_owned();
            let signed_at = loaded.signed_at().unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let age = (now - signed_at).as_seconds_f64().floor();
            // Max-Age as computed when the cookie was signed.
            let max_age = loaded
                .expiry_age_with(&ExpiryArgs::new().modification(signed_at))
                .whole_seconds();
            let expiry = if loaded.expire_at_browser_close() {
                "when the browser closes (no Max-Age)".to_owned()
            } else {
                let until = signed_at.unix_timestamp().saturating_add(max_age);
                format!(
                    "Max-Age {max_age} s: until {} (in {} s)",
                    http_date(until),
                    until.saturating_sub(now.unix_timestamp())
                )
            };
            let signed_at = signed_at.unix_timestamp();
            let _ = write!(
                out,
                "<table>\
                 <tr><th>data</th><td><code>{}</code></td></tr>\
                 <tr><th>signed at</th><td>{signed_at} ({})</td></tr>\
                 <tr><th>age</th><td>{age} s (the server accepts up to {} s)</td></tr>\
                 <tr><th>expiry</th><td>{}</td></tr>\
                 <tr><th>compressed</th><td>{}</td></tr>\
                 <tr><th>key</th><td>{}</td></tr>\
                 <tr><th>size</th><td>{} bytes for <code>name=value</code>; the whole <code>Set-Cookie</code> line must fit in {} bytes</td></tr>\
                 </table>",
                escape(&data),
                http_date(signed_at),
                middleware.codec().config().cookie_age().whole_seconds(),
                escape(&expiry),
                if value.starts_with('.') {
                    "yes (zlib)"
                } else {
                    "no"
                },
                match loaded.key_index() {
                    Some(0) => "the current secret".to_owned(),
                    Some(n) => format!("fallback secret #{n}"),
                    None => "?".to_owned(),
                },
                pair.len(),
                config.size_budget(),
            );
        }
    }
    out.push_str("</section>");
    out
}

/// The `Set-Cookie` this response will carry, against the budget.
fn outgoing_panel(session: &SessionHandle) -> String {
    let budget = session.middleware().config().size_budget();
    let mut out = String::from("<section class=panel><h2>The cookie this response sets</h2>");
    match session.preview_cookie() {
        Ok(line) => {
            let size = line.len();
            let percent = size.saturating_mul(100) / budget.max(1);
            let _ = write!(
                out,
                "<p class=token><code>Set-Cookie: {}</code></p>\
                 <p><meter min=0 max={budget} low={} high={} value={size}></meter> \
                 <strong>{size}</strong> of {budget} bytes ({percent}%)</p>",
                escape(&line),
                budget / 2,
                budget * 9 / 10,
            );
        }
        Err(e) => {
            let _ = write!(out, "<p class=warn>{}</p>", escape(&e.to_string()));
        }
    }
    out.push_str("</section>");
    out
}

// ----- helpers -------------------------------------------------------------

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Letters that do not compress much, so the cookie really grows.
fn random_text(len: usize) -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(1);
    #[allow(clippy::cast_possible_truncation)]
    let mut x = (seed as u64) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect()
}

const HEAD: &str = "<!doctype html><html lang=en><head><meta charset=utf-8>\
<meta name=viewport content='width=device-width, initial-scale=1'>\
<title>signed-session demo</title><style>\
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}\
main{max-width:52rem;margin:0 auto;padding:1rem 1.5rem}\
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.1rem;margin:0 0 .5rem}\
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:1rem;margin:1rem 0}\
form{display:inline-block;margin:.25rem .5rem .25rem 0}\
button{font:inherit;padding:.3rem .8rem;cursor:pointer}\
.big{font-size:2.5rem;margin:0}\
.warn{background:#fff1f0;border:1px solid #e5484d;padding:.6rem;border-radius:6px}\
.flash{background:#eef6ff;border:1px solid #5b9bd5;padding:.6rem;border-radius:6px}\
.token code{word-break:break-all;font-size:.8rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-top:1px solid #eee}\
th{width:8rem;font-weight:600}td code{word-break:break-all}\
meter{width:16rem;height:1.1rem;vertical-align:middle}\
</style></head><body><main><h1>signed-session demo</h1>\
<p>The whole session lives in one signed cookie, in Django's <code>signed_cookies</code> format: \
signed, <em>not</em> encrypted, so anyone holding it can read it.</p>";
