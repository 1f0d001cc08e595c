"""Makes benches/data/tokens.json with Django itself.

For each payload file (p1, p2, p3, tamper4k) it signs the JSON with
`django.core.signing.dumps` as the signed_cookies session backend does
(salt "django.contrib.sessions.backends.signed_cookies", compress=True) and
without compression, at a fixed time so the output is reproducible. The
4 KB payload also gets a copy with one body character changed, for the
rejection benchmark.

Run: target/django-venv/bin/python benches/data/make_tokens.py
(the venv comes from .ci/setup-django.sh; Django 5.2.19).
"""

import json
import pathlib
import sys
from unittest import mock

import django
from django.conf import settings

HERE = pathlib.Path(__file__).resolve().parent
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdefghijklmnop"
SALT = "django.contrib.sessions.backends.signed_cookies"
NOW = 1_715_437_221  # 2024-05-11T14:20:21Z
PAYLOADS = ["p1", "p2", "p3", "tamper4k"]


def main():
    settings.configure(SECRET_KEY=SECRET_KEY, USE_TZ=True)
    django.setup()
    from django.core import signing

    out = {
        "django": django.get_version(),
        "secret_key": SECRET_KEY,
        "salt": SALT,
        "timestamp": NOW,
        "payloads": {},
    }
    with mock.patch("django.core.signing.time.time", return_value=float(NOW)):
        for name in PAYLOADS:
            text = (HERE / f"{name}.json").read_text().strip()
            obj = json.loads(text)
            # The files hold Django's exact serialization, so the tokens
            # sign the same bytes the Rust side reads.
            assert json.dumps(obj, separators=(",", ":")) == text, name
            compressed = signing.dumps(obj, salt=SALT, compress=True)
            plain = signing.dumps(obj, salt=SALT, compress=False)
            entry = {
                "json_len": len(text),
                "compressed": compressed,
                "is_compressed": compressed.startswith("."),
                "plain": plain,
            }
            if name == "tamper4k":
                # Change one body character in the middle: the signature
                # no longer matches, and nothing may be decoded.
                mid = len(plain) // 2
                swap = "A" if plain[mid] != "A" else "B"
                tampered = plain[:mid] + swap + plain[mid + 1 :]
                try:
                    signing.loads(tampered, salt=SALT)
                except signing.BadSignature:
                    pass
                else:
                    sys.exit("tampered token was accepted")
                entry["tampered"] = tampered
            assert signing.loads(compressed, salt=SALT) == obj
            out["payloads"][name] = entry
    (HERE / "tokens.json").write_text(json.dumps(out, indent=1) + "\n")
    for name, e in out["payloads"].items():
        print(name, e["json_len"], "compressed" if e["is_compressed"] else "not compressed",
              len(e["compressed"]), len(e["plain"]))


if __name__ == "__main__":
    main()
