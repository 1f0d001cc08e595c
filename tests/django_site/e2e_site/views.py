"""The end-to-end site's views: JSON answers and one small HTML form.

Every POST goes through CsrfViewMiddleware (none is exempt), as a real
site's login and logout do.
"""

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.views.decorators.http import require_GET, require_POST


def _user(request):
    user = request.user
    if user.is_authenticated:
        return {"user": user.get_username(), "id": str(user.pk)}
    return {"user": None, "id": None}


@require_GET
def whoami(request):
    """{"user": username or null, "id": pk as a string or null}."""
    return JsonResponse(_user(request))


@require_GET
def session(request):
    """The session's items, as Django loaded them (the signed_cookies
    backend's JSON), for tests that look at the auth fields."""
    return JsonResponse({"session": dict(request.session.items())})


@require_GET
def csrf_token(request):
    """get_token(request): a masked token (and the CSRF cookie, or the
    session's _csrftoken with CSRF_USE_SESSIONS)."""
    return JsonResponse({"token": get_token(request)})


_LOGIN_FORM = engines["django"].from_string(
    """<!doctype html>
<html><head><title>Log in</title></head>
<body>
<form method="post" action="/login">
{% csrf_token %}
<input name="username"> <input name="password" type="password">
<button type="submit">Log in</button>
</form>
</body></html>
"""
)


@require_GET
def login_form(request):
    """An HTML form with {% csrf_token %} (csrfmiddlewaretoken)."""
    return HttpResponse(_LOGIN_FORM.render({}, request))


@require_POST
def login_view(request):
    """Form fields username and password: authenticate, then login."""
    user = authenticate(
        request,
        username=request.POST.get("username", ""),
        password=request.POST.get("password", ""),
    )
    if user is None:
        return JsonResponse({"ok": False, "error": "invalid credentials"}, status=401)
    login(request, user)
    return JsonResponse({"ok": True, **_user(request)})


@require_POST
def logout_view(request):
    logout(request)
    return JsonResponse({"ok": True})


@require_POST
def change_password(request):
    """Form field new_password: set_password, save, then
    update_session_auth_hash (the session stays logged in)."""
    if not request.user.is_authenticated:
        return JsonResponse({"ok": False, "error": "not logged in"}, status=401)
    user = request.user
    user.set_password(request.POST.get("new_password", ""))
    user.save()
    update_session_auth_hash(request, user)
    return JsonResponse({"ok": True, **_user(request)})


@require_POST
def protected(request):
    return JsonResponse({"ok": True})


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: 403, the reason as the body and in X-CSRF-Reason."""
    response = HttpResponse(reason, status=403, content_type="text/plain; charset=utf-8")
    response["X-CSRF-Reason"] = reason
    return response
