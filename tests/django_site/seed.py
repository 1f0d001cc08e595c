"""Migrates the site's database (DJANGO_SITE_DB) and creates the test users.

Idempotent: run it again and the users are there with the same passwords
(a changed password is set back). Usage: python seed.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# The users, with known passwords; tests/it/django_site.rs names the same.
USERS = [
    ("alice", "alice-password-1"),
    ("bob", "bob-password-2"),
]


def main():
    sys.path.insert(0, HERE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2e_site.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    for username, password in USERS:
        user, _ = User.objects.get_or_create(username=username)
        if not user.check_password(password):
            user.set_password(password)
            user.save()
        print(f"{username} {user.pk}")


if __name__ == "__main__":
    main()
