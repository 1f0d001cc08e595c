// Untrusted input never traps the module: a panic would abort it (a
// WebAssembly.RuntimeError, and every later call failing). Cookies,
// tokens and values from JavaScript get typed errors, within the limits.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import {
  BadSignature,
  CookieTooLarge,
  DecodeError,
  EncodeError,
  Malformed,
  SessionStore,
  Signer,
  TooLong,
  dumps,
  loads,
} from 'signed-session';

const secret = 'untrusted-input-test-secret-0123456789-abcdefghijklmnop';
const clock = () => 1_700_000_000_000;
const store = new SessionStore({ secret, clock });
const signer = new Signer({ secret, clock, compress: true });
let cases = 0;
after(() => console.log(`untrusted inputs: ${cases}, no trap`));

/** Runs `f`; any error must be one of the package's own (or a TypeError/RangeError for bad arguments). */
function noTrap(f) {
  cases++;
  try {
    f();
  } catch (e) {
    assert.ok(!(e instanceof WebAssembly.RuntimeError), `the module trapped: ${e.stack}`);
    assert.ok(
      e instanceof DecodeError || e instanceof EncodeError || e instanceof TypeError || e instanceof RangeError,
      `unexpected ${e?.constructor?.name}: ${e.message}`,
    );
  }
}

function* garbage() {
  let x = 0x2545f4914f6cdd1dn;
  const next = () => {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    return Number(x & 0xffffn);
  };
  const alphabet = 'ABCabc019-_:.=;" \\\u00e9\u{1f600}\ud800\u0000{}[],';
  for (let i = 0; i < 1500; i++) {
    const n = next() % 300;
    let s = '';
    for (let j = 0; j < n; j++) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

test('garbage cookies and tokens', () => {
  for (const s of garbage()) {
    noTrap(() => store.load(`sessionid=${s}`).get('a'));
    noTrap(() => store.load(s).toJSON());
    noTrap(() => store.loadValue(s).keys());
    noTrap(() => loads(s, { secret, clock }));
    noTrap(() => signer.loads(`.${s}:1r31eq:xyz`));
  }
  // Still working afterwards.
  assert.deepEqual(signer.loads(signer.dumps({ ok: true })), { ok: true });
});

test('limits: long tokens, deep nesting, huge integers, lone surrogates', () => {
  const long = 'a'.repeat(9000);
  assert.throws(() => loads(long, { secret, clock }), TooLong);
  assert.ok(store.load(`sessionid=${long}`).loadError instanceof TooLong);
  cases += 2;
  let deep = 1;
  for (let i = 0; i < 200; i++) deep = [deep];
  assert.throws(() => dumps(deep, { secret, clock }), (e) => e instanceof EncodeError && e.kind === 'too_deep');
  assert.throws(() => store.load(null).set('k', deep), (e) => e instanceof EncodeError && e.kind === 'too_deep');
  let deeper = 1;
  for (let i = 0; i < 100000; i++) deeper = [deeper];
  assert.throws(() => dumps(deeper, { secret, clock }), (e) => e instanceof EncodeError && e.kind === 'too_deep');
  assert.throws(() => dumps(10n ** 5000n, { secret, clock }), EncodeError);
  assert.throws(() => dumps({ s: 'lone \ud800' }, { secret, clock }), EncodeError);
  assert.throws(() => store.load(null).set('\ud800', 1), TypeError);
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => dumps(cyclic, { secret, clock }), TypeError);
  assert.throws(() => dumps(undefined, { secret, clock }), TypeError);
  cases += 8;
  // Too big for the cookie budget: a typed error, not a trap.
  const s = store.load(null);
  let noise = '';
  let x = 7;
  for (let i = 0; i < 20000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    noise += String.fromCharCode(97 + (x % 26));
  }
  s.set('noise', noise);
  assert.throws(() => s.save(), (e) => e.kind === 'cookie_too_large' || e.kind === 'too_long' || e.kind === 'too_large');
  const finished = s.finish();
  assert.equal(finished.outcome, 'failed');
  assert.ok(finished.error instanceof CookieTooLarge, `${finished.error}`);
  assert.equal(finished.error.cookieName, 'sessionid');
  assert.equal(s.saveError, finished.error);
  cases += 2;
});

test('a validly signed but malformed payload is Malformed, not a trap', () => {
  // JSON that is not an object, signed with the session salt: refused.
  const token = dumps([1, 2, 3], { secret, clock, salt: 'django.contrib.sessions.backends.signed_cookies' });
  const s = store.loadValue(token);
  assert.ok(s.loadError instanceof Malformed);
  assert.ok(store.loadValue(`${token}x`).loadError instanceof BadSignature);
  cases += 2;
});
