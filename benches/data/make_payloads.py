"""Writes the benchmark payloads p1.json, p2.json, p3.json and tamper4k.json
in Django's exact JSON form (compact separators, ASCII escapes).

P1: a login session (~190 B). P2: ~1.5 KB, ~30 varied keys. P3: ~2.8 KB,
repetitive (compresses well). tamper4k: ~3 KB of random text whose
uncompressed token is ~4 KB, for the tamper rejection benchmark.
Run with any python3 from this folder; then run make_tokens.py.
"""
import json, random, hashlib
def dump(o): return json.dumps(o, separators=(",", ":"))
p1 = {"_auth_user_id": "42",
      "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
      "_auth_user_hash": hashlib.sha256(b"p1").hexdigest(),
      "cart": [1, 2, 3]}
p2 = {
 "_auth_user_id": "1093", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
 "_auth_user_hash": hashlib.sha256(b"p2").hexdigest(),
 "_session_expiry": 1209600, "django_language": "fr-ca", "django_timezone": "America/Montreal",
 "theme": "dark", "font_scale": 1.25, "beta_features": True, "newsletter": False, "last_seen": 1715437221,
 "csrf_rotations": 3, "referrer": "https://www.example.com/blog/2024/05/launch-week?utm_source=mail&utm_campaign=spring",
 "search_history": ["winter boots", "rain jacket size m", "wool socks", "gift card"],
 "recently_viewed": [10432, 10433, 2211, 98001, 5521, 774, 31337],
 "cart": [[10432, 2], [2211, 1], [98001, 4]], "cart_total": "154.97", "currency": "CAD",
 "coupon": None, "shipping": {"method": "express", "postcode": "H2X 1Y4", "country": "CA"},
 "wizard_step": 4, "wizard_data": {"name": "Ana Lucía Côté", "email": "ana.cote@example.org", "phone": "+1-514-555-0199"},
 "flash": ["Your profile was updated.", "Café crème added to your cart ☕"],
 "ab_tests": {"checkout_v2": "B", "hero_banner": "control", "pricing_page": "A"},
 "permissions_cache": ["view_order", "add_review", "change_profile"],
 "oauth_state": "k9XfQ2Lr7pW1zT8vN3bH6cJ0yE5aD4sG", "login_method": "password", "mfa_verified_at": 1715437100,
 "page_size": 50, "sort": "-created", "filters": {"status": ["paid", "shipped"], "min_total": 20, "max_total": None},
 "notifications_seen": [1, 2, 3, 5, 8, 13, 21, 34], "tz_offset_minutes": -240,
 "consent": {"analytics": True, "ads": False, "version": "2024-03"},
}
items = [{"sku": "SKU-%06d" % (1000 + i), "name": "Organic cotton t-shirt", "size": "M", "colour": "navy",
          "qty": 1, "price": "19.99", "currency": "EUR", "gift": False} for i in range(19)]
p3 = {"_auth_user_id": "7", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
      "_auth_user_hash": hashlib.sha256(b"p3").hexdigest(), "cart_items": items,
      "flags": ["seen_intro"] * 8}
rnd = random.Random(7)
alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
p4k = {"_auth_user_id": "5", "blob": {"k%02d" % i: "".join(rnd.choice(alpha) for _ in range(40)) for i in range(60)}}
for name, p in [("p1", p1), ("p2", p2), ("p3", p3), ("tamper4k", p4k)]:
    s = dump(p)
    print(name, len(s))
    open(name + ".json", "w").write(s + "\n")
