from django.urls import path

from . import views

urlpatterns = [
    path("whoami", views.whoami),
    path("session", views.session),
    path("csrf-token", views.csrf_token),
    path("login-form", views.login_form),
    path("login", views.login_view),
    path("logout", views.logout_view),
    path("change-password", views.change_password),
    path("protected", views.protected),
]
