"""A test-speed PBKDF2 hasher: same algorithm and format as Django's
default (``pbkdf2_sha256$<iterations>$<salt>$<hash>``), 1,000 iterations."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
