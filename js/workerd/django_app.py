#!/usr/bin/env python3
"""A tiny Django site with the routes of the JavaScript and Rust Workers,
for the cookie exchanges of js/workerd/exchange.test.js over real HTTP.

    SECRET_KEY=... python django_app.py   # prints "listening on http://127.0.0.1:PORT"

Sessions use Django's signed_cookies backend with its defaults
(sessionid, two weeks, SameSite=Lax). Routes:

    GET /         counts visits in the session
    GET /login    cycle_key(), then user = ?user= (Django's login() does the same)
    GET /logout   flush()
    GET /expiry   set_expiry(?seconds=)
    GET /whoami   the session's data as JSON
"""

import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["SECRET_KEY"],
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
    INSTALLED_APPS=[],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    USE_TZ=True,
)
django.setup()


def count(request):
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    return HttpResponse(f"visit number {visits}\n", content_type="text/plain")


def login(request):
    request.session.cycle_key()
    request.session["user"] = request.GET.get("user", "alice")
    return HttpResponse(f"logged in as {request.session['user']}\n", content_type="text/plain")


def logout(request):
    request.session.flush()
    return HttpResponse("logged out\n", content_type="text/plain")


def expiry(request):
    request.session.set_expiry(int(request.GET.get("seconds", "300")))
    return HttpResponse(f"expires in {request.session.get_expiry_age()} s\n", content_type="text/plain")


def whoami(request):
    return JsonResponse({"data": dict(request.session.items()), "refused": None})


urlpatterns = [
    path("", count),
    path("login", login),
    path("logout", logout),
    path("expiry", expiry),
    path("whoami", whoami),
]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
