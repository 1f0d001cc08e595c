//! A Rust service living beside a Django site: it shares the site's login
//! and its CSRF tokens. Both read the same settings (`SECRET_KEY`,
//! `SECRET_KEY_FALLBACKS`, `SESSION_COOKIE_*`, `CSRF_*`) from the
//! environment, and this service reads users' password hashes from the
//! site's database (SQLite here, through `rusqlite`). Nothing else is
//! shared: the session lives in the signed cookie.
//!
//! ```sh
//! SECRET_KEY='the Django site’s secret' DJANGO_SITE_DB=path/to/db.sqlite3 \
//!     cargo run --example django_sidecar --features django-auth
//! ```
//!
//! Pages (the same as the test site's in `tests/django_site/`):
//!
//! - `GET /whoami`: `{"user": name or null, "id": pk or null}`, with
//!   Django's `get_user` rules: a session whose auth hash no longer
//!   matches the user's password hash is logged out (flushed); one made
//!   with a fallback secret is upgraded to the current one.
//! - `GET /login-form`, `GET /csrf-token`: a form with
//!   `csrfmiddlewaretoken`, and a masked token, as Django's `get_token`.
//! - `POST /login` (`username`, `password`): checks the password against
//!   Django's `pbkdf2_sha256` hash, then logs in as
//!   `django.contrib.auth.login` does (Django then sees the user too).
//! - `POST /logout`, `POST /protected`: CSRF-protected, as on the site.
//!
//! `PORT` picks the port (8001 by default), on 127.0.0.1.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Deserialize;
use signed_session::Keyring;
use signed_session::django::auth::{
    self, AsyncUserLookup, AuthConfig, AuthUser, MODEL_BACKEND, RequestUser, UserId, UserRecord,
};
use signed_session::django::csrf::{CsrfHandle, CsrfLayer};
use signed_session::django::settings::DjangoSettings;
use signed_session::http::{SessionHandle, SessionLayer, SessionMiddleware};
use subtle::ConstantTimeEq as _;

/// The environment variable naming the Django site's SQLite database.
pub const DB_ENV: &str = "DJANGO_SITE_DB";

/// What every handler needs.
struct Sidecar {
    keys: Keyring,
    auth: AuthConfig,
    users: SqliteUsers,
}

/// The service's router: the session layer outside, the CSRF layer inside
/// (as Django orders `SessionMiddleware` before `CsrfViewMiddleware`).
///
/// # Errors
/// When the settings make an invalid cookie configuration.
pub fn app(settings: &DjangoSettings, db: PathBuf) -> Result<Router, Box<dyn std::error::Error>> {
    let keys = settings.keyring();
    let sessions =
        SessionMiddleware::new(&keys, settings.session_config(), settings.cookie_config())?;
    let csrf = CsrfLayer::new(settings.csrf().clone())?;
    let state = Arc::new(Sidecar {
        keys,
        auth: settings.auth_config(),
        users: SqliteUsers { db },
    });
    Ok(Router::new()
        .route("/whoami", get(whoami))
        .route("/login-form", get(login_form))
        .route("/csrf-token", get(csrf_token))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/protected", post(protected))
        .layer(csrf)
        .layer(SessionLayer::new(sessions))
        .with_state(state))
}

#[tokio::main]
async fn main() {
    let settings = match DjangoSettings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    let Some(db) = std::env::var_os(DB_ENV) else {
        eprintln!("{DB_ENV} must name the Django site's SQLite database");
        std::process::exit(2)
    };
    let port = match std::env::var("PORT").map(|p| p.parse::<u16>()) {
        Ok(Ok(port)) => port,
        Ok(Err(_)) => {
            eprintln!("PORT must be a number from 0 to 65535");
            std::process::exit(2)
        }
        Err(_) => 8001,
    };
    let router = match app(&settings, PathBuf::from(db)) {
        Ok(router) => router,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(1)
        }
    };
    println!(
        "django sidecar listening on http://{}/",
        listener.local_addr().unwrap_or(addr)
    );
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("server error: {e}");
        std::process::exit(1)
    }
}

// ----- users, from Django's auth_user table ---------------------------------

/// A row of `auth_user`: what the session check needs.
#[derive(Clone, Debug)]
struct DjangoUser {
    username: String,
    password: String,
}

impl UserRecord for DjangoUser {
    fn password_hash(&self) -> &str {
        &self.password
    }
}

/// Reads users from the site's SQLite database, off the async runtime.
#[derive(Debug)]
struct SqliteUsers {
    db: PathBuf,
}

/// A failed database read.
#[derive(Debug)]
struct DbError(String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "reading auth_user: {}", self.0)
    }
}

impl std::error::Error for DbError {}

/// Runs `query` on a read-only connection, on the blocking pool.
async fn read_db<T: Send + 'static>(
    db: &Path,
    query: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, DbError> {
    let db = db.to_owned();
    tokio::task::spawn_blocking(move || {
        let connection =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| DbError(e.to_string()))?;
        query(&connection).map_err(|e| DbError(e.to_string()))
    })
    .await
    .map_err(|e| DbError(e.to_string()))?
}

/// `SELECT ... WHERE <column> = ?`, for an active user only (Django's
/// `ModelBackend` refuses inactive users: `user_can_authenticate`).
fn active_user<P: rusqlite::ToSql>(
    connection: &rusqlite::Connection,
    column: &str,
    value: P,
) -> rusqlite::Result<Option<(i64, DjangoUser)>> {
    let sql = format!(
        "SELECT id, username, password FROM auth_user WHERE {column} = ?1 AND is_active = 1"
    );
    let mut statement = connection.prepare(&sql)?;
    let mut rows = statement.query([value])?;
    match rows.next()? {
        Some(row) => Ok(Some((
            row.get(0)?,
            DjangoUser {
                username: row.get(1)?,
                password: row.get(2)?,
            },
        ))),
        None => Ok(None),
    }
}

impl AsyncUserLookup for SqliteUsers {
    type User = DjangoUser;
    type Error = DbError;

    async fn find_user(&self, id: &UserId, backend: &str) -> Result<Option<DjangoUser>, DbError> {
        // Only Django's default backend and integer keys live in auth_user.
        let (UserId::Integer(id), MODEL_BACKEND) = (id, backend) else {
            return Ok(None);
        };
        let id = *id;
        let found = read_db(&self.db, move |c| active_user(c, "id", id)).await?;
        Ok(found.map(|(_, user)| user))
    }
}

// ----- Django's password hashes ---------------------------------------------

/// The most PBKDF2 iterations a stored hash may ask for (Django 6.1 uses
/// 1,500,000): the database is trusted, but a cap keeps a bad row from
/// stalling a request thread for minutes.
const MAX_ITERATIONS: u32 = 10_000_000;

/// Django's `check_password` for its default hasher,
/// `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>`.
/// Any other format (another hasher, an unusable `!` password) does not
/// verify here.
fn check_password(password: &str, encoded: &str) -> bool {
    let mut parts = encoded.split('$');
    let (Some("pbkdf2_sha256"), Some(iterations), Some(salt), Some(expected), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let Ok(iterations) = iterations.parse::<u32>() else {
        return false;
    };
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return false;
    }
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt.as_bytes(), iterations, &mut key);
    let actual = base64::engine::general_purpose::STANDARD.encode(key);
    actual.as_bytes().ct_eq(expected.as_bytes()).into()
}

// ----- handlers ---------------------------------------------------------------

fn json_user(user: &RequestUser<DjangoUser>) -> serde_json::Value {
    match user.user() {
        Some(found) => serde_json::json!({
            "user": found.user().username,
            "id": found.id().to_string(),
        }),
        None => serde_json::json!({"user": null, "id": null}),
    }
}

/// A failed lookup is a 500, never a silent logout.
fn server_error(e: &dyn std::error::Error) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
}

async fn whoami(State(app): State<Arc<Sidecar>>, session: SessionHandle) -> Response {
    match auth::handle::authenticate_session_async(&session, &app.keys, &app.users, &app.auth).await
    {
        Ok(user) => Json(json_user(&user)).into_response(),
        Err(e) => server_error(&e),
    }
}

async fn login_form(csrf: CsrfHandle) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><title>Log in</title></head><body>\
         <form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{}\">\
         <input name=\"username\"> <input name=\"password\" type=\"password\">\
         <button type=\"submit\">Log in</button></form></body></html>",
        csrf.token()
    ))
}

async fn csrf_token(csrf: CsrfHandle) -> Json<serde_json::Value> {
    Json(serde_json::json!({"token": csrf.token()}))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn login(
    State(app): State<Arc<Sidecar>>,
    session: SessionHandle,
    csrf: CsrfHandle,
    Form(form): Form<Credentials>,
) -> Response {
    let Credentials { username, password } = form;
    // PBKDF2 is slow on purpose (Django's default is over a million
    // iterations): it runs on the blocking pool with the query, not on
    // the async workers.
    let found = read_db(&app.users.db, move |c| {
        let found = active_user(c, "username", username)?;
        Ok(found.filter(|(_, user)| check_password(&password, &user.password)))
    })
    .await;
    let user = match found {
        Ok(user) => user,
        Err(e) => return server_error(&e),
    };
    let Some((id, user)) = user else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"ok": false, "error": "invalid credentials"})),
        )
            .into_response();
    };
    let auth_user = AuthUser::new(UserId::from(id), MODEL_BACKEND, &app.keys, &user.password);
    auth::handle::login(&session, Some(&csrf), &auth_user);
    Json(serde_json::json!({"ok": true, "user": user.username, "id": id.to_string()}))
        .into_response()
}

async fn logout(session: SessionHandle) -> Json<serde_json::Value> {
    auth::handle::logout(&session);
    Json(serde_json::json!({"ok": true}))
}

async fn protected() -> Json<serde_json::Value> {
    Json(serde_json::json!({"ok": true}))
}

#[cfg(test)]
mod tests {
    use super::check_password;

    #[test]
    fn djangos_pbkdf2_hashes_verify() {
        // Django 5.2: PBKDF2PasswordHasher().encode("pw", "salt", 1000)
        let encoded = "pbkdf2_sha256$1000$salt$CjglNVXON/XHKmtwP5loFOvyQfIDrxRuk9zesDHFVn4=";
        assert!(check_password("pw", encoded));
        assert!(!check_password("pW", encoded));
        assert!(!check_password("pw", &encoded.replace("1000", "1001")));
        assert!(!check_password("pw", "md5$salt$abc"));
        assert!(!check_password("pw", "!unusable"));
        assert!(!check_password("pw", "pbkdf2_sha256$0$salt$x"));
        assert!(!check_password("pw", "pbkdf2_sha256$99999999999$salt$x"));
    }
}
