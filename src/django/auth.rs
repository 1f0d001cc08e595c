//! Django's login in the session: the three auth fields, `login`,
//! `logout`, `update_session_auth_hash`, and the verification
//! `get_user` does on every request, with the session auth hash and the
//! fallback secrets.
//!
//! A Django site stores who is logged in as three session keys:
//! [`USER_ID_KEY`] (`_auth_user_id`, the user's primary key as text),
//! [`BACKEND_KEY`] (`_auth_user_backend`, the dotted path of the
//! authentication backend) and [`HASH_KEY`] (`_auth_user_hash`, an HMAC of
//! the user's password hash, so that changing the password logs out every
//! other session). The functions here read and write them exactly as
//! `django.contrib.auth` does, so a user logged in on either side is logged
//! in on the other, and a password change or logout on either side counts
//! on both. The crate never touches a database: the application looks its
//! users up through [`UserLookup`] (or [`AsyncUserLookup`]).
//!
//! ```
//! use signed_session::django::auth::{
//!     self, AuthConfig, AuthUser, LoginOutcome, MODEL_BACKEND, RequestUser, UserId,
//! };
//! use signed_session::{Keyring, Secret, Session};
//!
//! let keys = Keyring::new(Secret::new("the Django site's SECRET_KEY")?);
//! // The password hash as Django stores it in `auth_user.password`.
//! let password = "pbkdf2_sha256$1000000$salt$hash=";
//!
//! // Login: the session gets the three fields (and a new key).
//! let mut session = Session::new();
//! let user = AuthUser::new(UserId::Integer(42), MODEL_BACKEND, &keys, password);
//! assert_eq!(auth::login(&mut session, &user), LoginOutcome::Cycled);
//!
//! // A later request: who is this? The lookup gives the password hash the
//! // database has now (`None` for an unknown or inactive user).
//! let lookup = |id: &UserId, _backend: &str| {
//!     Ok::<_, std::convert::Infallible>((*id == UserId::Integer(42)).then(|| password.to_owned()))
//! };
//! let who = auth::authenticate_session(&mut session, &keys, &lookup, &AuthConfig::new())?;
//! assert_eq!(who.id(), Some(&UserId::Integer(42)));
//!
//! // After a password change elsewhere, the hash no longer matches: the
//! // session is flushed, as Django does.
//! let changed = |_: &UserId, _: &str| Ok::<_, std::convert::Infallible>(Some("new-hash".to_owned()));
//! let who = auth::authenticate_session(&mut session, &keys, &changed, &AuthConfig::new())?;
//! assert!(matches!(who, RequestUser::Anonymous(_)));
//! assert!(session.is_blank());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Django names
//!
//! | Django (`django.contrib.auth`) | Rust |
//! |---|---|
//! | `SESSION_KEY`, `BACKEND_SESSION_KEY`, `HASH_SESSION_KEY` | [`USER_ID_KEY`], [`BACKEND_KEY`], [`HASH_KEY`] |
//! | `login(request, user, backend)` / `alogin` | [`login`] on a [`Session`]; [`handle::login`] also rotates the CSRF token |
//! | `logout(request)` / `alogout` | [`logout`]; [`handle::logout`] |
//! | `get_user(request)` / `aget_user` (what `request.user` runs) | [`authenticate_session`] / [`authenticate_session_async`]; [`handle::authenticate_session`] / [`handle::authenticate_session_async`] |
//! | `update_session_auth_hash(request, user)` | [`update_session_auth_hash`]; [`handle::update_session_auth_hash`] |
//! | `user.get_session_auth_hash()` | [`session_auth_hash`] |
//! | `user.get_session_auth_fallback_hash()` | [`session_auth_fallback_hashes`] |
//! | the check in `get_user` | [`verify_session_auth_hash`] |
//! | `_get_user_session_key(request)` (`pk.to_python`) | [`AuthFields::user_id`] with a [`UserIdKind`] |
//! | `user._meta.pk.value_to_string(user)` | `UserId`'s `Display` |
//! | `backend.get_user(user_id)` | [`UserLookup::find_user`], [`AsyncUserLookup::find_user`] |
//! | `request.user` | [`RequestUser`] |
//! | `settings.AUTHENTICATION_BACKENDS` | [`AuthConfig::with_backends`] |
//! | `user_logged_in`, `user_logged_out` signals | none: the caller acts after the call |
//!
//! # Differences from Django
//!
//! - Where Django raises because `_auth_user_id` cannot be read as the
//!   user model's primary key (a `ValidationError`, i.e. a 500),
//!   [`authenticate_session`] returns an [`AuthError`] of kind
//!   [`AuthErrorKind::UnreadableUserId`] and changes nothing, while
//!   [`login`] flushes the session ([`LoginFlush::UnreadableUserId`]): a
//!   session that cannot be shown to be this user's is not reused.
//! - Integer ids are read as Python's `int()` reads them (`" 5"`, `"+5"`,
//!   `"0_5"`, `5.9`, `true`), but only with ASCII digits: Python also reads
//!   other scripts' decimal digits, which are refused here. An integer
//!   outside `i64` names no user (Django's lookup finds none either).
//!   Text ids read strings, numbers and booleans as Django's `str()` does,
//!   but refuse arrays and objects. UUID ids accept what Python's
//!   `uuid.UUID(hex=...)` accepts.
//! - Users always have a session auth hash: the lookup returns the
//!   password hash. (Django skips the check for user objects without
//!   `get_session_auth_hash`, a form it deprecates.)
//! - Retirement times given with
//!   [`Keyring::with_fallback_until`](crate::Keyring::with_fallback_until)
//!   limit the cookies a fallback key signed, not the session auth hash:
//!   a hash made with any secret of the keyring verifies, as Django checks
//!   every one of `SECRET_KEY_FALLBACKS` (the cookie around it was already
//!   verified).

use core::fmt;
use core::future::Future;

use python_json::Value;
use subtle::ConstantTimeEq;

use crate::session::Session;
use crate::signing::{Keyring, Secret, salted_hmac_sha256};

/// Django's `SESSION_KEY`: the session key holding the logged-in user's
/// primary key, as text (`user._meta.pk.value_to_string(user)`).
pub const USER_ID_KEY: &str = "_auth_user_id";

/// Django's `BACKEND_SESSION_KEY`: the session key holding the dotted
/// path of the backend that authenticated the user.
pub const BACKEND_KEY: &str = "_auth_user_backend";

/// Django's `HASH_SESSION_KEY`: the session key holding the session auth
/// hash (see [`session_auth_hash`]).
pub const HASH_KEY: &str = "_auth_user_hash";

/// The path of Django's default authentication backend, and the only
/// entry of the default `AUTHENTICATION_BACKENDS`.
pub const MODEL_BACKEND: &str = "django.contrib.auth.backends.ModelBackend";

/// The key salt of `AbstractBaseUser.get_session_auth_hash`.
pub const SESSION_AUTH_HASH_SALT: &str =
    "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// Python's `int()` refuses decimal text of more digits than this
/// (`sys.get_int_max_str_digits()`), so Django raises on it.
const MAX_INT_STR_DIGITS: usize = 4300;

// ---------------------------------------------------------------------------
// the session auth hash
// ---------------------------------------------------------------------------

/// Django's `user.get_session_auth_hash()` for a user whose password hash
/// (the `password` column, e.g. `pbkdf2_sha256$...`) is `password_hash`,
/// under `secret`: `salted_hmac(SESSION_AUTH_HASH_SALT, password_hash,
/// secret, algorithm="sha256").hexdigest()`, 64 lowercase hex digits.
///
/// Django stores it under [`HASH_KEY`] at login and checks it on every
/// request, so a password change (a new hash) logs out every session made
/// before it.
///
/// ```
/// use signed_session::django::auth::session_auth_hash;
/// use signed_session::Secret;
///
/// let hash = session_auth_hash(&Secret::new("secret")?, "pbkdf2_sha256$1$salt$hash");
/// assert_eq!(hash, "67b8a2db9a11f20a0a7107b74c79f0f7cf7c6da789d5741f6b65b93c65a418f6");
/// # Ok::<(), signed_session::signing::SecretError>(())
/// ```
pub fn session_auth_hash(secret: &Secret, password_hash: &str) -> String {
    /// Python's `hexdigest()`: lowercase hex.
    struct Hex([u8; 32]);
    impl fmt::Display for Hex {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
        }
    }
    Hex(salted_hmac_sha256(
        SESSION_AUTH_HASH_SALT,
        secret,
        password_hash.as_bytes(),
    ))
    .to_string()
}

/// Django's `user.get_session_auth_fallback_hash()`: the session auth hash
/// under each fallback secret of `keys`, in order (the current secret is
/// not included).
pub fn session_auth_fallback_hashes(keys: &Keyring, password_hash: &str) -> Vec<String> {
    keys.secrets()
        .iter()
        .skip(1)
        .map(|secret| session_auth_hash(secret, password_hash))
        .collect()
}

/// Which secret made a session auth hash that verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashMatch {
    /// The current secret (`SECRET_KEY`).
    Current,
    /// A fallback secret (`SECRET_KEY_FALLBACKS`).
    Fallback {
        /// Its index in the keyring (1 = the first fallback).
        key_index: usize,
    },
}

/// The check `get_user` makes: whether `stored` (the session's
/// [`HASH_KEY`]) is the session auth hash of `password_hash` under the
/// current secret or, failing that, under one of the fallbacks, in order.
/// Each comparison runs in constant time. `None` when no secret made it,
/// and for an empty `stored`.
///
/// ```
/// use signed_session::django::auth::{HashMatch, session_auth_hash, verify_session_auth_hash};
/// use signed_session::{Keyring, Secret};
///
/// let old = Secret::new("old secret")?;
/// let stored = session_auth_hash(&old, "pw-hash");
/// let keys = Keyring::new(Secret::new("new secret")?).with_fallback(old);
/// assert_eq!(
///     verify_session_auth_hash(&keys, "pw-hash", &stored),
///     Some(HashMatch::Fallback { key_index: 1 })
/// );
/// assert_eq!(verify_session_auth_hash(&keys, "other", &stored), None);
/// # Ok::<(), signed_session::signing::SecretError>(())
/// ```
pub fn verify_session_auth_hash(
    keys: &Keyring,
    password_hash: &str,
    stored: &str,
) -> Option<HashMatch> {
    if stored.is_empty() {
        return None;
    }
    let same = |secret: &Secret| {
        let expected = session_auth_hash(secret, password_hash);
        bool::from(expected.as_bytes().ct_eq(stored.as_bytes()))
    };
    let mut secrets = keys.secrets().iter().enumerate();
    if let Some((_, current)) = secrets.next()
        && same(current)
    {
        return Some(HashMatch::Current);
    }
    secrets
        .find(|(_, secret)| same(secret))
        .map(|(key_index, _)| HashMatch::Fallback { key_index })
}

/// The current secret of a keyring.
#[expect(
    clippy::expect_used,
    reason = "a Keyring is built from a current secret and never loses it"
)]
fn current_secret(keys: &Keyring) -> &Secret {
    keys.secrets()
        .first()
        .expect("a keyring always has a current secret")
}

// ---------------------------------------------------------------------------
// user ids
// ---------------------------------------------------------------------------

/// A user's primary key, typed as the user model's primary key field is.
///
/// Its `Display` is the text Django stores under [`USER_ID_KEY`]
/// (`pk.value_to_string(user)`): `42`, `alice`, or
/// `12345678-1234-5678-1234-567812345678`.
///
/// ```
/// use signed_session::django::auth::UserId;
///
/// assert_eq!(UserId::from(42).to_string(), "42");
/// assert_eq!(
///     UserId::Uuid(0x12345678_1234_5678_1234_567812345678).to_string(),
///     "12345678-1234-5678-1234-567812345678"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserId {
    /// An integer key (`AutoField`, `BigAutoField`, Django's default).
    Integer(i64),
    /// A text key (`CharField`, e.g. a username as the primary key).
    Text(String),
    /// A `UUIDField` key.
    Uuid(u128),
}

impl UserId {
    /// The kind of primary key this is.
    pub fn kind(&self) -> UserIdKind {
        match self {
            UserId::Integer(_) => UserIdKind::Integer,
            UserId::Text(_) => UserIdKind::Text,
            UserId::Uuid(_) => UserIdKind::Uuid,
        }
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserId::Integer(n) => write!(f, "{n}"),
            UserId::Text(s) => f.write_str(s),
            UserId::Uuid(u) => {
                let hex = format!("{u:032x}");
                let part = |range: core::ops::Range<usize>| hex.get(range).unwrap_or_default();
                write!(
                    f,
                    "{}-{}-{}-{}-{}",
                    part(0..8),
                    part(8..12),
                    part(12..16),
                    part(16..20),
                    part(20..32)
                )
            }
        }
    }
}

impl From<i64> for UserId {
    fn from(id: i64) -> Self {
        UserId::Integer(id)
    }
}

impl From<i32> for UserId {
    fn from(id: i32) -> Self {
        UserId::Integer(i64::from(id))
    }
}

impl From<u32> for UserId {
    fn from(id: u32) -> Self {
        UserId::Integer(i64::from(id))
    }
}

impl From<String> for UserId {
    fn from(id: String) -> Self {
        UserId::Text(id)
    }
}

impl From<&str> for UserId {
    fn from(id: &str) -> Self {
        UserId::Text(id.to_owned())
    }
}

/// The type of the user model's primary key, which says how the stored
/// [`USER_ID_KEY`] is read (Django's `pk.to_python`) and so which stored
/// ids name the same user: for [`Integer`](Self::Integer), `"05"` and `5`
/// are user 5, as they are to Django.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserIdKind {
    /// `AutoField` / `BigAutoField` (Django's default user model): read as
    /// Python's `int()` does (surrounding whitespace, a sign, `_` between
    /// digits, floats truncated, booleans as 0 and 1), ASCII digits only.
    #[default]
    Integer,
    /// `CharField`: strings as they are; numbers and booleans as Python's
    /// `str()` writes them.
    Text,
    /// `UUIDField`: what `uuid.UUID(hex=...)` reads (any case, with or
    /// without hyphens, braces or a `urn:uuid:` prefix), or an integer.
    Uuid,
}

impl UserIdKind {
    fn name(self) -> &'static str {
        match self {
            UserIdKind::Integer => "an integer",
            UserIdKind::Text => "a text",
            UserIdKind::Uuid => "a UUID",
        }
    }
}

/// A stored `_auth_user_id` after `pk.to_python`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum StoredId {
    /// Python's `None` (a JSON `null`).
    None,
    /// A key of the model's type.
    Id(UserId),
    /// An integer outside `i64`: a valid Python value no user has.
    NoSuchId,
}

impl StoredId {
    fn is(&self, id: &UserId) -> bool {
        matches!(self, StoredId::Id(stored) if stored == id)
    }
}

/// Why a stored id cannot be read (Django raises `ValidationError`).
type Unreadable = &'static str;

/// Django's `pk.to_python(value)` for a primary key of `kind`.
fn to_python(value: &Value, kind: UserIdKind) -> Result<StoredId, Unreadable> {
    match kind {
        UserIdKind::Integer => integer_to_python(value),
        UserIdKind::Text => text_to_python(value),
        UserIdKind::Uuid => uuid_to_python(value),
    }
}

fn integer_to_python(value: &Value) -> Result<StoredId, Unreadable> {
    match value {
        Value::Null => Ok(StoredId::None),
        Value::Bool(b) => Ok(StoredId::Id(UserId::Integer(i64::from(*b)))),
        Value::Number(n) if n.is_integer() => Ok(n
            .as_i64()
            .map_or(StoredId::NoSuchId, |v| StoredId::Id(UserId::Integer(v)))),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if !f.is_finite() {
                return Err("a float that is not finite is no integer");
            }
            let t = f.trunc();
            // i64::MIN is -2^63, exact as a float; 2^63 is the first float above i64::MAX.
            if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
                #[allow(clippy::cast_possible_truncation)] // in range, checked above
                let v = t as i64;
                Ok(StoredId::Id(UserId::Integer(v)))
            } else {
                Ok(StoredId::NoSuchId)
            }
        }
        Value::String(s) => {
            let (negative, digits) = python_int_digits(s, 10).ok_or("not an integer")?;
            if digits.len() > MAX_INT_STR_DIGITS {
                return Err("more digits than Python's int() reads");
            }
            let magnitude = digits.trim_start_matches('0');
            let text = if negative {
                format!("-{magnitude}")
            } else {
                magnitude.to_owned()
            };
            if magnitude.is_empty() {
                return Ok(StoredId::Id(UserId::Integer(0)));
            }
            Ok(text
                .parse::<i64>()
                .map_or(StoredId::NoSuchId, |v| StoredId::Id(UserId::Integer(v))))
        }
        Value::Array(_) | Value::Object(_) => Err("an array or object is not an integer"),
    }
}

fn text_to_python(value: &Value) -> Result<StoredId, Unreadable> {
    let text = match value {
        Value::Null => return Ok(StoredId::None),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => match n.integer_text() {
            Some(text) => text,
            None => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                // Python's str() of a float is its repr, but says nan and inf.
                if f.is_nan() {
                    "nan".to_owned()
                } else if f.is_infinite() {
                    if f > 0.0 { "inf" } else { "-inf" }.to_owned()
                } else {
                    python_json::python_float_repr(f)
                }
            }
        },
        Value::Array(_) | Value::Object(_) => {
            return Err("an array or object is not read as a text key");
        }
    };
    Ok(StoredId::Id(UserId::Text(text)))
}

fn uuid_to_python(value: &Value) -> Result<StoredId, Unreadable> {
    const OUT_OF_RANGE: Unreadable = "an integer outside the 128-bit range of a UUID";
    match value {
        Value::Null => Ok(StoredId::None),
        Value::Bool(b) => Ok(StoredId::Id(UserId::Uuid(u128::from(*b)))),
        Value::Number(n) if n.is_integer() => n
            .as_u128()
            .map(|v| StoredId::Id(UserId::Uuid(v)))
            .ok_or(OUT_OF_RANGE),
        Value::Number(_) => Err("a float is not a UUID"),
        Value::String(s) => {
            // uuid.UUID(hex=s): drop the prefixes, the braces at either end
            // and every hyphen, then exactly 32 characters read by int(_, 16).
            let unprefixed = s.replace("urn:", "").replace("uuid:", "");
            let hex: String = unprefixed
                .trim_matches(|c| c == '{' || c == '}')
                .chars()
                .filter(|&c| c != '-')
                .collect();
            if hex.chars().count() != 32 {
                return Err("not 32 hexadecimal digits");
            }
            let (negative, digits) =
                python_int_digits(&hex, 16).ok_or("not 32 hexadecimal digits")?;
            let magnitude = digits.trim_start_matches('0');
            if magnitude.is_empty() {
                return Ok(StoredId::Id(UserId::Uuid(0)));
            }
            if negative {
                return Err(OUT_OF_RANGE);
            }
            u128::from_str_radix(magnitude, 16)
                .map(|v| StoredId::Id(UserId::Uuid(v)))
                .map_err(|_| OUT_OF_RANGE)
        }
        Value::Array(_) | Value::Object(_) => Err("an array or object is not a UUID"),
    }
}

/// Python's `int(text, radix)` (radix 10 or 16) on ASCII digits: the sign
/// and the digits without underscores, or `None` where Python raises (and
/// for non-ASCII digits, which Python would read).
fn python_int_digits(text: &str, radix: u32) -> Option<(bool, String)> {
    // Rust's White_Space is exactly what int() strips: ASCII whitespace
    // and the Unicode spaces (U+001C..U+001F are not stripped by either).
    let trimmed = text.trim();
    let (negative, mut rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let mut underscore_allowed = false;
    if radix == 16
        && let Some(after) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X"))
    {
        rest = after;
        // int("0x_1f", 16) is valid: one underscore may follow the prefix.
        underscore_allowed = true;
    }
    let mut digits = String::with_capacity(rest.len());
    let mut after_underscore = false;
    for c in rest.chars() {
        if c == '_' {
            if !underscore_allowed || after_underscore {
                return None;
            }
            after_underscore = true;
        } else if c.is_digit(radix) {
            digits.push(c);
            after_underscore = false;
            underscore_allowed = true;
        } else {
            return None;
        }
    }
    if digits.is_empty() || after_underscore {
        return None;
    }
    Some((negative, digits))
}

// ---------------------------------------------------------------------------
// the fields
// ---------------------------------------------------------------------------

/// A read-only view of the auth fields of a session, as stored.
///
/// Django writes three strings; a session written by other code may hold
/// other JSON values, which the accessors report as they are
/// ([`user_id_value`](Self::user_id_value)) or as `None` where a string
/// is expected. `Debug` leaves out the hash.
///
/// ```
/// use signed_session::django::auth::{AuthFields, UserId, UserIdKind};
/// use signed_session::Session;
///
/// let mut session = Session::new();
/// assert!(AuthFields::read(&session).is_none());
/// session.insert("_auth_user_id", "05");
/// session.insert("_auth_user_backend", "django.contrib.auth.backends.ModelBackend");
/// let fields = AuthFields::read(&session).expect("logged in");
/// assert_eq!(fields.user_id_str(), Some("05"));
/// assert_eq!(fields.user_id(UserIdKind::Integer)?, Some(UserId::Integer(5)));
/// assert_eq!(fields.hash(), None);
/// # Ok::<(), signed_session::django::auth::AuthError>(())
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct AuthFields {
    user_id: Value,
    backend: Option<Value>,
    hash: Option<Value>,
}

impl fmt::Debug for AuthFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthFields")
            .field("user_id", &self.user_id)
            .field("backend", &self.backend)
            .field("hash", &self.hash.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl AuthFields {
    /// The auth fields of `session`, or `None` when it has no
    /// [`USER_ID_KEY`] (no one is logged in). Reading sets the session's
    /// `accessed`, as Django's reads do.
    pub fn read(session: &Session) -> Option<Self> {
        Some(Self {
            user_id: session.get(USER_ID_KEY)?.clone(),
            backend: session.get(BACKEND_KEY).cloned(),
            hash: session.get(HASH_KEY).cloned(),
        })
    }

    /// The stored user id as it is (Django writes a string).
    pub fn user_id_value(&self) -> &Value {
        &self.user_id
    }

    /// The stored user id when it is a string, the form Django writes.
    pub fn user_id_str(&self) -> Option<&str> {
        self.user_id.as_str()
    }

    /// The stored user id read as a primary key of `kind`
    /// (`_get_user_session_key`): `None` for a stored `null` and for an
    /// integer outside `i64` (no user has either).
    ///
    /// # Errors
    /// [`AuthErrorKind::UnreadableUserId`] where Django's `pk.to_python`
    /// raises (`"abc"` for an integer key, for instance).
    pub fn user_id(&self, kind: UserIdKind) -> Result<Option<UserId>, AuthError> {
        match to_python(&self.user_id, kind) {
            Ok(StoredId::Id(id)) => Ok(Some(id)),
            Ok(StoredId::None | StoredId::NoSuchId) => Ok(None),
            Err(reason) => Err(AuthError::unreadable(kind, reason)),
        }
    }

    /// The backend path, when stored as a string.
    pub fn backend(&self) -> Option<&str> {
        self.backend.as_ref().and_then(Value::as_str)
    }

    /// The session auth hash, when stored as a string.
    pub fn hash(&self) -> Option<&str> {
        self.hash.as_ref().and_then(Value::as_str)
    }
}

// ---------------------------------------------------------------------------
// login, logout, update_session_auth_hash
// ---------------------------------------------------------------------------

/// The user being logged in: their primary key, the backend that
/// authenticated them, and their session auth hash. `Debug` leaves out
/// the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthUser {
    id: UserId,
    backend: String,
    session_hash: String,
}

impl fmt::Debug for AuthUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthUser")
            .field("id", &self.id)
            .field("backend", &self.backend)
            .field("session_hash", &"<redacted>")
            .finish()
    }
}

impl AuthUser {
    /// The user `id`, authenticated by `backend` (a dotted path that must
    /// be in the `AUTHENTICATION_BACKENDS` of every site that reads the
    /// session, e.g. [`MODEL_BACKEND`]), whose password hash (the
    /// `password` column) is `password_hash`: the session auth hash is made
    /// with the current secret of `keys`, as Django's `login` does.
    pub fn new(
        id: impl Into<UserId>,
        backend: impl Into<String>,
        keys: &Keyring,
        password_hash: &str,
    ) -> Self {
        Self::from_session_hash(
            id,
            backend,
            session_auth_hash(current_secret(keys), password_hash),
        )
    }

    /// A user whose session auth hash is already made (see
    /// [`session_auth_hash`]). An empty hash is what Django stores for a
    /// user object without `get_session_auth_hash`; such a session is
    /// flushed by [`authenticate_session`], which always checks the hash.
    pub fn from_session_hash(
        id: impl Into<UserId>,
        backend: impl Into<String>,
        session_hash: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            backend: backend.into(),
            session_hash: session_hash.into(),
        }
    }

    /// The user's primary key.
    pub fn id(&self) -> &UserId {
        &self.id
    }

    /// The backend path stored at login.
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// The session auth hash stored at login.
    pub fn session_hash(&self) -> &str {
        &self.session_hash
    }
}

/// What [`login`] did to the session before storing the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginOutcome {
    /// The session held another login: it was flushed (data and key
    /// dropped), so nothing of it carries over to the new user.
    Flushed(LoginFlush),
    /// No one was logged in: the data is kept and the session re-signed
    /// (`cycle_key`), against session fixation.
    Cycled,
    /// The same user with the same session auth hash was already logged
    /// in: neither flushed nor cycled, as in Django.
    Kept,
}

/// Why [`login`] flushed the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginFlush {
    /// It held another user's id (or a `null` one).
    OtherUser,
    /// Same user, but its stored hash differs from the new one (the
    /// password changed, or the hash was made with another secret).
    HashChanged,
    /// Its `_auth_user_id` cannot be read as the user's kind of primary
    /// key. Django raises here; this crate flushes, since the session
    /// cannot be shown to be this user's.
    UnreadableUserId,
}

/// Django's `login(request, user)`, on the session: if it holds a login
/// of another user, or of this user with a different non-empty session
/// auth hash (compared in constant time), it is flushed; if it holds no
/// login it keeps its data and is re-signed (`cycle_key`); then the three
/// fields are stored. Stored ids are compared as the user's kind of
/// primary key (so `"05"` is user 5).
///
/// Django's `login` also rotates the CSRF token; [`handle::login`] does
/// that too.
///
/// ```
/// use signed_session::django::auth::{self, AuthUser, LoginFlush, LoginOutcome, MODEL_BACKEND};
/// use signed_session::{Keyring, Secret, Session};
///
/// let keys = Keyring::new(Secret::new("secret")?);
/// let mut session = Session::new();
/// session.insert("cart", vec!["sku-1"]);
/// let alice = AuthUser::new(1, MODEL_BACKEND, &keys, "alice's password hash");
/// let bob = AuthUser::new(2, MODEL_BACKEND, &keys, "bob's password hash");
/// assert_eq!(auth::login(&mut session, &alice), LoginOutcome::Cycled);
/// assert!(session.contains_key("cart")); // an anonymous session's data is kept
/// assert_eq!(auth::login(&mut session, &alice), LoginOutcome::Kept);
/// assert_eq!(auth::login(&mut session, &bob), LoginOutcome::Flushed(LoginFlush::OtherUser));
/// assert!(!session.contains_key("cart"));
/// assert_eq!(session.get("_auth_user_id").and_then(|v| v.as_str()), Some("2"));
/// # Ok::<(), signed_session::signing::SecretError>(())
/// ```
pub fn login(session: &mut Session, user: &AuthUser) -> LoginOutcome {
    let outcome = match session.get(USER_ID_KEY) {
        None => LoginOutcome::Cycled,
        Some(stored) => match to_python(stored, user.id.kind()) {
            Err(_) => LoginOutcome::Flushed(LoginFlush::UnreadableUserId),
            Ok(stored) if !stored.is(&user.id) => LoginOutcome::Flushed(LoginFlush::OtherUser),
            Ok(_)
                if !user.session_hash.is_empty()
                    && !stored_hash_is(session, &user.session_hash) =>
            {
                LoginOutcome::Flushed(LoginFlush::HashChanged)
            }
            Ok(_) => LoginOutcome::Kept,
        },
    };
    match outcome {
        LoginOutcome::Flushed(_) => session.flush(),
        LoginOutcome::Cycled => session.cycle_key(),
        LoginOutcome::Kept => {}
    }
    session.insert(USER_ID_KEY, user.id.to_string());
    session.insert(BACKEND_KEY, user.backend.as_str());
    session.insert(HASH_KEY, user.session_hash.as_str());
    outcome
}

/// Whether the session's stored hash is `hash`, in constant time (Django's
/// `constant_time_compare(session.get(HASH_SESSION_KEY, ""), hash)`; a
/// stored value that is not a string never equals a hex hash).
fn stored_hash_is(session: &Session, hash: &str) -> bool {
    match session.get(HASH_KEY) {
        None => hash.is_empty(),
        Some(Value::String(stored)) => bool::from(stored.as_bytes().ct_eq(hash.as_bytes())),
        Some(_) => false,
    }
}

/// Django's `logout(request)`, on the session: `flush()`, which drops the
/// data and the key, so the cookie is deleted when the response is sent.
pub fn logout(session: &mut Session) {
    session.flush();
}

/// Django's `update_session_auth_hash(request, user)`, called after
/// `user`'s password changed, with `user` made from the new password
/// hash: the session is re-signed (`cycle_key`), and if the request's
/// user (`request_user`, the id of what [`authenticate_session`] returned
/// for this request, `None` when anonymous) is `user`, the new hash is
/// stored, so this session stays logged in while every other one of the
/// user's sessions is logged out. Returns whether the hash was stored.
///
/// ```
/// use signed_session::django::auth::{self, AuthUser, MODEL_BACKEND, UserId};
/// use signed_session::{Keyring, Secret, Session};
///
/// let keys = Keyring::new(Secret::new("secret")?);
/// let mut session = Session::new();
/// auth::login(&mut session, &AuthUser::new(7, MODEL_BACKEND, &keys, "old hash"));
/// let changed = AuthUser::new(7, MODEL_BACKEND, &keys, "new hash");
/// assert!(auth::update_session_auth_hash(&mut session, Some(&UserId::Integer(7)), &changed));
/// assert_eq!(
///     session.get("_auth_user_hash").and_then(|v| v.as_str()),
///     Some(changed.session_hash())
/// );
/// # Ok::<(), signed_session::signing::SecretError>(())
/// ```
pub fn update_session_auth_hash(
    session: &mut Session,
    request_user: Option<&UserId>,
    user: &AuthUser,
) -> bool {
    session.cycle_key();
    if request_user == Some(&user.id) {
        session.insert(HASH_KEY, user.session_hash.as_str());
        true
    } else {
        false
    }
}

// ---------------------------------------------------------------------------
// verification (get_user)
// ---------------------------------------------------------------------------

/// What the crate needs of a user record the application looks up: the
/// password hash (the `password` column, e.g. `pbkdf2_sha256$...`).
pub trait UserRecord {
    /// The user's current password hash.
    fn password_hash(&self) -> &str;
}

impl UserRecord for String {
    fn password_hash(&self) -> &str {
        self
    }
}

/// The application's user lookup: Django's `backend.get_user(user_id)`.
///
/// It is asked only for a backend listed in the
/// [configuration](AuthConfig::with_backends), and returns the user, or
/// `None` for a user who does not exist **or may not log in** (Django's
/// `ModelBackend` returns `None` for an inactive user). A closure
/// `Fn(&UserId, &str) -> Result<Option<U>, E>` is a lookup.
pub trait UserLookup {
    /// The user record returned (a `String` holding the password hash is
    /// enough).
    type User: UserRecord;
    /// The lookup's failure (a database error). It is returned to the
    /// caller as an [`AuthError`]; the session is left unchanged.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The user `id`, as `backend` (a dotted path) knows them.
    ///
    /// # Errors
    /// When the lookup itself failed; not for an unknown user.
    fn find_user(&self, id: &UserId, backend: &str) -> Result<Option<Self::User>, Self::Error>;
}

impl<F, U, E> UserLookup for F
where
    F: Fn(&UserId, &str) -> Result<Option<U>, E>,
    U: UserRecord,
    E: std::error::Error + Send + Sync + 'static,
{
    type User = U;
    type Error = E;

    fn find_user(&self, id: &UserId, backend: &str) -> Result<Option<U>, E> {
        self(id, backend)
    }
}

/// [`UserLookup`] for asynchronous databases (Django's
/// `backend.aget_user`). The future must be `Send`, so the functions
/// taking it can run in axum handlers; an implementation may use
/// `async fn`:
///
/// ```
/// use signed_session::django::auth::{AsyncUserLookup, UserId};
///
/// struct Db;
///
/// impl AsyncUserLookup for Db {
///     type User = String;
///     type Error = std::io::Error;
///
///     async fn find_user(&self, id: &UserId, _backend: &str) -> Result<Option<String>, Self::Error> {
///         // A query for the user's password hash, if active.
///         Ok((*id == UserId::Integer(1)).then(|| "pbkdf2_sha256$...".to_owned()))
///     }
/// }
/// ```
pub trait AsyncUserLookup: Sync {
    /// The user record returned.
    type User: UserRecord + Send;
    /// The lookup's failure.
    type Error: std::error::Error + Send + Sync + 'static;

    /// As [`UserLookup::find_user`].
    fn find_user(
        &self,
        id: &UserId,
        backend: &str,
    ) -> impl Future<Output = Result<Option<Self::User>, Self::Error>> + Send;
}

/// How sessions are verified: Django's `AUTHENTICATION_BACKENDS`, and the
/// type of the user model's primary key.
///
/// | setting | Django | default |
/// |---|---|---|
/// | [`backends`](Self::backends) | `AUTHENTICATION_BACKENDS` | `[MODEL_BACKEND]` |
/// | [`user_id_kind`](Self::user_id_kind) | the user model's primary key field | [`UserIdKind::Integer`] (Django's default `AutoField`) |
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthConfig {
    backends: Vec<String>,
    user_id_kind: UserIdKind,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            backends: vec![MODEL_BACKEND.to_owned()],
            user_id_kind: UserIdKind::Integer,
        }
    }
}

impl AuthConfig {
    /// Django's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `AUTHENTICATION_BACKENDS`: a session whose backend is not listed is
    /// anonymous (and left unchanged). Default `[MODEL_BACKEND]`.
    #[must_use]
    pub fn with_backends<I, S>(mut self, backends: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.backends = backends.into_iter().map(Into::into).collect();
        self
    }

    /// The type of the user model's primary key. Default
    /// [`UserIdKind::Integer`].
    #[must_use]
    pub fn with_user_id_kind(mut self, kind: UserIdKind) -> Self {
        self.user_id_kind = kind;
        self
    }

    /// See [`with_backends`](Self::with_backends).
    pub fn backends(&self) -> &[String] {
        &self.backends
    }

    /// See [`with_user_id_kind`](Self::with_user_id_kind).
    pub fn user_id_kind(&self) -> UserIdKind {
        self.user_id_kind
    }
}

/// Django's `request.user`: who the session belongs to.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RequestUser<U> {
    /// A verified login.
    Authenticated(AuthenticatedUser<U>),
    /// No one, and why (Django's `AnonymousUser`).
    Anonymous(Anonymous),
}

impl<U> RequestUser<U> {
    /// Whether a user is logged in.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, RequestUser::Authenticated(_))
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&AuthenticatedUser<U>> {
        match self {
            RequestUser::Authenticated(user) => Some(user),
            RequestUser::Anonymous(_) => None,
        }
    }

    /// The logged-in user, if any, by value.
    pub fn into_user(self) -> Option<AuthenticatedUser<U>> {
        match self {
            RequestUser::Authenticated(user) => Some(user),
            RequestUser::Anonymous(_) => None,
        }
    }

    /// The logged-in user's id, if any (what
    /// [`update_session_auth_hash`] takes).
    pub fn id(&self) -> Option<&UserId> {
        self.user().map(AuthenticatedUser::id)
    }

    /// Why no one is logged in, if so.
    pub fn anonymous(&self) -> Option<Anonymous> {
        match self {
            RequestUser::Authenticated(_) => None,
            RequestUser::Anonymous(why) => Some(*why),
        }
    }
}

/// A user whose session verified.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthenticatedUser<U> {
    id: UserId,
    backend: String,
    user: U,
    matched: HashMatch,
}

impl<U> AuthenticatedUser<U> {
    /// The user's primary key.
    pub fn id(&self) -> &UserId {
        &self.id
    }

    /// The backend that authenticated them (from the session).
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// The record the lookup returned.
    pub fn user(&self) -> &U {
        &self.user
    }

    /// The record the lookup returned, by value.
    pub fn into_user(self) -> U {
        self.user
    }

    /// Which secret made the session's hash. After a
    /// [fallback](HashMatch::Fallback) matched, the session was re-signed
    /// (`cycle_key`) and now holds the hash made with the current secret.
    pub fn matched(&self) -> HashMatch {
        self.matched
    }

    /// Whether the session was re-signed with a new hash (a fallback
    /// secret matched).
    pub fn key_cycled(&self) -> bool {
        matches!(self.matched, HashMatch::Fallback { .. })
    }
}

/// Why a session has no user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Anonymous {
    /// No `_auth_user_id` or no `_auth_user_backend`. The session is
    /// unchanged.
    NotLoggedIn,
    /// The backend is not in `AUTHENTICATION_BACKENDS` (or not a string).
    /// The session is unchanged.
    BackendNotAllowed,
    /// The lookup found no such user (unknown or inactive), or the stored
    /// id is `null` or an integer outside `i64`, which no user has. The
    /// session is unchanged.
    UnknownUser,
    /// The session was flushed: its hash was made from another password,
    /// or by a secret no longer in the keyring.
    LoggedOut(LoggedOut),
}

impl Anonymous {
    /// Whether the session was flushed.
    pub fn session_flushed(self) -> bool {
        matches!(self, Anonymous::LoggedOut(_))
    }
}

/// Why a session was logged out (flushed) by [`authenticate_session`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoggedOut {
    /// No hash, or an empty (falsy) one.
    HashMissing,
    /// The hash was made from another password hash, or by no secret of
    /// the keyring.
    HashMismatch,
}

/// Why a session could not be verified. The session is unchanged.
#[derive(Debug)]
pub struct AuthError {
    kind: AuthErrorKind,
    detail: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The kind of an [`AuthError`], for matching and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// `_auth_user_id` cannot be read as the configured kind of primary
    /// key (Django raises `ValidationError`).
    UnreadableUserId,
    /// The [`UserLookup`] failed; the cause is the error's `source()`.
    Lookup,
    /// The session's auth fields changed while an asynchronous lookup ran
    /// (another holder of the same [`SessionHandle`](crate::http::SessionHandle)
    /// wrote them): the answer may be about another login, so nothing is
    /// changed.
    SessionChanged,
}

impl AuthError {
    fn unreadable(kind: UserIdKind, reason: Unreadable) -> Self {
        Self {
            kind: AuthErrorKind::UnreadableUserId,
            detail: format!(
                "the session's {USER_ID_KEY} is not {} user id: {reason}",
                kind.name()
            ),
            source: None,
        }
    }

    fn lookup(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            kind: AuthErrorKind::Lookup,
            detail: "the user lookup failed".to_owned(),
            source: Some(Box::new(cause)),
        }
    }

    fn session_changed() -> Self {
        Self {
            kind: AuthErrorKind::SessionChanged,
            detail: "the session's auth fields changed during the user lookup; nothing was changed"
                .to_owned(),
            source: None,
        }
    }

    /// What went wrong, for matching.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The first half of `get_user`: everything before the lookup.
enum Begin {
    Done(Anonymous),
    Lookup(Pending),
}

/// A lookup to make, and the fields it was decided on.
struct Pending {
    user_id: UserId,
    backend: String,
    /// The three fields as JSON text, to notice a change across an await.
    snapshot: Vec<u8>,
}

impl Pending {
    /// The lookup, its failure an [`AuthErrorKind::Lookup`] error.
    fn find<L: UserLookup>(&self, lookup: &L) -> Result<Option<L::User>, AuthError> {
        lookup
            .find_user(&self.user_id, &self.backend)
            .map_err(AuthError::lookup)
    }

    /// [`find`](Self::find) with an asynchronous lookup.
    async fn find_async<L: AsyncUserLookup>(
        &self,
        lookup: &L,
    ) -> Result<Option<L::User>, AuthError> {
        lookup
            .find_user(&self.user_id, &self.backend)
            .await
            .map_err(AuthError::lookup)
    }
}

fn snapshot(session: &Session) -> Vec<u8> {
    let mut out = Vec::new();
    for key in [USER_ID_KEY, BACKEND_KEY, HASH_KEY] {
        match session.get(key) {
            Some(value) => python_json::write_value(&mut out, value),
            None => out.push(b'-'),
        }
        out.push(b'\n');
    }
    out
}

fn begin(session: &Session, config: &AuthConfig) -> Result<Begin, AuthError> {
    // Django's order: the id is converted first (and raises), then a
    // missing backend counts as not logged in.
    let Some(raw_id) = session.get(USER_ID_KEY) else {
        return Ok(Begin::Done(Anonymous::NotLoggedIn));
    };
    let stored = to_python(raw_id, config.user_id_kind)
        .map_err(|reason| AuthError::unreadable(config.user_id_kind, reason))?;
    let Some(backend) = session.get(BACKEND_KEY) else {
        return Ok(Begin::Done(Anonymous::NotLoggedIn));
    };
    let Some(backend) = backend
        .as_str()
        .filter(|b| config.backends.iter().any(|listed| listed == b))
    else {
        return Ok(Begin::Done(Anonymous::BackendNotAllowed));
    };
    let StoredId::Id(user_id) = stored else {
        return Ok(Begin::Done(Anonymous::UnknownUser));
    };
    Ok(Begin::Lookup(Pending {
        user_id,
        backend: backend.to_owned(),
        snapshot: snapshot(session),
    }))
}

/// The second half of `get_user`: the hash check, on the user found.
fn finish<U: UserRecord>(
    session: &mut Session,
    keys: &Keyring,
    pending: Pending,
    found: Option<U>,
) -> RequestUser<U> {
    let Some(user) = found else {
        return RequestUser::Anonymous(Anonymous::UnknownUser);
    };
    // Django: a falsy hash is never verified (and then flushed); a truthy
    // one that is not a string is compared as its str(), which is never a
    // hex digest.
    let stored = session.get(HASH_KEY).cloned();
    let verdict = match &stored {
        None => Err(LoggedOut::HashMissing),
        Some(value) if value.is_falsy() => Err(LoggedOut::HashMissing),
        Some(Value::String(text)) => verify_session_auth_hash(keys, user.password_hash(), text)
            .ok_or(LoggedOut::HashMismatch),
        Some(_) => Err(LoggedOut::HashMismatch),
    };
    match verdict {
        Ok(matched) => {
            if matches!(matched, HashMatch::Fallback { .. }) {
                session.cycle_key();
                session.insert(
                    HASH_KEY,
                    session_auth_hash(current_secret(keys), user.password_hash()),
                );
            }
            RequestUser::Authenticated(AuthenticatedUser {
                id: pending.user_id,
                backend: pending.backend,
                user,
                matched,
            })
        }
        Err(why) => {
            session.flush();
            RequestUser::Anonymous(Anonymous::LoggedOut(why))
        }
    }
}

/// Django's `get_user(request)` (what `request.user` runs): who the
/// session belongs to, verified.
///
/// - No `_auth_user_id` or `_auth_user_backend`: anonymous, session
///   unchanged.
/// - The backend is not in `config`'s backends: anonymous, unchanged.
/// - `lookup` finds no user (unknown or inactive): anonymous, unchanged.
/// - The stored hash is the session auth hash of the user's password hash
///   under the current secret: authenticated.
/// - Else under a fallback secret (tried in order, each in constant
///   time): authenticated; the session is re-signed (`cycle_key`) and
///   stores the hash made with the current secret.
/// - Else (or no hash): the session is flushed; anonymous, with a
///   [`LoggedOut`] reason.
///
/// # Errors
/// [`AuthErrorKind::UnreadableUserId`] when `_auth_user_id` cannot be read
/// as `config`'s kind of key, [`AuthErrorKind::Lookup`] when the lookup
/// fails. The session is then unchanged: an error never logs anyone in or
/// out.
pub fn authenticate_session<L: UserLookup>(
    session: &mut Session,
    keys: &Keyring,
    lookup: &L,
    config: &AuthConfig,
) -> Result<RequestUser<L::User>, AuthError> {
    match begin(session, config)? {
        Begin::Done(why) => Ok(RequestUser::Anonymous(why)),
        Begin::Lookup(pending) => {
            let found = pending.find(lookup)?;
            Ok(finish(session, keys, pending, found))
        }
    }
}

/// [`authenticate_session`] with an asynchronous lookup (Django's
/// `aget_user`).
///
/// # Errors
/// As [`authenticate_session`].
pub async fn authenticate_session_async<L: AsyncUserLookup>(
    session: &mut Session,
    keys: &Keyring,
    lookup: &L,
    config: &AuthConfig,
) -> Result<RequestUser<L::User>, AuthError> {
    match begin(session, config)? {
        Begin::Done(why) => Ok(RequestUser::Anonymous(why)),
        Begin::Lookup(pending) => {
            let found = pending.find_async(lookup).await?;
            Ok(finish(session, keys, pending, found))
        }
    }
}

/// The same operations on a request's [`SessionHandle`], for handlers.
///
/// Each locks the session only for its synchronous parts: the lookup runs
/// with the session unlocked, so no lock is held across an `.await` or a
/// database query.
///
/// [`SessionHandle`]: crate::http::SessionHandle
pub mod handle {
    use super::{
        AsyncUserLookup, AuthConfig, AuthError, AuthUser, Begin, Keyring, LoginOutcome, Pending,
        RequestUser, UserId, UserLookup, UserRecord, begin, finish, snapshot,
    };
    use crate::django::csrf::CsrfHandle;
    use crate::http::SessionHandle;

    /// [`super::logout`] on a handle: the session is flushed, and its
    /// cookie deleted with the response.
    pub fn logout(session: &SessionHandle) {
        session.flush();
    }

    /// [`super::update_session_auth_hash`] on a handle.
    pub fn update_session_auth_hash(
        session: &SessionHandle,
        request_user: Option<&UserId>,
        user: &AuthUser,
    ) -> bool {
        session.with_mut(|s| super::update_session_auth_hash(s, request_user, user))
    }

    /// [`super::authenticate_session`] on a handle.
    ///
    /// # Errors
    /// As [`super::authenticate_session`], and
    /// [`AuthErrorKind::SessionChanged`](super::AuthErrorKind::SessionChanged)
    /// when another holder of the handle changed the auth fields during
    /// the lookup.
    pub fn authenticate_session<L: UserLookup>(
        session: &SessionHandle,
        keys: &Keyring,
        lookup: &L,
        config: &AuthConfig,
    ) -> Result<RequestUser<L::User>, AuthError> {
        let pending = match session.with(|s| begin(s, config))? {
            Begin::Done(why) => return Ok(RequestUser::Anonymous(why)),
            Begin::Lookup(pending) => pending,
        };
        let found = pending.find(lookup)?;
        finish_unchanged(session, keys, pending, found)
    }

    /// [`super::authenticate_session_async`] on a handle. The future is
    /// `Send`.
    ///
    /// # Errors
    /// As [`authenticate_session`].
    pub async fn authenticate_session_async<L: AsyncUserLookup>(
        session: &SessionHandle,
        keys: &Keyring,
        lookup: &L,
        config: &AuthConfig,
    ) -> Result<RequestUser<L::User>, AuthError> {
        let pending = match session.with(|s| begin(s, config))? {
            Begin::Done(why) => return Ok(RequestUser::Anonymous(why)),
            Begin::Lookup(pending) => pending,
        };
        let found = pending.find_async(lookup).await?;
        finish_unchanged(session, keys, pending, found)
    }

    /// [`finish`] under the lock, unless another holder of the handle
    /// changed the auth fields while it was unlocked for the lookup.
    fn finish_unchanged<U: UserRecord>(
        session: &SessionHandle,
        keys: &Keyring,
        pending: Pending,
        found: Option<U>,
    ) -> Result<RequestUser<U>, AuthError> {
        session.with_mut(|s| {
            if snapshot(s) != pending.snapshot {
                return Err(AuthError::session_changed());
            }
            Ok(finish(s, keys, pending, found))
        })
    }

    /// Django's `login(request, user)`: [`super::login`] on a handle, in
    /// one locked step, then the CSRF token is rotated
    /// ([`CsrfHandle::rotate`], Django's `rotate_token`), so that a token
    /// an attacker planted before the login stops working.
    ///
    /// Pass the request's [`CsrfHandle`] (the extractor of the
    /// [`CsrfLayer`](crate::django::csrf::CsrfLayer)); `None`, for a
    /// service without the CSRF layer, only skips the rotation.
    ///
    /// # Panics
    /// When the operating system's random number generator fails while
    /// making the new CSRF secret (see [`CsrfHandle::rotate`]).
    ///
    /// ```
    /// use signed_session::django::auth::{self, AuthUser, MODEL_BACKEND};
    /// use signed_session::django::csrf::CsrfHandle;
    /// use signed_session::http::SessionHandle;
    ///
    /// // In a handler, after the password was checked.
    /// fn logged_in(session: &SessionHandle, csrf: &CsrfHandle, user: &AuthUser) {
    ///     auth::handle::login(session, Some(csrf), user);
    /// }
    /// ```
    pub fn login(
        session: &SessionHandle,
        csrf: Option<&CsrfHandle>,
        user: &AuthUser,
    ) -> LoginOutcome {
        let outcome = session.with_mut(|s| super::login(s, user));
        if let Some(csrf) = csrf {
            csrf.rotate();
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::sync::Arc;

    use super::*;
    use crate::http::{CookieConfig, SessionHandle, SessionMiddleware};
    use crate::session::SessionConfig;

    fn keys() -> Keyring {
        Keyring::new(Secret::new("current secret").unwrap())
            .with_fallback(Secret::new("old secret").unwrap())
            .with_fallback(Secret::new("older secret").unwrap())
    }

    /// A session as a request would load it: the data, not yet touched.
    fn loaded(pairs: &[(&str, Value)]) -> Session {
        let mut s = Session::new();
        for (k, v) in pairs {
            s.insert(*k, v.clone());
        }
        s.set_modified(false);
        s
    }

    fn logged_in(id: Value, backend: &str, hash: Value) -> Session {
        loaded(&[
            (USER_ID_KEY, id),
            (BACKEND_KEY, Value::from(backend)),
            (HASH_KEY, hash),
            ("other", Value::from(1)),
        ])
    }

    fn pw_hash(secret: &str, password: &str) -> String {
        session_auth_hash(&Secret::new(secret).unwrap(), password)
    }

    #[derive(Debug)]
    struct DbDown;
    impl fmt::Display for DbDown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the database is down")
        }
    }
    impl std::error::Error for DbDown {}

    /// User 7 with password hash "pw", user 8 inactive.
    fn db(id: &UserId, _backend: &str) -> Result<Option<String>, DbDown> {
        Ok((*id == UserId::Integer(7)).then(|| "pw".to_owned()))
    }

    #[test]
    fn session_auth_hash_matches_django() {
        // hmac.new(sha256(salt + secret).digest(), password, sha256).hexdigest()
        let vectors = [
            (
                "secret",
                "pbkdf2_sha256$1$salt$hash",
                "67b8a2db9a11f20a0a7107b74c79f0f7cf7c6da789d5741f6b65b93c65a418f6",
            ),
            (
                "cl\u{e9}-secr\u{e8}te-\u{1f511}",
                "pbkdf2_sha256$870000$abc$xyz=",
                "f25969995b647250fbd32bd7a704bb5fa85af9da7dfed95d29d68a6f243af740",
            ),
            (
                "k",
                "",
                "8d81ac7873030a743046c0e4c3690418136e46f7fd8d17281e5c2b4f4e241754",
            ),
        ];
        for (i, (secret, password, want)) in vectors.into_iter().enumerate() {
            assert_eq!(pw_hash(secret, password), want, "vector {i}");
        }
        let ring = keys();
        assert_eq!(
            session_auth_fallback_hashes(&ring, "pw"),
            [pw_hash("old secret", "pw"), pw_hash("older secret", "pw")]
        );
        let stored = pw_hash("older secret", "pw");
        assert_eq!(
            verify_session_auth_hash(&ring, "pw", &stored),
            Some(HashMatch::Fallback { key_index: 2 })
        );
        assert_eq!(
            verify_session_auth_hash(&ring, "pw", &pw_hash("current secret", "pw")),
            Some(HashMatch::Current)
        );
        assert_eq!(verify_session_auth_hash(&ring, "pw", ""), None);
        assert_eq!(verify_session_auth_hash(&ring, "pw", &stored[1..]), None);
    }

    #[test]
    fn integer_ids_are_read_as_python_int_reads_them() {
        let int = |v: i64| Ok(StoredId::Id(UserId::Integer(v)));
        let cases: Vec<(Value, Result<StoredId, ()>)> = vec![
            (Value::from("5"), int(5)),
            (Value::from("05"), int(5)),
            (Value::from(" +5\n"), int(5)),
            (Value::from("\u{a0}-5\u{3000}"), int(-5)),
            (Value::from("-0"), int(0)),
            (Value::from("0_0_7"), int(7)),
            (Value::from("9223372036854775807"), int(i64::MAX)),
            (Value::from("-9223372036854775808"), int(i64::MIN)),
            (Value::from("9223372036854775808"), Ok(StoredId::NoSuchId)),
            (Value::from(5), int(5)),
            (Value::from(5.9), int(5)),
            (Value::from(-5.9), int(-5)),
            (Value::from(1e300), Ok(StoredId::NoSuchId)),
            (Value::from(true), int(1)),
            (Value::Null, Ok(StoredId::None)),
            (Value::from("1".repeat(4300)), Ok(StoredId::NoSuchId)),
            (Value::from("1".repeat(4301)), Err(())),
            (Value::from(""), Err(())),
            (Value::from("abc"), Err(())),
            (Value::from("5.0"), Err(())),
            (Value::from("0x10"), Err(())),
            (Value::from("5__0"), Err(())),
            (Value::from("_5"), Err(())),
            (Value::from("5_"), Err(())),
            (Value::from("\u{1c}5"), Err(())),
            (Value::from("\u{663}"), Err(())), // Arabic-Indic 3: Python reads it; refused here
            (Value::from(f64::NAN), Err(())),
            (Value::from(f64::INFINITY), Err(())),
            (Value::Array(vec![]), Err(())),
        ];
        for (i, (value, want)) in cases.into_iter().enumerate() {
            let got = to_python(&value, UserIdKind::Integer).map_err(|_| ());
            assert_eq!(got, want, "case {i}: {value:?}");
        }
    }

    #[test]
    fn text_and_uuid_ids() {
        let text = |v: &Value| to_python(v, UserIdKind::Text).map_err(|_| ());
        let t = |s: &str| Ok(StoredId::Id(UserId::Text(s.to_owned())));
        assert_eq!(text(&Value::from("05")), t("05"));
        assert_eq!(text(&Value::from(5)), t("5"));
        assert_eq!(text(&Value::from(5.0)), t("5.0"));
        assert_eq!(text(&Value::from(1e16)), t("1e+16"));
        assert_eq!(text(&Value::from(f64::NEG_INFINITY)), t("-inf"));
        assert_eq!(text(&Value::from(f64::NAN)), t("nan"));
        assert_eq!(text(&Value::from(false)), t("False"));
        assert_eq!(text(&Value::Null), Ok(StoredId::None));
        assert_eq!(text(&Value::Array(vec![])), Err(()));

        let uuid = |v: &Value| to_python(v, UserIdKind::Uuid).map_err(|_| ());
        let u = |n: u128| Ok(StoredId::Id(UserId::Uuid(n)));
        let n = 0x1234_5678_9abc_def0_1234_5678_9abc_def0_u128;
        for text in [
            "12345678-9abc-def0-1234-56789abcdef0",
            "123456789ABCDEF0123456789ABCDEF0",
            "{12345678-9abc-def0-1234-56789abcdef0}",
            "urn:uuid:12345678-9abc-def0-1234-56789abcdef0",
        ] {
            assert_eq!(uuid(&Value::from(text)), u(n), "{text}");
        }
        // int(_, 16)'s leniency within the 32 characters, as Python.
        assert_eq!(
            uuid(&Value::from(format!("+{}", "a".repeat(31)))),
            u(0x0aaa_aaaa_aaaa_aaaa_aaaa_aaaa_aaaa_aaaa)
        );
        assert_eq!(
            uuid(&Value::from(format!("0x{}", "0".repeat(29) + "1"))),
            u(1)
        );
        assert_eq!(uuid(&Value::from("g".repeat(32))), Err(()));
        assert_eq!(uuid(&Value::from("a".repeat(31))), Err(()));
        assert_eq!(uuid(&Value::from(7)), u(7));
        assert_eq!(uuid(&Value::from(true)), u(1));
        assert_eq!(uuid(&Value::from(-1)), Err(()));
        assert_eq!(uuid(&Value::from(1.0)), Err(()));
        assert_eq!(
            UserId::Uuid(n).to_string(),
            "12345678-9abc-def0-1234-56789abcdef0"
        );
        assert_eq!(
            UserId::Uuid(1).to_string(),
            "00000000-0000-0000-0000-000000000001"
        );
    }

    #[test]
    fn login_flushes_cycles_or_keeps_as_django() {
        let ring = keys();
        let alice = AuthUser::new(7, MODEL_BACKEND, &ring, "pw");
        let hash = Value::from(alice.session_hash());

        let mut s = loaded(&[("cart", Value::from(1))]);
        assert_eq!(login(&mut s, &alice), LoginOutcome::Cycled);
        assert!(s.contains_key("cart") && s.modified());
        assert_eq!(s.get(USER_ID_KEY), Some(&Value::from("7")));
        assert_eq!(s.get(BACKEND_KEY), Some(&Value::from(MODEL_BACKEND)));
        assert_eq!(s.get(HASH_KEY), Some(&hash));

        for (id, want) in [
            (Value::from("7"), LoginOutcome::Kept),
            (Value::from(" 07"), LoginOutcome::Kept),
            (Value::from(7.5), LoginOutcome::Kept),
            (
                Value::from("8"),
                LoginOutcome::Flushed(LoginFlush::OtherUser),
            ),
            (Value::Null, LoginOutcome::Flushed(LoginFlush::OtherUser)),
            (
                Value::from("seven"),
                LoginOutcome::Flushed(LoginFlush::UnreadableUserId),
            ),
        ] {
            let mut s = logged_in(id.clone(), "any.Backend", hash.clone());
            assert_eq!(login(&mut s, &alice), want, "{id:?}");
            assert_eq!(
                s.contains_key("other"),
                want == LoginOutcome::Kept,
                "{id:?}"
            );
            assert_eq!(s.get(USER_ID_KEY), Some(&Value::from("7")));
        }
        for stored in [Value::from("stale"), Value::Null, Value::from(0)] {
            let mut s = logged_in(Value::from("7"), MODEL_BACKEND, stored);
            assert_eq!(
                login(&mut s, &alice),
                LoginOutcome::Flushed(LoginFlush::HashChanged)
            );
        }
        // Without a hash of its own, Django compares only the ids.
        let hashless = AuthUser::from_session_hash(7, MODEL_BACKEND, "");
        let mut s = logged_in(Value::from("7"), MODEL_BACKEND, Value::from("stale"));
        assert_eq!(login(&mut s, &hashless), LoginOutcome::Kept);
        assert_eq!(s.get(HASH_KEY), Some(&Value::from("")));
        let mut s = loaded(&[(USER_ID_KEY, Value::from("7"))]);
        assert_eq!(login(&mut s, &hashless), LoginOutcome::Kept);
    }

    #[test]
    fn logout_and_update_session_auth_hash() {
        let ring = keys();
        let mut s = logged_in(Value::from("7"), MODEL_BACKEND, Value::from("h"));
        logout(&mut s);
        assert!(s.is_blank());

        let changed = AuthUser::new(7, MODEL_BACKEND, &ring, "new pw");
        let mut s = logged_in(Value::from("7"), MODEL_BACKEND, Value::from("h"));
        assert!(!update_session_auth_hash(&mut s, None, &changed));
        assert!(s.modified());
        assert_eq!(s.get(HASH_KEY), Some(&Value::from("h")));
        assert!(!update_session_auth_hash(
            &mut s,
            Some(&UserId::Integer(8)),
            &changed
        ));
        assert!(update_session_auth_hash(
            &mut s,
            Some(&UserId::Integer(7)),
            &changed
        ));
        assert_eq!(s.get(HASH_KEY), Some(&Value::from(changed.session_hash())));
    }

    #[test]
    fn authenticate_session_every_outcome() {
        let ring = keys();
        let config = AuthConfig::new();
        let current = Value::from(pw_hash("current secret", "pw"));
        let run = |s: &mut Session| authenticate_session(s, &ring, &db, &config).unwrap();

        // Anonymous, the session unchanged.
        let unchanged: Vec<(Session, Anonymous)> = vec![
            (loaded(&[("other", Value::from(1))]), Anonymous::NotLoggedIn),
            (
                loaded(&[(USER_ID_KEY, Value::from("7")), (HASH_KEY, current.clone())]),
                Anonymous::NotLoggedIn,
            ),
            (
                logged_in(Value::from("7"), "other.Backend", current.clone()),
                Anonymous::BackendNotAllowed,
            ),
            (
                loaded(&[
                    (USER_ID_KEY, Value::from("7")),
                    (BACKEND_KEY, Value::from(1)),
                ]),
                Anonymous::BackendNotAllowed,
            ),
            (
                logged_in(Value::from("8"), MODEL_BACKEND, current.clone()),
                Anonymous::UnknownUser,
            ),
            (
                logged_in(Value::Null, MODEL_BACKEND, current.clone()),
                Anonymous::UnknownUser,
            ),
            (
                logged_in(Value::from("1".repeat(30)), MODEL_BACKEND, current.clone()),
                Anonymous::UnknownUser,
            ),
        ];
        for (i, (mut s, want)) in unchanged.into_iter().enumerate() {
            let before = s.as_map().clone();
            let who = run(&mut s);
            assert_eq!(who.anonymous(), Some(want), "case {i}");
            assert_eq!(s.as_map(), &before, "case {i}");
            assert!(!s.modified(), "case {i}");
        }

        // Verified with the current secret: unchanged.
        let mut s = logged_in(Value::from("07"), MODEL_BACKEND, current.clone());
        let who = run(&mut s);
        let user = who.user().unwrap();
        assert_eq!(
            (
                user.id(),
                user.backend(),
                user.user().as_str(),
                user.matched()
            ),
            (&UserId::Integer(7), MODEL_BACKEND, "pw", HashMatch::Current)
        );
        assert!(!s.modified() && !user.key_cycled());

        // Verified with a fallback: cycled, and the current hash stored.
        let mut s = logged_in(
            Value::from("7"),
            MODEL_BACKEND,
            Value::from(pw_hash("older secret", "pw")),
        );
        let who = run(&mut s);
        assert_eq!(
            who.user().map(AuthenticatedUser::matched),
            Some(HashMatch::Fallback { key_index: 2 })
        );
        assert!(s.modified() && s.contains_key("other"));
        assert_eq!(s.get(HASH_KEY), Some(&current));

        // Flushed.
        for (hash, why) in [
            (
                Some(Value::from(pw_hash("current secret", "old pw"))),
                LoggedOut::HashMismatch,
            ),
            (
                Some(Value::from(pw_hash("unknown secret", "pw"))),
                LoggedOut::HashMismatch,
            ),
            (Some(Value::from(12345)), LoggedOut::HashMismatch),
            (Some(Value::from("")), LoggedOut::HashMissing),
            (Some(Value::Null), LoggedOut::HashMissing),
            (Some(Value::from(0)), LoggedOut::HashMissing),
            (None, LoggedOut::HashMissing),
        ] {
            let mut s = logged_in(Value::from("7"), MODEL_BACKEND, Value::Null);
            match &hash {
                Some(h) => {
                    s.insert(HASH_KEY, h.clone());
                }
                None => {
                    s.remove(HASH_KEY);
                }
            }
            let who = run(&mut s);
            assert_eq!(who.anonymous(), Some(Anonymous::LoggedOut(why)), "{hash:?}");
            assert!(who.anonymous().is_some_and(Anonymous::session_flushed));
            assert!(s.is_blank(), "{hash:?}");
        }
    }

    #[test]
    fn errors_change_nothing() {
        let ring = keys();
        let config = AuthConfig::new();
        let current = Value::from(pw_hash("current secret", "pw"));

        // An unreadable id raises in Django; here a typed error, before
        // the backend is even looked at.
        let mut s = loaded(&[(USER_ID_KEY, Value::from("seven"))]);
        let err = authenticate_session(&mut s, &ring, &db, &config).unwrap_err();
        assert_eq!(err.kind(), AuthErrorKind::UnreadableUserId);
        assert!(err.to_string().contains("_auth_user_id"), "{err}");
        assert!(!err.to_string().contains("seven"), "{err}");
        assert!(!s.modified());

        let down = |_: &UserId, _: &str| Err::<Option<String>, _>(DbDown);
        let mut s = logged_in(Value::from("7"), MODEL_BACKEND, current);
        let before = s.as_map().clone();
        let err = authenticate_session(&mut s, &ring, &down, &config).unwrap_err();
        assert_eq!(err.kind(), AuthErrorKind::Lookup);
        assert_eq!(
            std::error::Error::source(&err).map(ToString::to_string),
            Some("the database is down".to_owned())
        );
        assert_eq!(s.as_map(), &before);
        assert!(!s.modified());
    }

    #[test]
    fn the_lookup_is_asked_only_when_django_asks_the_backend() {
        let ring = keys();
        let asked = Cell::new(0);
        let counting = |id: &UserId, backend: &str| {
            asked.set(asked.get() + 1);
            assert_eq!(backend, "b.Two");
            db(id, backend)
        };
        let config = AuthConfig::new().with_backends(["b.One", "b.Two"]);
        let hash = Value::from(pw_hash("current secret", "pw"));
        for (id, backend) in [
            (Value::Null, "b.Two"),
            (Value::from("7"), "b.Three"),
            (Value::from("99999999999999999999"), "b.Two"),
        ] {
            let mut s = logged_in(id, backend, hash.clone());
            authenticate_session(&mut s, &ring, &counting, &config).unwrap();
        }
        assert_eq!(asked.get(), 0);
        let mut s = logged_in(Value::from("7"), "b.Two", hash);
        assert!(
            authenticate_session(&mut s, &ring, &counting, &config)
                .unwrap()
                .is_authenticated()
        );
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn other_kinds_of_key() {
        let ring = keys();
        let hash = Value::from(pw_hash("current secret", "pw"));
        let lookup = |id: &UserId, _: &str| {
            Ok::<_, DbDown>(matches!(id, UserId::Text(t) if t == "alice").then(|| "pw".to_owned()))
        };
        let config = AuthConfig::new().with_user_id_kind(UserIdKind::Text);
        let mut s = logged_in(Value::from("alice"), MODEL_BACKEND, hash.clone());
        let who = authenticate_session(&mut s, &ring, &lookup, &config).unwrap();
        assert_eq!(who.id(), Some(&UserId::from("alice")));
        let mut s = logged_in(Value::from(" alice"), MODEL_BACKEND, hash);
        let who = authenticate_session(&mut s, &ring, &lookup, &config).unwrap();
        assert_eq!(who.anonymous(), Some(Anonymous::UnknownUser));

        let bob = AuthUser::new(UserId::Uuid(1), MODEL_BACKEND, &ring, "pw");
        let mut s = logged_in(
            Value::from("00000000000000000000000000000001"),
            MODEL_BACKEND,
            Value::from(bob.session_hash()),
        );
        assert_eq!(login(&mut s, &bob), LoginOutcome::Kept);
        assert_eq!(
            s.get(USER_ID_KEY),
            Some(&Value::from("00000000-0000-0000-0000-000000000001"))
        );
    }

    #[test]
    fn debug_shows_no_hash() {
        let ring = keys();
        let user = AuthUser::new(7, MODEL_BACKEND, &ring, "pw");
        let s = logged_in(
            Value::from("7"),
            MODEL_BACKEND,
            Value::from(user.session_hash()),
        );
        let fields = AuthFields::read(&s).unwrap();
        for text in [format!("{user:?}"), format!("{fields:?}")] {
            assert!(!text.contains(user.session_hash()), "{text}");
            assert!(text.contains("redacted"), "{text}");
        }
        assert_eq!(fields.hash(), Some(user.session_hash()));
        assert_eq!(fields.backend(), Some(MODEL_BACKEND));
        assert_eq!(
            fields.user_id(UserIdKind::Integer).unwrap(),
            Some(UserId::Integer(7))
        );
    }

    fn handle(session: Session) -> SessionHandle {
        let middleware =
            SessionMiddleware::new(&keys(), SessionConfig::new(), CookieConfig::new()).unwrap();
        SessionHandle::new(session, Arc::new(middleware))
    }

    struct AsyncDb;
    impl AsyncUserLookup for AsyncDb {
        type User = String;
        type Error = DbDown;
        async fn find_user(&self, id: &UserId, backend: &str) -> Result<Option<String>, DbDown> {
            tokio::task::yield_now().await;
            db(id, backend)
        }
    }

    #[tokio::test]
    async fn handles_and_async_lookups() {
        fn send<T: Send>(t: T) -> T {
            t
        }
        let ring = keys();
        let config = AuthConfig::new();
        let alice = AuthUser::new(7, MODEL_BACKEND, &ring, "pw");

        let h = handle(Session::new());
        assert_eq!(handle::login(&h, None, &alice), LoginOutcome::Cycled);
        let who = send(handle::authenticate_session_async(
            &h, &ring, &AsyncDb, &config,
        ))
        .await
        .unwrap();
        assert_eq!(who.id(), Some(&UserId::Integer(7)));
        let who = handle::authenticate_session(&h, &ring, &db, &config).unwrap();
        assert!(who.is_authenticated());
        let mut s = h.with(Clone::clone);
        let who = send(authenticate_session_async(&mut s, &ring, &AsyncDb, &config))
            .await
            .unwrap();
        assert!(who.is_authenticated());

        // Another holder changes the login during the lookup: nothing is
        // changed, and the caller is told.
        let meddling = |id: &UserId, backend: &str| {
            h.insert(HASH_KEY, "changed meanwhile");
            db(id, backend)
        };
        let err = handle::authenticate_session(&h, &ring, &meddling, &config).unwrap_err();
        assert_eq!(err.kind(), AuthErrorKind::SessionChanged);
        assert_eq!(h.get(HASH_KEY), Some(Value::from("changed meanwhile")));

        let changed = AuthUser::new(7, MODEL_BACKEND, &ring, "new pw");
        assert!(handle::update_session_auth_hash(
            &h,
            Some(&UserId::Integer(7)),
            &changed
        ));
        handle::logout(&h);
        assert!(h.with(Session::is_blank));
    }
}
