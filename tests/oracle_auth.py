"""Oracle ops for the django-auth tests (auth); merged into OPS by django_oracle.py.

django.contrib.auth runs for real (login, logout, get_user,
update_session_auth_hash, get_session_auth_hash on the real User model),
but without a database: the users live in a table the request carries, and
the authentication backends below serve them as unsaved User objects, the
way ModelBackend would serve rows (None for an unknown or inactive user).

Ops:
  auth_hashes   {cases: [{secret, fallbacks, password}]}
      -> [{hash, fallback_hashes}]: User.get_session_auth_hash() and
         list(get_session_auth_fallback_hash()) under those settings.
  auth_to_python {cases: [{kind, value}]}
      -> [{"r": str(pk.to_python(value)) or null} or {"raises": name}]
         for kind "integer" (AutoField), "text" (CharField), "uuid".
  auth_sequences {cases: [sequence]} -> [[step answer...]], see run_sequence.
"""

import copy

SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

# The users of the request being run: {pk: {"password": str, "active": bool}}.
_table = {}


def _user(pk, row):
    from django.contrib.auth.models import User

    return User(pk=pk, password=row["password"], is_active=row["active"])


class TableBackend:
    """ModelBackend.get_user over the table: None when unknown or inactive."""

    def get_user(self, user_id):
        row = _table.get(user_id) if isinstance(user_id, int) else None
        if row is None or not row["active"]:
            return None
        return _user(user_id, row)


class EvenBackend(TableBackend):
    """A second backend, which knows only the users with an even id."""

    def get_user(self, user_id):
        if not isinstance(user_id, int) or user_id % 2:
            return None
        return super().get_user(user_id)


def _quiet_signals():
    # AuthConfig.ready connects update_last_login, which saves the user:
    # there is no database here.
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.disconnect(dispatch_uid="update_last_login")


def _oracle():
    # The oracle's helpers, imported when first needed: this module is
    # itself imported while django_oracle.py is being loaded.
    import django_oracle

    return django_oracle


def op_auth_hashes(args):
    from django.contrib.auth.models import User

    o = _oracle()

    out = []
    for c in args["cases"]:
        st = o.settings_for({"SECRET_KEY": c["secret"], "SECRET_KEY_FALLBACKS": c["fallbacks"]})
        with o.override(st):
            user = User(password=c["password"])
            out.append({
                "hash": user.get_session_auth_hash(),
                "fallback_hashes": list(user.get_session_auth_fallback_hash()),
            })
    return out


def op_auth_to_python(args):
    from django.db import models

    fields = {
        "integer": models.AutoField(primary_key=True),
        "text": models.CharField(max_length=150, primary_key=True),
        "uuid": models.UUIDField(primary_key=True),
    }
    out = []
    for c in args["cases"]:
        try:
            v = fields[c["kind"]].to_python(c["value"])
        except Exception as exc:  # noqa: BLE001 - the class is the answer
            out.append({"raises": type(exc).__name__})
            continue
        out.append({"r": None if v is None else str(v)})
    return out


def run_sequence(seq):
    """Requests against one evolving state, one answer per step.

    seq: {secret, fallbacks, backends, users: [[pk, password, active]...],
          cookie (null = none), now, steps}
    Steps that are requests (a session loaded from the cookie, the step run
    on it, then saved as SessionMiddleware would):
      ["login", pk, backend]        login(request, user, backend)
      ["get_user"]                  get_user(request)
      ["logout"]                    logout(request)
      ["change_password", pk, pw]   request.user = get_user(request); the
                                    table changes; update_session_auth_hash
    Steps that change the world between requests:
      ["rotate_secret", new]        the old SECRET_KEY becomes the first fallback
      ["remove_fallback"]           the oldest fallback goes
      ["set_active", pk, bool], ["set_password", pk, pw], ["set_backends", [..]]
    Answer per request step: {events, user, raises, data, accessed, modified,
    cookie}; per world step: null.
    """
    from importlib import import_module

    from django.contrib import auth
    from django.http import HttpRequest

    store_cls = import_module(SESSION_ENGINE).SessionStore
    secret, fallbacks = seq["secret"], list(seq["fallbacks"])
    backends = list(seq["backends"])
    table = {pk: {"password": pw, "active": active} for pk, pw, active in seq["users"]}
    cookie = seq["cookie"]
    now = seq["now"]
    answers = []
    for step in seq["steps"]:
        name = step[0]
        if name == "rotate_secret":
            fallbacks.insert(0, secret)
            secret = step[1]
        elif name == "remove_fallback":
            if fallbacks:
                fallbacks.pop()
        elif name == "set_active":
            table[step[1]]["active"] = step[2]
        elif name == "set_password":
            table[step[1]]["password"] = step[2]
        elif name == "set_backends":
            backends = list(step[1])
        else:
            now += 1
            answer, cookie = _request(store_cls, auth, HttpRequest, step, table, cookie, now, {
                "SECRET_KEY": secret,
                "SECRET_KEY_FALLBACKS": fallbacks,
                "AUTHENTICATION_BACKENDS": backends,
            })
            answers.append(answer)
            continue
        answers.append(None)
    return answers


def _request(store_cls, auth, HttpRequest, step, table, cookie, now, overrides):
    o = _oracle()
    _table.clear()
    _table.update(table)
    events = []
    with o.override(o.settings_for(overrides)), o.FrozenTime(now):
        s = store_cls(cookie)
        flush, cycle_key = s.flush, s.cycle_key

        def flush_logged():
            events.append("flush")
            flush()

        def cycle_logged():
            events.append("cycle_key")
            cycle_key()

        s.flush, s.cycle_key = flush_logged, cycle_logged
        request = HttpRequest()
        request.session = s
        user, raises = None, None
        try:
            name = step[0]
            if name == "login":
                auth.login(request, _user(step[1], table[step[1]]), backend=step[2])
            elif name == "get_user":
                u = auth.get_user(request)
                user = u.pk if u.is_authenticated else None
            elif name == "logout":
                auth.logout(request)
            elif name == "change_password":
                request.user = auth.get_user(request)
                user = request.user.pk if request.user.is_authenticated else None
                table[step[1]]["password"] = step[2]
                auth.update_session_auth_hash(request, _user(step[1], table[step[1]]))
            else:
                raise ValueError("unknown auth step %r" % name)
        except ValueError as exc:
            if str(exc).startswith("unknown auth step"):
                raise
            raises = type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - Django raising is an answer
            raises = type(exc).__name__
        accessed, modified = s.accessed, s.modified
        data = copy.deepcopy(dict(s._session))
        # SessionMiddleware.process_response, for a response it saves.
        if s.is_empty():
            cookie = None
        elif modified:
            s.save()
            cookie = s.session_key
    return {
        "events": events,
        "user": user,
        "raises": raises,
        "data": data,
        "accessed": accessed,
        "modified": modified,
        "cookie": cookie,
    }, cookie


def op_auth_sequences(args):
    _quiet_signals()
    return [run_sequence(c) for c in args["cases"]]


OPS = {
    "auth_hashes": op_auth_hashes,
    "auth_to_python": op_auth_to_python,
    "auth_sequences": op_auth_sequences,
}
