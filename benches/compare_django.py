"""Times Django's signing.dumps / signing.loads (and the signed_cookies
session backend) on the benchmark payloads, and prints them beside the
criterion results of `cargo bench` as ratios, with the targets of issue 7.

Run after `cargo bench` (which writes target/criterion/*/new/estimates.json):

    target/django-venv/bin/python benches/compare_django.py [--markdown]

The criterion figure used is the median of the sample means (robust on a
shared machine). Django is timed with timeit, best of several repeats.
"""

import argparse
import json
import os
import pathlib
import platform
import sys
import timeit
from unittest import mock

import django
from django.conf import settings

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
CRITERION = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "criterion"
NAMES = {"p1": "P1", "p2": "P2", "p3": "P3"}


def crit(*parts):
    """The median time in ns of one criterion benchmark, or None."""
    path = CRITERION.joinpath(*parts, "new", "estimates.json")
    try:
        return json.loads(path.read_text())["median"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def total(*values):
    return None if any(v is None for v in values) else sum(values)


def best_ns(stmt, number):
    runs = timeit.repeat(stmt, number=number, repeat=5)
    return min(runs) / number * 1e9


def time_django(data):
    settings.configure(
        SECRET_KEY=data["secret_key"],
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.sessions"],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    )
    django.setup()
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.core import signing

    salt = data["salt"]
    now = float(data["timestamp"]) + 60.0
    out = {}
    with mock.patch("django.core.signing.time.time", return_value=now):
        for key, name in NAMES.items():
            e = data["payloads"][key]
            obj = json.loads((HERE / "data" / f"{key}.json").read_text())
            token = e["compressed"]
            assert signing.loads(token, salt=salt, max_age=1209600) == obj

            def roundtrip(token=token):
                s = SessionStore(session_key=token)
                s["counter"] = 1  # loads, then marks modified
                s.save()
                return s.session_key

            out[("encode", name)] = best_ns(lambda: signing.dumps(obj, salt=salt, compress=True), 2000)
            out[("decode", name)] = best_ns(lambda: signing.loads(token, salt=salt, max_age=1209600), 2000)
            out[("roundtrip", name)] = best_ns(roundtrip, 1000)
        tampered = data["payloads"]["tamper4k"]["tampered"]

        def reject():
            try:
                signing.loads(tampered, salt=salt)
            except signing.BadSignature:
                return True
            raise AssertionError("tampered token accepted")

        out[("reject", "T4K")] = best_ns(reject, 2000)
    return out


def fmt_ns(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def floors(name, compressed):
    f = lambda prim: crit("floor", prim, name)  # noqa: E731
    sfx = "" if compressed else "_plain"
    enc = total(
        f("serde_json_ser"),
        f("deflate") if compressed else 0.0,
        f("b64_encode" + sfx),
        f("hmac_sign" + sfx),
    )
    dec = total(
        f("hmac_verify" + sfx),
        f("b64_decode" + sfx),
        f("inflate") if compressed else 0.0,
        f("serde_json_parse"),
    )
    return enc, dec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = ap.parse_args()
    data = json.loads((HERE / "data" / "tokens.json").read_text())
    dj = time_django(data)

    rows = []  # (operation, payload, impl, ns, floor, cookie, django)
    checks = []  # (target, measured, ok)

    for key, name in NAMES.items():
        compressed = data["payloads"][key]["is_compressed"]
        enc_floor, dec_floor = floors(name, compressed)
        enc_floor_plain, dec_floor_plain = floors(name, False)
        cookie_enc = crit("encode", "cookie_serde_json", name)
        cookie_dec = crit("decode", "cookie_serde_json", name)

        ours_enc = crit("encode", "ours", name)
        rows.append(("encode", name, "ours (Django rule)", ours_enc, enc_floor, cookie_enc, dj[("encode", name)]))
        rows.append(("encode", name, "ours, uncompressed", crit("encode", "ours_uncompressed", name),
                     enc_floor_plain, cookie_enc, dj[("encode", name)]))
        rows.append(("encode", name, "cookie + serde_json", cookie_enc, None, cookie_enc, None))

        decs = [
            ("ours, full Value", crit("decode", "ours", name), dec_floor),
            ("ours, raw top level", crit("decode", "ours_raw", name), dec_floor),
            ("ours, session load", crit("decode", "ours_session", name), dec_floor),
            ("ours, uncompressed token", crit("decode", "ours_uncompressed", name), dec_floor_plain),
        ]
        for label, ns, fl in decs:
            rows.append(("decode", name, label, ns, fl, cookie_dec, dj[("decode", name)]))
        rows.append(("decode", name, "cookie + serde_json", cookie_dec, None, cookie_dec, None))

        rt = crit("session_roundtrip", "ours", name)
        rt_cookie = crit("session_roundtrip", "cookie_serde_json", name)
        rows.append(("load+save", name, "ours", rt, total(enc_floor, dec_floor), rt_cookie, dj[("roundtrip", name)]))
        rows.append(("load+save", name, "cookie + serde_json", rt_cookie, None, rt_cookie, None))

        # Targets.
        ok = lambda a, b, r: None if a is None or b is None else a <= r * b  # noqa: E731
        checks.append((f"encode {name} <= 1.25x floor", fmt_ratio(ours_enc, enc_floor), ok(ours_enc, enc_floor, 1.25)))
        session_dec = crit("decode", "ours_session", name) or crit("decode", "ours_raw", name)
        full_dec = crit("decode", "ours", name)
        checks.append((f"decode {name} (session) <= 1.25x floor", fmt_ratio(session_dec, dec_floor),
                       ok(session_dec, dec_floor, 1.25)))
        checks.append((f"decode {name} (full Value) <= 1.25x floor", fmt_ratio(full_dec, dec_floor),
                       ok(full_dec, dec_floor, 1.25)))
        if name in ("P2", "P3"):
            checks.append((f"decode {name} (session) <= 0.5x cookie", fmt_ratio(session_dec, cookie_dec),
                           ok(session_dec, cookie_dec, 0.5)))
            checks.append((f"decode {name} (full Value) <= 0.5x cookie", fmt_ratio(full_dec, cookie_dec),
                           ok(full_dec, cookie_dec, 0.5)))
        else:
            checks.append((f"decode compressed {name} (session) <= 1.5x cookie", fmt_ratio(session_dec, cookie_dec),
                           ok(session_dec, cookie_dec, 1.5)))
            checks.append((f"decode compressed {name} (full Value) <= 1.5x cookie", fmt_ratio(full_dec, cookie_dec),
                           ok(full_dec, cookie_dec, 1.5)))
        for op, ours in (("encode", ours_enc), ("decode", session_dec), ("roundtrip", rt)):
            d = dj[(op, name)]
            checks.append((f"{op} {name} >= 20x Django", fmt_ratio(d, ours), None if ours is None else d >= 20 * ours))

    rej = crit("reject_tampered_4k", "ours")
    rej_floor = crit("floor", "hmac_verify_tampered", "T4K")
    rej_cookie = crit("reject_tampered_4k", "cookie")
    rows.append(("reject 4 KB", "T4K", "ours", rej, rej_floor, rej_cookie, dj[("reject", "T4K")]))
    rows.append(("reject 4 KB", "T4K", "ours, session load", crit("reject_tampered_4k", "ours_session"),
                 rej_floor, rej_cookie, dj[("reject", "T4K")]))
    rows.append(("reject 4 KB", "T4K", "cookie", rej_cookie, rej_floor, rej_cookie, None))
    checks.append(("reject tampered 4 KB < 1.5 µs", fmt_ns(rej), None if rej is None else rej < 1500))
    checks.append(("reject tampered 4 KB vs its HMAC floor", fmt_ratio(rej, rej_floor), None))
    checks.append(("reject >= 20x Django", fmt_ratio(dj[("reject", "T4K")], rej),
                   None if rej is None else dj[("reject", "T4K")] >= 20 * rej))

    head = ["operation", "payload", "implementation", "time", "vs floor", "vs cookie", "Django", "Django / this",
            "Django / floor"]
    table = [
        [op, p, impl, fmt_ns(ns), fmt_ratio(ns, fl), fmt_ratio(ns, ck), fmt_ns(d), fmt_ratio(d, ns), fmt_ratio(d, fl)]
        for op, p, impl, ns, fl, ck, d in rows
    ]
    print(f"Django {django.get_version()}, Python {platform.python_version()}; criterion medians from {CRITERION}")
    print_table(head, table, args.markdown)
    print()
    print_table(["target", "measured", "verdict"], [[t, m, verdict(v)] for t, m, v in checks], args.markdown)
    print()
    print_policy(data, args.markdown)
    return 0


def print_policy(data, markdown):
    """Django's compression rule against none: the save, the later loads, the cookie size."""
    rows = []
    for key, name in NAMES.items():
        e = data["payloads"][key]
        sizes = {"django": len(e["compressed"]), "never": len(e["plain"])}
        for mode in ("django", "never"):
            rows.append([
                name, mode, f"{e['json_len']} B", f"{sizes[mode]} B",
                fmt_ns(crit("policy_save", mode, name)), fmt_ns(crit("policy_load", mode, name)),
            ])
    print_table(["payload", "compression", "JSON", "cookie", "save", "each later load"], rows, markdown)


def print_table(head, rows, markdown):
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
        return
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    for r in [head] + rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))


if __name__ == "__main__":
    sys.exit(main())
