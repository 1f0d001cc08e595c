"""Oracle ops for the django-auth tests (auth); merged into OPS by django_oracle.py."""

OPS = {}
