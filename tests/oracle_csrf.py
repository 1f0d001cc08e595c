"""Oracle ops for the django-auth tests (csrf); merged into OPS by django_oracle.py.

Ops:
  csrf_mask     {secrets: [s]} -> [Django's _mask_cipher_secret(s)]
  csrf_unmask   {tokens: [t]}  -> [Django's _unmask_cipher_token(t)]
  csrf_format   {tokens: [t]}  -> [null, or the InvalidTokenFormat reason]
  csrf_requests {cases: [case]} -> [answer]: one request each through
      CsrfViewMiddleware (process_request, process_view with a view running
      get_token/rotate_token, process_response), see run_csrf_case.

Header values cross as Python str with one character per byte (latin-1),
which is what a WSGI server puts in request.META.
"""

import time

# Django's defaults for everything CsrfViewMiddleware reads; every case
# starts from these (the oracle process itself is configured otherwise).
CSRF_DEFAULTS = {
    "CSRF_COOKIE_NAME": "csrftoken",
    "CSRF_COOKIE_AGE": 60 * 60 * 24 * 7 * 52,
    "CSRF_COOKIE_DOMAIN": None,
    "CSRF_COOKIE_PATH": "/",
    "CSRF_COOKIE_SECURE": False,
    "CSRF_COOKIE_HTTPONLY": False,
    "CSRF_COOKIE_SAMESITE": "Lax",
    "CSRF_HEADER_NAME": "HTTP_X_CSRFTOKEN",
    "CSRF_TRUSTED_ORIGINS": [],
    "CSRF_USE_SESSIONS": False,
    "SESSION_COOKIE_DOMAIN": None,
    "SECURE_PROXY_SSL_HEADER": None,
    "USE_X_FORWARDED_HOST": False,
    "USE_X_FORWARDED_PORT": False,
    "ALLOWED_HOSTS": ["*"],
    "DATA_UPLOAD_MAX_MEMORY_SIZE": 2621440,
    "DATA_UPLOAD_MAX_NUMBER_FIELDS": 1000,
    "DEBUG": False,
    "CSRF_FAILURE_VIEW": "oracle_csrf.failure_view",
}

# The reason the last rejection carried (set by failure_view).
_last_reason = []


def failure_view(request, reason=""):
    """CSRF_FAILURE_VIEW for the cases: a 403 whose body is the reason."""
    from django.http import HttpResponseForbidden

    _last_reason.append(reason)
    return HttpResponseForbidden(reason)


class _Frozen:
    """time.time() returns ``t`` inside the block (the cookie's expires)."""

    def __init__(self, t):
        self.t = float(t)

    def __enter__(self):
        self.saved = time.time
        t = self.t
        time.time = lambda: t
        return self

    def __exit__(self, *exc):
        time.time = self.saved
        return False


def op_csrf_mask(args):
    from django.middleware.csrf import _mask_cipher_secret

    return [_mask_cipher_secret(s) for s in args["secrets"]]


def op_csrf_unmask(args):
    from django.middleware.csrf import _unmask_cipher_token

    return [_unmask_cipher_token(t) for t in args["tokens"]]


def op_csrf_format(args):
    from django.middleware.csrf import InvalidTokenFormat, _check_token_format

    out = []
    for t in args["tokens"]:
        try:
            _check_token_format(t)
        except InvalidTokenFormat as exc:
            out.append(exc.reason)
        else:
            out.append(None)
    return out


def run_csrf_case(c):
    """One request through CsrfViewMiddleware.

    case: {settings: {...overrides of CSRF_DEFAULTS}, now, method, secure,
           meta: {HTTP_HOST, HTTP_ORIGIN, HTTP_COOKIE, SERVER_PORT, ...},
           body (latin-1 str or null), content_type, session (dict or null,
           with CSRF_USE_SESSIONS), exempt, view_ops: ["get_token" |
           "rotate"], vary (a Vary the view sets, or null)}
    -> {status, reason, error, view_ran, tokens, meta_secret, set_cookie
        (the CSRF cookie's Set-Cookie value or null), cookie_value, vary,
        session_secret, session_modified}
    """
    from django.http import HttpResponse, HttpResponseBadRequest
    from django.middleware.csrf import CsrfViewMiddleware, get_token, rotate_token
    from django.test import RequestFactory
    from django.test.utils import override_settings

    st = dict(CSRF_DEFAULTS)
    st.update(c.get("settings") or {})
    if st["SECURE_PROXY_SSL_HEADER"] is not None:
        st["SECURE_PROXY_SSL_HEADER"] = tuple(st["SECURE_PROXY_SSL_HEADER"])
    seen = {"view_ran": False, "tokens": []}
    del _last_reason[:]

    def view(request):
        seen["view_ran"] = True
        for op in c.get("view_ops") or []:
            if op == "get_token":
                seen["tokens"].append(get_token(request))
            elif op == "rotate":
                rotate_token(request)
            else:
                raise ValueError("unknown view op %r" % op)
        resp = HttpResponse("ok")
        if c.get("vary"):
            resp.headers["Vary"] = c["vary"]
        return resp

    if c.get("exempt"):
        view.csrf_exempt = True

    with override_settings(**st), _Frozen(c["now"]):
        body = (c.get("body") or "").encode("latin-1")
        req = RequestFactory().generic(
            c["method"],
            "/submit",
            data=body,
            content_type=c.get("content_type") or "application/octet-stream",
            secure=c["secure"],
            **c.get("meta", {}),
        )
        session = None
        if st["CSRF_USE_SESSIONS"]:
            from django.contrib.sessions.backends.signed_cookies import SessionStore

            session = SessionStore()
            session._session_cache = dict(c.get("session") or {})
            req.session = session
        mw = CsrfViewMiddleware(lambda r: None)
        error = None
        mw.process_request(req)
        try:
            resp = mw.process_view(req, view, (), {})
            if resp is None:
                resp = view(req)
        except Exception as exc:  # noqa: BLE001 - Django's handler makes these a 400
            error = type(exc).__name__
            resp = HttpResponseBadRequest()
        resp = mw.process_response(req, resp)
        morsel = resp.cookies.get(st["CSRF_COOKIE_NAME"])
        return {
            "status": resp.status_code,
            "reason": _last_reason[-1] if _last_reason else None,
            "error": error,
            "view_ran": seen["view_ran"],
            "tokens": seen["tokens"],
            "meta_secret": req.META.get("CSRF_COOKIE"),
            "set_cookie": morsel.OutputString() if morsel is not None else None,
            "cookie_value": morsel.value if morsel is not None else None,
            "vary": resp.headers.get("Vary"),
            "session_secret": session.get("_csrftoken") if session is not None else None,
            "session_modified": session.modified if session is not None else None,
        }


def op_csrf_requests(args):
    return [run_csrf_case(c) for c in args["cases"]]


OPS = {
    "csrf_mask": op_csrf_mask,
    "csrf_unmask": op_csrf_unmask,
    "csrf_format": op_csrf_format,
    "csrf_requests": op_csrf_requests,
}
