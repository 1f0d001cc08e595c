#!/usr/bin/env python3
"""Writes the committed seed corpora from the golden vectors.

    python3 fuzz/make_seeds.py

decode_any, tamper and unsign get every token of the vectors (dumps, signer,
loads and the middleware's request and response cookies); json and roundtrip
get the exact JSON texts Django produced. One file per vector, named by its
section and id, so a finding can be traced back to the vector it grew from.
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
VECTORS = HERE.parent / "tests" / "vectors" / "django.json"


def write(target, name, data):
    d = HERE / "corpus" / f"seed-{target}"
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def main():
    v = json.loads(VECTORS.read_text())
    tokens, texts = {}, {}
    for c in v["dumps"]:
        tokens[f"dumps-{c['id']}"] = c["expected"]["token"]
        texts[f"dumps-{c['id']}"] = c["expected"]["json"]
    for c in v["signer"]:
        tokens[f"signer-{c['id']}"] = c["expected"]["token"]
    for c in v["loads"]:
        tokens[f"loads-{c['id']}"] = c["token"]
    for c in v["middleware"]:
        if c.get("request_cookie"):
            tokens[f"middleware-{c['id']}-request"] = c["request_cookie"]
        cookie = c["expected"].get("cookie")
        if cookie and cookie.get("value"):
            tokens[f"middleware-{c['id']}-response"] = cookie["value"]
            tokens[f"middleware-{c['id']}-header"] = "sessionid=" + cookie["value"]
    # Past the default 8 KiB token limit, so the fuzzer starts with inputs
    # that must be refused as too long (libFuzzer grows lengths slowly).
    body = v["dumps"][0]["expected"]["token"]
    write("decode_any", "oversize-9000", (body * (9000 // len(body) + 1))[:9000])
    for target in ("decode_any", "tamper", "unsign", "cookie_header"):
        for name, tok in tokens.items():
            write(target, name, tok)
    for target in ("json", "roundtrip"):
        for name, text in texts.items():
            write(target, name, text)
    print(f"{len(tokens)} tokens, {len(texts)} JSON texts")


if __name__ == "__main__":
    main()
