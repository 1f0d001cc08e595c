"""Oracle ops for the django-auth tests (csrf); merged into OPS by django_oracle.py."""

OPS = {}
