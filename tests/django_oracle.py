#!/usr/bin/env python3
"""Django as a test oracle for the Rust interop tests (tests/interop_*.rs).

One long-lived process per Rust test binary. It reads one JSON request per
line on stdin and writes one JSON response per line on stdout:

    request:  {"id": N, "op": "<name>", "args": {...}}
    response: {"id": N, "ok": true, "result": ...}
          or  {"id": N, "ok": false, "error": "<why>", "traceback": "..."}

The first line written is a greeting with the Django, Python and zlib
versions. JSON crosses the pipe with Python's own json module at its
defaults (ensure_ascii, allow_nan), so NaN, the infinities, integers of any
size and the int/float distinction survive; the Rust side reads and writes
that dialect with the crate's Python-exact codec.

Time is frozen per request by replacing ``time.time`` and
``django.utils.timezone.now``, so every answer is a pure function of the
request. Settings are applied per request with ``override_settings``.

Ops (see the handlers below for the exact arguments):
  echo, dumps, loads, signer_sign, signer_unsign, session, sessions,
  store_encode, store_decode, middleware
"""

import copy
import datetime as dt
import json
import os
import sys
import time
import traceback
import zlib

SESSION_SALT = "django.contrib.sessions.backends.signed_cookies"

# Settings every session/middleware request starts from (Django's defaults
# for everything the signed_cookies backend and the middleware read).
BASE_SETTINGS = {
    "SECRET_KEY": "interop-default-secret-key",
    "SECRET_KEY_FALLBACKS": [],
    "USE_TZ": True,
    "TIME_ZONE": "UTC",
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
    "SESSION_COOKIE_NAME": "sessionid",
    "SESSION_COOKIE_AGE": 1209600,
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": "/",
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_SAVE_EVERY_REQUEST": False,
    "SESSION_EXPIRE_AT_BROWSER_CLOSE": False,
}


def setup_django():
    # Naive datetimes (USE_TZ=False) are in the process time zone: pin UTC.
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()
    import django
    from django.conf import settings

    if not settings.configured:
        cfg = dict(BASE_SETTINGS)
        # django.contrib.auth for the auth ops (tests/oracle_auth.py), which
        # never touch a database: its users are served from a table.
        cfg.update(
            ALLOWED_HOSTS=["testserver"],
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
            DEFAULT_CHARSET="utf-8",
        )
        settings.configure(**cfg)
        django.setup()
    return django


class FrozenTime:
    """Makes time.time() and timezone.now() return ``t`` inside the block."""

    def __init__(self, t):
        self.t = float(t)

    def __enter__(self):
        from django.conf import settings
        from django.utils import timezone

        t = self.t
        self.saved = (time.time, timezone.now)
        time.time = lambda: t

        def now():
            aware = dt.datetime.fromtimestamp(t, tz=dt.timezone.utc)
            return aware if settings.USE_TZ else aware.replace(tzinfo=None)

        timezone.now = now
        return self

    def __exit__(self, *exc):
        from django.utils import timezone

        time.time, timezone.now = self.saved
        return False


def settings_for(overrides):
    st = dict(BASE_SETTINGS)
    st.update(overrides or {})
    return st


def override(st):
    from django.test.utils import override_settings

    return override_settings(**st)


def classify(exc):
    """The failure classes the Rust side distinguishes."""
    from django.core import signing

    if isinstance(exc, signing.SignatureExpired):
        kind = "SignatureExpired"
    elif isinstance(exc, signing.BadSignature):
        kind = "BadSignature"
    else:
        kind = "PayloadError"
    return {
        "ok": False,
        "error": kind,
        "exception": type(exc).__module__ + "." + type(exc).__qualname__,
        "message": str(exc),
    }


def jsonable(v):
    """Datetimes become their isoformat(); everything else passes."""
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, tuple):
        return [jsonable(x) for x in v]
    return v


# ---------------------------------------------------------------------------
# signing
# ---------------------------------------------------------------------------


def op_echo(args):
    """Returns the value as parsed, and Django's JSON text for it."""
    from django.core import signing

    value = args["value"]
    return {"value": value, "json": signing.JSONSerializer().dumps(value).decode("ascii")}


def op_dumps(args):
    """signing.dumps for a batch of cases.

    case: {value, secret, salt, compress, now}
    -> {token, json, zlib_len}: the token, the serializer's JSON text and
    the length of zlib.compress(json) (to tell a different deflate apart
    from a different compression decision).
    """
    from django.core import signing

    out = []
    ser = signing.JSONSerializer()
    for c in args["cases"]:
        with FrozenTime(c["now"]):
            token = signing.dumps(c["value"], key=c["secret"], salt=c["salt"], compress=c["compress"])
        data = ser.dumps(c["value"])
        out.append({"token": token, "json": data.decode("ascii"), "zlib_len": len(zlib.compress(data))})
    return out


def op_loads(args):
    """signing.loads for a batch of cases.

    case: {token, secret, salt, max_age (null = none), fallback_keys, now}
    -> {ok: true, value} or {ok: false, error, exception, message}
    """
    from django.core import signing

    out = []
    for c in args["cases"]:
        with FrozenTime(c["now"]):
            try:
                value = signing.loads(
                    c["token"],
                    key=c["secret"],
                    salt=c["salt"],
                    max_age=c.get("max_age"),
                    fallback_keys=list(c.get("fallback_keys") or []),
                )
            except Exception as exc:  # noqa: BLE001 - every failure is an answer
                out.append(classify(exc))
                continue
        out.append({"ok": True, "value": value})
    return out


def _signer(c):
    from django.core import signing

    cls = {"Signer": signing.Signer, "TimestampSigner": signing.TimestampSigner}[c["class"]]
    kwargs = {"key": c["secret"], "salt": c.get("salt"), "fallback_keys": list(c.get("fallback_keys") or [])}
    if c.get("sep") is not None:
        kwargs["sep"] = c["sep"]
    return cls(**kwargs)


def op_signer_sign(args):
    """Signer/TimestampSigner.sign for a batch: case {class, value, secret, salt, sep, now}."""
    out = []
    for c in args["cases"]:
        with FrozenTime(c.get("now", 0)):
            out.append(_signer(c).sign(c["value"]))
    return out


def op_signer_unsign(args):
    """Signer/TimestampSigner.unsign for a batch.

    case: {class, signed, secret, salt, sep, fallback_keys, max_age, now}
    -> {ok: true, value} or a failure as in op_loads.
    """
    from django.core import signing

    out = []
    for c in args["cases"]:
        with FrozenTime(c.get("now", 0)):
            try:
                s = _signer(c)
                if isinstance(s, signing.TimestampSigner):
                    value = s.unsign(c["signed"], max_age=c.get("max_age"))
                else:
                    value = s.unsign(c["signed"])
            except Exception as exc:  # noqa: BLE001
                out.append(classify(exc))
                continue
        out.append({"ok": True, "value": value})
    return out


# ---------------------------------------------------------------------------
# SessionStore
# ---------------------------------------------------------------------------


def run_ops(s, ops):
    """Runs an op list on a session; one result per op.

    Each result is {"r": value} (null for mutators) or {"raises": "<exception
    class>"}, usually KeyError; other exceptions are reported the same way
    so that one odd op does not sink a whole batch.
    """
    results = []
    for op in ops:
        name, a = op[0], op[1:]
        try:
            r = run_one(s, name, a)
        except ValueError as exc:
            if str(exc).startswith("unknown session op"):
                raise
            results.append({"raises": type(exc).__name__})
            continue
        except Exception as exc:  # noqa: BLE001 - KeyError, and any crash of Django's own
            results.append({"raises": type(exc).__name__})
            continue
        results.append({"r": jsonable(r)})
    return results


def run_one(s, name, a):
    if name == "set":
        s[a[0]] = a[1]
    elif name == "get":
        return s.get(*a)
    elif name == "getitem":
        return s[a[0]]
    elif name == "contains":
        return a[0] in s
    elif name == "has_key":
        return s.has_key(a[0])
    elif name == "pop":
        return s.pop(*a)
    elif name == "setdefault":
        return s.setdefault(a[0], a[1])
    elif name == "update":
        s.update(a[0])
    elif name == "delitem":
        del s[a[0]]
    elif name == "keys":
        return list(s.keys())
    elif name == "values":
        return list(s.values())
    elif name == "items":
        return [[k, v] for k, v in s.items()]
    elif name == "clear":
        s.clear()
    elif name == "flush":
        s.flush()
    elif name in ("cycle_key", "cycle_key_unsaved"):
        # The Rust runner saves after "cycle_key" (Django's signs at once);
        # "cycle_key_unsaved" leaves it to the middleware on both sides.
        s.cycle_key()
    elif name == "save":
        s.save()
    elif name == "session_key":
        return s.session_key
    elif name == "is_empty":
        return s.is_empty()
    elif name == "mark_modified":
        s.modified = True
    elif name == "set_expiry":
        s.set_expiry(a[0])
    elif name == "set_expiry_timedelta":
        s.set_expiry(dt.timedelta(seconds=a[0]))
    elif name == "set_expiry_datetime":
        s.set_expiry(dt.datetime.fromisoformat(a[0]))
    elif name == "get_expiry_age":
        return s.get_expiry_age()
    elif name == "get_expiry_date":
        return s.get_expiry_date()
    elif name == "get_expire_at_browser_close":
        return s.get_expire_at_browser_close()
    elif name == "set_test_cookie":
        s.set_test_cookie()
    elif name == "test_cookie_worked":
        return s.test_cookie_worked()
    elif name == "delete_test_cookie":
        s.delete_test_cookie()
    else:
        raise ValueError("unknown session op %r" % name)
    return None


def session_state(s):
    cache = getattr(s, "_session_cache", None)
    return {
        "session_key": s.session_key,
        "modified": s.modified,
        "accessed": s.accessed,
        "data": copy.deepcopy(cache) if cache is not None else None,
    }


def op_session(args):
    """A signed_cookies SessionStore built from a cookie, then an op list.

    args: {settings, now, cookie (null = new session), ops}
    -> {results, state}
    """
    from importlib import import_module

    st = settings_for(args.get("settings"))
    with override(st), FrozenTime(args["now"]):
        store_cls = import_module(st["SESSION_ENGINE"]).SessionStore
        s = store_cls(args.get("cookie"))
        results = run_ops(s, args.get("ops", []))
        state = session_state(s)
    return {"results": results, "state": state}


def op_store_encode(args):
    """SessionBase.encode for a batch: case {settings, now, value} -> text."""
    from importlib import import_module

    out = []
    for c in args["cases"]:
        st = settings_for(c.get("settings"))
        with override(st), FrozenTime(c["now"]):
            out.append(import_module(st["SESSION_ENGINE"]).SessionStore().encode(c["value"]))
    return out


def op_store_decode(args):
    """SessionBase.decode for a batch: case {settings, text} -> value ({} on any failure)."""
    from importlib import import_module

    out = []
    for c in args["cases"]:
        st = settings_for(c.get("settings"))
        with override(st):
            out.append(import_module(st["SESSION_ENGINE"]).SessionStore().decode(c["text"]))
    return out


def op_sessions(args):
    """op_session for a batch: args {cases: [session args...]} -> [answers]."""
    return [op_session(c) for c in args["cases"]]


# ---------------------------------------------------------------------------
# SessionMiddleware
# ---------------------------------------------------------------------------

COOKIE_ATTRS = ("expires", "max-age", "path", "domain", "secure", "httponly", "samesite")


def op_middleware(args):
    """One request through SessionMiddleware around a view running an op list.

    args: {settings, now, cookie_header (raw Cookie header or null), ops,
           status (default 200), vary (a Vary the view sets, or null)}
    -> {status, vary, view_results, session_state, cookies: [{name, value,
        header, attributes}]}
    """
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    st = settings_for(args.get("settings"))
    seen = {}

    def view(request):
        seen["results"] = run_ops(request.session, args.get("ops", []))
        resp = HttpResponse("ok", status=args.get("status", 200))
        if args.get("vary"):
            resp.headers["Vary"] = args["vary"]
        seen["session"] = request.session
        return resp

    with override(st), FrozenTime(args["now"]):
        mw = SessionMiddleware(view)
        extra = {}
        if args.get("cookie_header") is not None:
            extra["HTTP_COOKIE"] = args["cookie_header"]
        resp = mw(RequestFactory().get("/", **extra))
        cookies = []
        for name, morsel in resp.cookies.items():
            cookies.append({
                "name": name,
                "value": morsel.value,
                "header": morsel.OutputString(),
                "attributes": {k: morsel[k] for k in COOKIE_ATTRS if morsel[k] not in ("", None)},
            })
        return {
            "status": resp.status_code,
            "vary": resp.headers.get("Vary"),
            "view_results": seen.get("results"),
            "session_state": session_state(seen["session"]) if "session" in seen else None,
            "cookies": cookies,
        }


# ---------------------------------------------------------------------------
# the loop
# ---------------------------------------------------------------------------

OPS = {
    "echo": op_echo,
    "dumps": op_dumps,
    "loads": op_loads,
    "signer_sign": op_signer_sign,
    "signer_unsign": op_signer_unsign,
    "session": op_session,
    "sessions": op_sessions,
    "store_encode": op_store_encode,
    "store_decode": op_store_decode,
    "middleware": op_middleware,
}


# The ops of the django-auth tests (auth sessions, CSRF) live in modules of
# their own beside this file.
import oracle_auth  # noqa: E402
import oracle_csrf  # noqa: E402

for _extra in (oracle_auth.OPS, oracle_csrf.OPS):
    for _name in _extra:
        assert _name not in OPS, "op %r defined twice" % _name
    OPS.update(_extra)


def main():
    # Only the protocol may write to the real stdout: anything printed by
    # accident goes to stderr instead of corrupting a response line.
    out = sys.stdout
    sys.stdout = sys.stderr
    django = setup_django()

    def send(obj):
        out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        out.flush()

    send({
        "hello": True,
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "zlib": zlib.ZLIB_VERSION,
        "zlib_runtime": getattr(zlib, "ZLIB_RUNTIME_VERSION", None),
    })
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        req_id = None
        try:
            req = json.loads(line.decode("ascii"))
            req_id = req.get("id")
            handler = OPS[req["op"]]
            result = handler(req.get("args") or {})
            send({"id": req_id, "ok": True, "result": result})
        except Exception as exc:  # noqa: BLE001 - reported to the Rust side
            send({"id": req_id, "ok": False, "error": "%s: %s" % (type(exc).__name__, exc),
                  "traceback": traceback.format_exc()})


if __name__ == "__main__":
    main()
