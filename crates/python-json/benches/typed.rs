//! A Rust type to JSON text and back: directly (`to_vec_of`,
//! `from_slice_of`), through a `Value` (`to_vec(&to_value(x))`,
//! `from_value(from_slice(..))`), and with `serde_json` for reference.
//!
//! Three payloads modelled on the workspace's session benches: a small
//! login session (`login`, ~200 B), a 34-field profile session (`profile`,
//! ~1.5 KB) and a cart of 19 alike items (`cart`, ~2.8 KB).
//!
//! Groups: `encode/<payload>` and `decode/<payload>`, each with
//! `serde_json`, `via_value` and `direct`. All three decoders read the same
//! text (this crate's output, which `serde_json` reads too).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// criterion_group! makes an undocumented function.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use python_json::{from_slice, from_slice_of, from_value, to_value, to_vec, to_vec_of};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Login {
    #[serde(rename = "_auth_user_id")]
    auth_user_id: String,
    #[serde(rename = "_auth_user_backend")]
    auth_user_backend: String,
    #[serde(rename = "_auth_user_hash")]
    auth_user_hash: String,
    cart: Vec<u32>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Shipping {
    method: String,
    postcode: String,
    country: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Wizard {
    name: String,
    email: String,
    phone: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Filters {
    status: Vec<String>,
    min_total: u32,
    max_total: Option<u32>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Consent {
    analytics: bool,
    ads: bool,
    version: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Profile {
    #[serde(rename = "_auth_user_id")]
    auth_user_id: String,
    #[serde(rename = "_auth_user_backend")]
    auth_user_backend: String,
    #[serde(rename = "_auth_user_hash")]
    auth_user_hash: String,
    #[serde(rename = "_session_expiry")]
    session_expiry: u32,
    django_language: String,
    django_timezone: String,
    theme: String,
    font_scale: f64,
    beta_features: bool,
    newsletter: bool,
    last_seen: u64,
    csrf_rotations: u32,
    referrer: String,
    search_history: Vec<String>,
    recently_viewed: Vec<u32>,
    cart: Vec<(u32, u32)>,
    cart_total: String,
    currency: String,
    coupon: Option<String>,
    shipping: Shipping,
    wizard_step: u8,
    wizard_data: Wizard,
    flash: Vec<String>,
    ab_tests: BTreeMap<String, String>,
    permissions_cache: Vec<String>,
    oauth_state: String,
    login_method: String,
    mfa_verified_at: u64,
    page_size: u32,
    sort: String,
    filters: Filters,
    notifications_seen: Vec<u32>,
    tz_offset_minutes: i32,
    consent: Consent,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Item {
    sku: String,
    name: String,
    size: String,
    colour: String,
    qty: u32,
    price: String,
    currency: String,
    gift: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Cart {
    #[serde(rename = "_auth_user_id")]
    auth_user_id: String,
    #[serde(rename = "_auth_user_backend")]
    auth_user_backend: String,
    #[serde(rename = "_auth_user_hash")]
    auth_user_hash: String,
    cart_items: Vec<Item>,
    flags: Vec<String>,
}

const BACKEND: &str = "django.contrib.auth.backends.ModelBackend";

fn s(text: &str) -> String {
    text.to_owned()
}

fn login() -> Login {
    Login {
        auth_user_id: s("42"),
        auth_user_backend: s(BACKEND),
        auth_user_hash: s("f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a"),
        cart: vec![1, 2, 3],
    }
}

fn profile() -> Profile {
    Profile {
        auth_user_id: s("1093"),
        auth_user_backend: s(BACKEND),
        auth_user_hash: s("3946ca64ff78d93ca61090a437cbb6b3d2ca0d488f5f9ccf3059608368b27693"),
        session_expiry: 1_209_600,
        django_language: s("fr-ca"),
        django_timezone: s("America/Montreal"),
        theme: s("dark"),
        font_scale: 1.25,
        beta_features: true,
        newsletter: false,
        last_seen: 1_715_437_221,
        csrf_rotations: 3,
        referrer: s(
            "https://www.example.com/blog/2024/05/launch-week?utm_source=mail&utm_campaign=spring",
        ),
        search_history: vec![
            s("winter boots"),
            s("rain jacket size m"),
            s("wool socks"),
            s("gift card"),
        ],
        recently_viewed: vec![10432, 10433, 2211, 98001, 5521, 774, 31337],
        cart: vec![(10432, 2), (2211, 1), (98001, 4)],
        cart_total: s("154.97"),
        currency: s("CAD"),
        coupon: None,
        shipping: Shipping {
            method: s("express"),
            postcode: s("H2X 1Y4"),
            country: s("CA"),
        },
        wizard_step: 4,
        wizard_data: Wizard {
            name: s("Ana Lucía Côté"),
            email: s("ana.cote@example.org"),
            phone: s("+1-514-555-0199"),
        },
        flash: vec![
            s("Your profile was updated."),
            s("Café crème added to your cart ☕"),
        ],
        ab_tests: [
            ("checkout_v2", "B"),
            ("hero_banner", "control"),
            ("pricing_page", "A"),
        ]
        .into_iter()
        .map(|(k, v)| (s(k), s(v)))
        .collect(),
        permissions_cache: vec![s("view_order"), s("add_review"), s("change_profile")],
        oauth_state: s("k9XfQ2Lr7pW1zT8vN3bH6cJ0yE5aD4sG"),
        login_method: s("password"),
        mfa_verified_at: 1_715_437_100,
        page_size: 50,
        sort: s("-created"),
        filters: Filters {
            status: vec![s("paid"), s("shipped")],
            min_total: 20,
            max_total: None,
        },
        notifications_seen: vec![1, 2, 3, 5, 8, 13, 21, 34],
        tz_offset_minutes: -240,
        consent: Consent {
            analytics: true,
            ads: false,
            version: s("2024-03"),
        },
    }
}

fn cart() -> Cart {
    Cart {
        auth_user_id: s("7"),
        auth_user_backend: s(BACKEND),
        auth_user_hash: s("43bb00d0ce7790a53b91256b370c887b24791a5539a6fbfb70c5870e8c91ae5d"),
        cart_items: (0..19)
            .map(|i| Item {
                sku: format!("SKU-{:06}", 1000 + i),
                name: s("Organic cotton t-shirt"),
                size: s("M"),
                colour: s("navy"),
                qty: 1,
                price: s("19.99"),
                currency: s("EUR"),
                gift: false,
            })
            .collect(),
        flags: vec![s("seen_intro"); 8],
    }
}

fn compare<T>(c: &mut Criterion, name: &str, x: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + core::fmt::Debug,
{
    let text = to_vec_of(x).unwrap();
    assert_eq!(text, to_vec(&to_value(x).unwrap()));
    assert_eq!(&from_slice_of::<T>(&text, 128).unwrap(), x);
    assert_eq!(&serde_json::from_slice::<T>(&text).unwrap(), x);

    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_with_input(BenchmarkId::new("serde_json", name), x, |b, x| {
        b.iter(|| serde_json::to_vec(black_box(x)).unwrap());
    });
    g.bench_with_input(BenchmarkId::new("via_value", name), x, |b, x| {
        b.iter(|| to_vec(&to_value(black_box(x)).unwrap()));
    });
    g.bench_with_input(BenchmarkId::new("direct", name), x, |b, x| {
        b.iter(|| to_vec_of(black_box(x)).unwrap());
    });
    g.finish();

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_with_input(BenchmarkId::new("serde_json", name), &text, |b, t| {
        b.iter(|| serde_json::from_slice::<T>(black_box(t)).unwrap());
    });
    g.bench_with_input(BenchmarkId::new("via_value", name), &text, |b, t| {
        b.iter(|| from_value::<T>(from_slice(black_box(t), 128).unwrap()).unwrap());
    });
    g.bench_with_input(BenchmarkId::new("direct", name), &text, |b, t| {
        b.iter(|| from_slice_of::<T>(black_box(t), 128).unwrap());
    });
    g.finish();
}

fn typed(c: &mut Criterion) {
    compare(c, "login", &login());
    compare(c, "profile", &profile());
    compare(c, "cart", &cart());
}

criterion_group!(benches, typed);
criterion_main!(benches);
