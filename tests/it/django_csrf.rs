#![cfg(feature = "django-auth")]
//! (being written)
