"""Settings of the end-to-end site.

Whatever the Rust side must share with this site is read from environment
variables named after Django's settings, spelled as the crate's loader
(src/django/settings.rs) reads them:

- booleans: True/False, true/false, 1/0;
- integers: decimal;
- optional strings (SESSION_COOKIE_DOMAIN, CSRF_COOKIE_DOMAIN): unset,
  empty or "None" is None;
- lists (SECRET_KEY_FALLBACKS, CSRF_TRUSTED_ORIGINS, ALLOWED_HOSTS): a JSON
  array of strings, or items separated by commas;
- SameSite (SESSION_COOKIE_SAMESITE, CSRF_COOKIE_SAMESITE): the text as it
  is ("Lax", "Strict", "None"), or "False" for no attribute;
- SECURE_PROXY_SSL_HEADER: a JSON array of two strings, e.g.
  ["HTTP_X_FORWARDED_PROTO", "https"], so a test can make Django see a
  request as HTTPS (and so run its Referer checks) over plain HTTP.

A variable that is not set leaves Django's own default in place, except
SECRET_KEY, which is required, and ALLOWED_HOSTS, which defaults to the
loopback names. A value that cannot be read stops the site at start-up
with the variable's name.

The SQLite database is the file named by DJANGO_SITE_DB (required, and
meant to be in a temporary directory: nothing of the site's state lives in
the repository).
"""

import json
import os

from django.core.exceptions import ImproperlyConfigured

_UNSET = object()


def _text(name):
    return os.environ.get(name, _UNSET)


def _bool(text, name):
    value = text.strip()
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(
        f"setting {name}: {value!r} is not a boolean (True, False, true, false, 1 or 0)"
    )


def _int(text, name):
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise ImproperlyConfigured(f"setting {name}: {text!r} is not an integer") from None


def _optional(text, name):
    return None if text in ("", "None") else text


def _list(text, name):
    value = text.strip()
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError as e:
            raise ImproperlyConfigured(
                f"setting {name}: not a JSON array of strings: {e}"
            ) from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ImproperlyConfigured(f"setting {name}: not a JSON array of strings")
        return items
    return [item.strip() for item in value.split(",") if item.strip()]


def _samesite(text, name):
    return False if text == "False" else text


def _pair(text, name):
    try:
        items = json.loads(text)
    except ValueError as e:
        raise ImproperlyConfigured(f"setting {name}: not a JSON array: {e}") from None
    if (
        not isinstance(items, list)
        or len(items) != 2
        or not all(isinstance(i, str) for i in items)
    ):
        raise ImproperlyConfigured(f"setting {name}: not a JSON array of two strings")
    return tuple(items)


def _string(text, name):
    return text


# Every setting read from the environment, with its reader. The Rust
# harness (tests/it/django_site.rs) keeps the same list of names, to clear
# them from the inherited environment and to refuse names not read here.
_FROM_ENV = {
    "SECRET_KEY": _string,
    "SECRET_KEY_FALLBACKS": _list,
    "ALLOWED_HOSTS": _list,
    "SESSION_COOKIE_NAME": _string,
    "SESSION_COOKIE_AGE": _int,
    "SESSION_COOKIE_DOMAIN": _optional,
    "SESSION_COOKIE_PATH": _string,
    "SESSION_COOKIE_SECURE": _bool,
    "SESSION_COOKIE_HTTPONLY": _bool,
    "SESSION_COOKIE_SAMESITE": _samesite,
    "SESSION_EXPIRE_AT_BROWSER_CLOSE": _bool,
    "SESSION_SAVE_EVERY_REQUEST": _bool,
    "CSRF_COOKIE_NAME": _string,
    "CSRF_COOKIE_AGE": _int,
    "CSRF_COOKIE_DOMAIN": _optional,
    "CSRF_COOKIE_PATH": _string,
    "CSRF_COOKIE_SECURE": _bool,
    "CSRF_COOKIE_HTTPONLY": _bool,
    "CSRF_COOKIE_SAMESITE": _samesite,
    "CSRF_HEADER_NAME": _string,
    "CSRF_TRUSTED_ORIGINS": _list,
    "CSRF_USE_SESSIONS": _bool,
    "SECURE_PROXY_SSL_HEADER": _pair,
}

for _name, _reader in _FROM_ENV.items():
    _value = _text(_name)
    if _value is not _UNSET:
        globals()[_name] = _reader(_value, _name)

if _text("SECRET_KEY") is _UNSET:
    raise ImproperlyConfigured("setting SECRET_KEY: the environment variable is required")
if _text("ALLOWED_HOSTS") is _UNSET:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

_db = os.environ.get("DJANGO_SITE_DB", "")
if not _db:
    raise ImproperlyConfigured(
        "DJANGO_SITE_DB must name the SQLite database file (in a temporary directory)"
    )

DEBUG = False

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]

# startproject's order. CommonMiddleware makes every request check its
# Host against ALLOWED_HOSTS, as on a real site.
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

# 403 with the reason as plain text, and in X-CSRF-Reason, so the Rust
# tests can compare Django's reasons with the Rust layer's.
CSRF_FAILURE_VIEW = "e2e_site.views.csrf_failure"

ROOT_URLCONF = "e2e_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _db,
    }
}

# Django's default hasher (PBKDF2-SHA256, the `pbkdf2_sha256$...` format
# the Rust sidecar verifies), with far fewer iterations for test speed
# only: never for a real site. The iteration count is part of each stored
# hash, so hashes made by Django's stock hasher still verify.
PASSWORD_HASHERS = [
    "e2e_site.hashers.FastPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

USE_TZ = True

# With DEBUG off Django logs nothing to the console; send warnings (CSRF
# failures), errors (tracebacks) and runserver's request log to stderr,
# which the harness keeps for its failure messages.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "WARNING"},
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
