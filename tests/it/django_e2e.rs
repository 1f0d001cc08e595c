//! End to end, over real HTTP: the Django test site (`tests/django_site/`,
//! Django's own `runserver`) and the Rust sidecar (`examples/django_sidecar.rs`)
//! side by side on loopback, one browser-like cookie jar shared between
//! them, as one host name would share it. The sidecar reads its settings
//! through `DjangoSettings::from_lookup` from the very values the Django
//! site reads from its environment, and users' password hashes from the
//! site's SQLite database.
//!
//! Each test is a scenario of the issue: a login on either side seen on
//! the other, logout on either side, a password change, a secret rotation,
//! CSRF tokens crossing both ways, and bad tokens refused by both with
//! Django's reason.
#![cfg(feature = "django-auth")]

use std::net::SocketAddr;

use http::StatusCode;
use serde_json::Value as Json;
use signed_session::django::settings::DjangoSettings;

use crate::django_site::{ALICE, BOB, DjangoSite};
use crate::http_client::serve;
use crate::jar_client::{Jar, Reply, form_token, json_body};
use crate::oracle::report;

#[allow(dead_code)]
#[path = "../../examples/django_sidecar.rs"]
mod sidecar;

/// The sidecar for `site`: its settings read from the site's own values.
async fn sidecar_for(site: &DjangoSite) -> SocketAddr {
    let values: Vec<(String, String)> = site.settings().to_vec();
    let lookup = move |name: &str| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let settings = DjangoSettings::from_lookup(&lookup).unwrap();
    serve(sidecar::app(&settings, site.db_path()).unwrap()).await
}

/// A Django site with `settings`, its sidecar, and an empty jar. `None`
/// when Django is missing and not required (the harness said why).
async fn start(settings: &[(&str, &str)]) -> Option<(DjangoSite, SocketAddr, Jar)> {
    let site = DjangoSite::start(settings)?;
    let rust = sidecar_for(&site).await;
    Some((site, rust, Jar::new()))
}

/// `{"user": ..., "id": ...}` from `/whoami` on `addr`.
async fn whoami(jar: &mut Jar, addr: SocketAddr) -> (Option<String>, Option<String>) {
    let reply = jar.get(addr, "/whoami", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = json_body(&reply);
    let text = |v: &Json| v.as_str().map(str::to_owned);
    (text(&body["user"]), text(&body["id"]))
}

/// Logs in through the login form of `addr` (either side): the form's
/// token, then the POST. Returns the POST's reply.
async fn login(jar: &mut Jar, addr: SocketAddr, (user, password): (&str, &str)) -> Reply {
    let form = jar.get(addr, "/login-form", &[]).await;
    let token = form_token(&form.body).expect("the form has csrfmiddlewaretoken");
    jar.post_form(
        addr,
        "/login",
        &[
            ("username", user),
            ("password", password),
            ("csrfmiddlewaretoken", &token),
        ],
        &[],
    )
    .await
}

/// A masked token from `/csrf-token` on `addr`.
async fn token(jar: &mut Jar, addr: SocketAddr) -> String {
    let reply = jar.get(addr, "/csrf-token", &[]).await;
    json_body(&reply)["token"].as_str().unwrap().to_owned()
}

/// POST `path` on `addr` with a fresh token of `from` in `X-CSRFToken`.
async fn post_with_token(jar: &mut Jar, addr: SocketAddr, from: SocketAddr, path: &str) -> Reply {
    let token = token(jar, from).await;
    jar.post_form(addr, path, &[], &[("X-CSRFToken", &token)])
        .await
}

#[tokio::test]
async fn a_login_on_django_is_seen_by_rust() {
    let Some((site, rust, mut jar)) = start(&[]).await else {
        return;
    };
    let reply = login(&mut jar, site.addr(), ALICE).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let alice = Some(site.user_id("alice").to_owned());
    assert_eq!(
        whoami(&mut jar, rust).await,
        (Some("alice".into()), alice.clone())
    );
    assert_eq!(
        whoami(&mut jar, site.addr()).await,
        (Some("alice".into()), alice)
    );
    // A wrong password logs nobody in, on either side.
    let mut other = Jar::new();
    let reply = login(&mut other, site.addr(), ("alice", "wrong")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = login(&mut other, rust, ("alice", "wrong")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&mut other, rust).await, (None, None));
}

#[tokio::test]
async fn a_login_through_rust_is_seen_by_django() {
    let Some((site, rust, mut jar)) = start(&[]).await else {
        return;
    };
    let reply = login(&mut jar, rust, BOB).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let bob = Some(site.user_id("bob").to_owned());
    assert_eq!(
        whoami(&mut jar, site.addr()).await,
        (Some("bob".into()), bob.clone())
    );
    // The fields Django's login writes, written by Rust.
    let session = json_body(&jar.get(site.addr(), "/session", &[]).await);
    let fields = &session["session"];
    assert_eq!(fields["_auth_user_id"].as_str(), bob.as_deref());
    assert_eq!(
        fields["_auth_user_backend"].as_str(),
        Some("django.contrib.auth.backends.ModelBackend")
    );
    assert_eq!(fields["_auth_user_hash"].as_str().map(str::len), Some(64));
    // Logging in again as another user through Rust replaces the login.
    let reply = login(&mut jar, rust, ALICE).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        whoami(&mut jar, site.addr()).await.0.as_deref(),
        Some("alice")
    );
}

#[tokio::test]
async fn logging_out_on_either_side_logs_out_on_both() {
    let Some((site, rust, mut jar)) = start(&[]).await else {
        return;
    };
    // Logged in on Django, out through Rust.
    login(&mut jar, site.addr(), ALICE).await;
    assert!(whoami(&mut jar, rust).await.0.is_some());
    let reply = post_with_token(&mut jar, rust, rust, "/logout").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(jar.cookie("sessionid").is_none(), "the cookie is deleted");
    assert_eq!(whoami(&mut jar, site.addr()).await, (None, None));
    assert_eq!(whoami(&mut jar, rust).await, (None, None));

    // Logged in through Rust, out on Django.
    login(&mut jar, rust, BOB).await;
    assert!(whoami(&mut jar, site.addr()).await.0.is_some());
    let reply = post_with_token(&mut jar, site.addr(), site.addr(), "/logout").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(jar.cookie("sessionid").is_none());
    assert_eq!(whoami(&mut jar, rust).await, (None, None));
    assert_eq!(whoami(&mut jar, site.addr()).await, (None, None));
}

#[tokio::test]
async fn a_password_change_on_django_logs_the_user_out_of_rust() {
    let Some((site, rust, mut jar)) = start(&[]).await else {
        return;
    };
    // Through the site's own view: update_session_auth_hash keeps this
    // browser logged in, on both sides.
    login(&mut jar, site.addr(), BOB).await;
    let token = token(&mut jar, site.addr()).await;
    let reply = jar
        .post_form(
            site.addr(),
            "/change-password",
            &[
                ("new_password", "bob-new-password-3"),
                ("csrfmiddlewaretoken", &token),
            ],
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(whoami(&mut jar, rust).await.0.as_deref(), Some("bob"));

    // Behind the site's back (another browser, an admin): every session
    // made with the old password is logged out, by Rust as by Django.
    let mut django_jar = Jar::new();
    login(&mut jar, site.addr(), ALICE).await;
    login(&mut django_jar, site.addr(), ALICE).await;
    assert_eq!(whoami(&mut jar, rust).await.0.as_deref(), Some("alice"));
    site.set_password("alice", "alice-new-password-4");
    assert_eq!(whoami(&mut jar, rust).await, (None, None));
    assert!(
        jar.cookie("sessionid").is_none(),
        "Rust flushed the session"
    );
    assert_eq!(whoami(&mut django_jar, site.addr()).await, (None, None));
    // The new password works through Rust.
    let reply = login(&mut jar, rust, ("alice", "alice-new-password-4")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        whoami(&mut jar, site.addr()).await.0.as_deref(),
        Some("alice")
    );
}

/// A session signed (and its auth hash made) before `SECRET_KEY` moved to
/// `SECRET_KEY_FALLBACKS` is accepted on both sides and upgraded: once the
/// old key is gone for good, the upgraded session still works.
#[tokio::test]
async fn a_session_from_before_a_secret_rotation_is_upgraded() {
    const OLD: &str = "e2e-old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz";
    const NEW: &str = "e2e-new-secret-key-9876543210-zyxwvutsrqponmlkjihgfedcba";
    let Some((site, _, mut rust_jar)) = start(&[("SECRET_KEY", OLD)]).await else {
        return;
    };
    let mut django_jar = Jar::new();
    login(&mut rust_jar, site.addr(), ALICE).await;
    login(&mut django_jar, site.addr(), BOB).await;

    let rotated = format!("[\"{OLD}\"]");
    let site = site.restart(&[("SECRET_KEY", NEW), ("SECRET_KEY_FALLBACKS", &rotated)]);
    let rust = sidecar_for(&site).await;
    let before = rust_jar.cookie("sessionid").unwrap().to_owned();
    // Rust upgrades one session, Django the other.
    assert_eq!(
        whoami(&mut rust_jar, rust).await.0.as_deref(),
        Some("alice")
    );
    assert_ne!(rust_jar.cookie("sessionid").unwrap(), before, "re-signed");
    assert_eq!(
        whoami(&mut django_jar, site.addr()).await.0.as_deref(),
        Some("bob")
    );

    // The old key retired: both upgraded sessions hold on both sides.
    let site = site.restart(&[("SECRET_KEY", NEW)]);
    let rust = sidecar_for(&site).await;
    for (jar, who) in [(&mut rust_jar, "alice"), (&mut django_jar, "bob")] {
        assert_eq!(whoami(jar, rust).await.0.as_deref(), Some(who));
        assert_eq!(whoami(jar, site.addr()).await.0.as_deref(), Some(who));
    }
}

/// A token from a Django form is accepted by the Rust layer, and one from
/// the Rust extractor by Django: with the secret in the CSRF cookie, and
/// with `CSRF_USE_SESSIONS` (the secret inside the shared session).
#[tokio::test]
async fn csrf_tokens_cross_both_ways() {
    for settings in [&[][..], &[("CSRF_USE_SESSIONS", "True")][..]] {
        let Some((site, rust, mut jar)) = start(settings).await else {
            return;
        };
        let label = format!("{settings:?}");
        // Django's form token, posted to Rust (the form field).
        let form = jar.get(site.addr(), "/login-form", &[]).await;
        let django_token = form_token(&form.body).unwrap();
        let reply = jar
            .post_form(
                rust,
                "/protected",
                &[("csrfmiddlewaretoken", &django_token)],
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{label}: {}", reply.body);
        // Rust's token, posted to Django (the header).
        let reply = post_with_token(&mut jar, site.addr(), rust, "/protected").await;
        assert_eq!(reply.status, StatusCode::OK, "{label}: {}", reply.body);
        // And Rust's form token, posted to Django as a form field.
        let form = jar.get(rust, "/login-form", &[]).await;
        let rust_token = form_token(&form.body).unwrap();
        let reply = jar
            .post_form(
                site.addr(),
                "/protected",
                &[("csrfmiddlewaretoken", &rust_token)],
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{label}: {}", reply.body);
        if settings.is_empty() {
            assert!(jar.cookie("csrftoken").is_some());
        } else {
            assert!(jar.cookie("csrftoken").is_none(), "{label}: no CSRF cookie");
        }
    }
}

/// Form fields or headers of a request.
type Pairs = Vec<(&'static str, String)>;

/// The same bad request to both: both refuse it with 403 and Django's
/// reason, word for word.
#[tokio::test]
async fn bad_tokens_are_refused_by_both_with_the_same_reason() {
    let Some((site, rust, _)) = start(&[]).await else {
        return;
    };
    // A jar with a CSRF cookie (from Django) and a good token.
    let mut with_cookie = Jar::new();
    let good = token(&mut with_cookie, site.addr()).await;
    let wrong = {
        // Same alphabet and length, another secret's token.
        let mut other = Jar::new();
        token(&mut other, rust).await
    };
    let evil = "http://evil.example".to_owned();
    let cases: Vec<(&str, Jar, Pairs, Pairs)> = vec![
        (
            "no cookie",
            Jar::new(),
            vec![("csrfmiddlewaretoken", good.clone())],
            vec![],
        ),
        ("no token", with_cookie.clone(), vec![], vec![]),
        (
            "a wrong token in the form",
            with_cookie.clone(),
            vec![("csrfmiddlewaretoken", wrong.clone())],
            vec![],
        ),
        (
            "a wrong token in the header",
            with_cookie.clone(),
            vec![],
            vec![("X-CSRFToken", wrong.clone())],
        ),
        (
            "a token of the wrong length",
            with_cookie.clone(),
            vec![("csrfmiddlewaretoken", good[..40].to_owned())],
            vec![],
        ),
        (
            "a token with other characters",
            with_cookie.clone(),
            vec![],
            vec![("X-CSRFToken", format!("{}!", &good[..63]))],
        ),
        (
            "a cross-origin request with a good token",
            with_cookie.clone(),
            vec![("csrfmiddlewaretoken", good.clone())],
            vec![("Origin", evil.clone())],
        ),
    ];
    let mut compared = 0;
    for (what, jar, form, headers) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let django = jar
            .clone()
            .post_form(site.addr(), "/protected", &form, &headers)
            .await;
        let ours = jar
            .clone()
            .post_form(rust, "/protected", &form, &headers)
            .await;
        assert_eq!(
            django.status,
            StatusCode::FORBIDDEN,
            "{what}: Django {}",
            django.body
        );
        assert_eq!(
            ours.status,
            StatusCode::FORBIDDEN,
            "{what}: Rust {}",
            ours.body
        );
        let reason = django.header("x-csrf-reason").unwrap();
        assert!(
            ours.body.contains(&reason),
            "{what}: Django says {reason:?}, Rust says {:?}",
            ours.body
        );
        compared += 1;
    }
    // The good token itself passes both.
    let django = with_cookie
        .clone()
        .post_form(
            site.addr(),
            "/protected",
            &[("csrfmiddlewaretoken", &good)],
            &[],
        )
        .await;
    let ours = with_cookie
        .clone()
        .post_form(rust, "/protected", &[("csrfmiddlewaretoken", &good)], &[])
        .await;
    assert_eq!(
        (django.status, ours.status),
        (StatusCode::OK, StatusCode::OK)
    );
    report(&format!(
        "django_e2e: {compared} refused requests, same reason from Django {} and Rust",
        site.django_version()
    ));
}
