// Every golden Django vector (dumps, loads, session_store, middleware)
// through the package's public API, under Node's test runner. Each vector
// is its own test, named by its id; the counts are printed at the end.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import {
  BadSignature,
  Expired,
  Malformed,
  SessionStore,
  dumps,
  dumpsJson,
  loads,
  loadsDetailed,
  loadsJson,
} from 'signed-session';
import { load, ms } from './vectors.js';

const all = load();
const counts = {};
const count = (section, note) => {
  counts[section] ??= { total: 0 };
  counts[section].total++;
  if (note) counts[section][note] = (counts[section][note] ?? 0) + 1;
};
after(() => {
  const line = Object.entries(counts)
    .map(([s, c]) => `${s} ${c.total}${Object.keys(c).length > 1 ? ` (${Object.entries(c).filter(([k]) => k !== 'total').map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`)
    .join('; ');
  console.log(`golden vectors through the public API: ${line}`);
});

const at = (seconds) => () => ms(seconds);

describe('dumps', () => {
  for (const c of all.dumps) {
    test(c.id, () => {
      const exp = c.expected;
      const options = { secret: c.secret, salt: c.salt, compress: c.compress, clock: at(c.timestamp) };
      // Python's exact JSON text, signed as it is.
      const fromJson = dumpsJson(exp.json, options);
      // The JavaScript value (Python floats such as 1.0 are plain numbers here).
      const fromValue = dumps(c.payload, options);
      const opts = { ...options, maxAge: null };
      let note;
      if (!exp.compressed && !fromJson.startsWith('.')) {
        assert.equal(fromJson, exp.token, 'token of the JSON text');
        note = 'byte-identical token';
      } else {
        assert.ok(fromJson.startsWith('.') === exp.compressed, 'compression decision');
        note = fromJson === exp.token ? 'compressed, byte-identical token' : 'compressed, round trip';
      }
      assert.equal(loadsJson(fromJson, opts), exp.json, 'our token carries Django\'s JSON');
      assert.equal(loadsJson(exp.token, opts), exp.json, 'Django\'s token reads back as its JSON');
      if (c.tags.includes('float-repr')) {
        // 1.0 and 1 are one number in JavaScript: the value path writes
        // integral numbers as integers; the value survives the trip.
        assert.deepEqual(loads(fromValue, opts), c.payload);
        note += '; value path: JS numbers';
      } else {
        assert.equal(fromValue, fromJson, 'the value path signs the same token');
      }
      assert.deepEqual(loads(exp.token, opts), c.payload, 'Django\'s token decodes to the payload');
      assert.equal(loadsDetailed(exp.token, opts).signedAt.getTime(), Math.trunc(c.timestamp) * 1000);
      count('dumps', note);
    });
  }
});

const PAYLOAD_KINDS = {
  'binascii.Error': 'malformed_base64',
  'zlib.error': 'malformed_zlib',
  'json.decoder.JSONDecodeError': 'malformed_json',
  'builtins.ValueError': 'malformed_timestamp',
  'builtins.IndexError': 'malformed_timestamp',
};

describe('loads', () => {
  for (const c of all.loads) {
    test(c.id, () => {
      const exp = c.expected;
      const options = {
        secret: c.secret,
        salt: c.salt,
        fallbackKeys: c.fallback_keys,
        maxAge: c.max_age,
        clock: at(c.now),
      };
      if (exp.outcome === 'ok') {
        const got = loadsDetailed(c.token, options);
        assert.deepEqual(got.value, exp.value);
        const keyIndex = { ok_fallback_key: 1, ok_second_fallback_key: 2 }[c.id] ?? 0;
        assert.equal(got.keyIndex, keyIndex);
      } else {
        const [cls, kind] = {
          BadSignature: [BadSignature, 'bad_signature'],
          SignatureExpired: [Expired, 'expired'],
          PayloadError: [Malformed, PAYLOAD_KINDS[exp.python_exception]],
        }[exp.outcome];
        assert.throws(() => loads(c.token, options), (e) => e instanceof cls && e.kind === kind);
      }
      count('loads', exp.outcome);
    });
  }
});

describe('fail closed', () => {
  // A time or an age limit that is not a finite number refuses the token.
  for (const c of all.loads.filter((c) => c.expected.outcome === 'ok').slice(0, 3)) {
    for (const [maxAge, now] of [
      [NaN, ms(c.now)],
      [Infinity, ms(c.now)],
      [60, NaN],
      [60, -Infinity],
    ]) {
      test(`${c.id} maxAge=${maxAge} now=${now}`, () => {
        const options = { secret: c.secret, salt: c.salt, fallbackKeys: c.fallback_keys, maxAge, clock: () => now };
        assert.throws(() => loads(c.token, options), (e) => e instanceof Expired && e.kind === 'expired');
        count('fail closed');
      });
    }
  }
});

// ------------------------------------------------------ session_store ---

function storeFor(settings, now, enforce) {
  return new SessionStore({
    secret: settings.SECRET_KEY,
    fallbackKeys: settings.SECRET_KEY_FALLBACKS ?? [],
    cookieAge: settings.SESSION_COOKIE_AGE,
    expireAtBrowserClose: settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
    useTz: settings.USE_TZ,
    enforceExpiry: enforce,
    // The backend's compress=True: tokens byte-identical to Django's.
    compression: 'django',
    clock: () => ms(now),
  });
}

const KEY_ERROR = { raises: 'KeyError' };

/** One op of the vectors' op language, through the public Session API. */
function runOp(s, op) {
  const [name, ...a] = op;
  switch (name) {
    case 'set':
      s.set(a[0], a[1]);
      return undefined;
    case 'get': {
      const v = s.get(a[0]);
      return v === undefined ? (a.length > 1 ? a[1] : null) : v;
    }
    case 'getitem': {
      const v = s.get(a[0]);
      return v === undefined ? KEY_ERROR : v;
    }
    case 'contains':
    case 'has_key':
      return s.has(a[0]);
    case 'pop': {
      if (!s.has(a[0])) return a.length > 1 ? a[1] : KEY_ERROR;
      const v = s.get(a[0]);
      s.delete(a[0]);
      return v;
    }
    case 'setdefault':
      if (s.has(a[0])) return s.get(a[0]);
      s.set(a[0], a[1]);
      return a[1];
    case 'update':
      for (const [k, v] of Object.entries(a[0])) s.set(k, v);
      s.modified = true; // Django's update() marks the session even when empty
      return undefined;
    case 'delitem':
      return s.delete(a[0]) ? undefined : KEY_ERROR;
    case 'keys':
      return s.keys();
    case 'items':
      return s.entries();
    case 'clear':
      s.clear();
      return undefined;
    case 'flush':
      s.flush();
      return undefined;
    case 'cycle_key':
      // Django's signed_cookies cycle_key() saves at once.
      s.cycleKey();
      s.save();
      return undefined;
    case 'save':
      s.save();
      return undefined;
    case 'set_expiry':
      s.setExpiry(a[0]);
      return undefined;
    case 'set_expiry_timedelta':
      s.setExpiry({ seconds: a[0] });
      return undefined;
    case 'set_expiry_datetime':
      s.setExpiry(new Date(a[0]));
      return undefined;
    case 'set_test_cookie':
      s.setTestCookie();
      return undefined;
    case 'test_cookie_worked':
      return s.testCookieWorked();
    case 'delete_test_cookie':
      return s.deleteTestCookie() ? undefined : KEY_ERROR;
    case 'get_expiry_age':
      return s.getExpiryAge();
    case 'get_expiry_date':
      return s.getExpiryDate();
    case 'get_expire_at_browser_close':
      return s.getExpireAtBrowserClose();
    case 'is_empty':
      return s.isEmpty();
    case 'mark_modified':
      s.modified = true;
      return undefined;
    case 'mutate_nested_append': {
      // Django appends in place and does not notice; values read from the
      // package are copies, so the same state is set and the flag restored.
      const modified = s.modified;
      const list = s.get(a[0]);
      list.push(a[1]);
      s.set(a[0], list);
      s.modified = modified;
      return undefined;
    }
    default:
      throw new Error(`unknown op ${name}`);
  }
}

/** Django's result for comparison: dates as instants. */
function same(got, want, what) {
  if (got instanceof Date) {
    const iso = /[zZ]|[+-]\d\d:\d\d$/.test(want) ? want : `${want}Z`;
    assert.equal(got.getTime(), new Date(iso).getTime(), what);
  } else {
    assert.deepEqual(got, want, what);
  }
}

function checkPhase(phase, enforce) {
  const store = storeFor(phase.settings, phase.now, enforce);
  const s = store.load(phase.cookie_in === null ? null : `sessionid=${phase.cookie_in}`);
  const results = [];
  for (const op of phase.ops) {
    const r = runOp(s, op);
    if (r !== undefined) results.push({ op, r });
  }
  const want = phase.results;
  assert.equal(results.length, want.length, 'number of results');
  results.forEach((r, i) => same(r.r, want[i].result, `result of ${JSON.stringify(r.op)}`));
  const state = phase.state_after;
  // The flags first: reading the data sets accessed.
  assert.equal(s.modified, state.modified, 'modified');
  assert.equal(s.accessed, state.accessed, 'accessed');
  if (state.session_key !== null && state.session_key.startsWith('.') && s.key !== state.session_key) {
    const ours = store.load(`sessionid=${s.key}`).toJSON();
    const theirs = store.load(`sessionid=${state.session_key}`).toJSON();
    assert.deepEqual(ours, theirs, 'compressed session key carries Django\'s data');
  } else {
    assert.equal(s.key, state.session_key, 'session key');
  }
  if (state.data !== null) assert.deepEqual(s.toJSON(), state.data, 'data');
  s.free();
  store.free();
}

// Phases where enforcing the session's own expiry must differ from Django.
const ENFORCED_DIFFERS = { roundtrip_load: [1] };

describe('session_store', () => {
  for (const c of all.session_store) {
    test(c.id, () => {
      c.phases.forEach((phase, i) => {
        checkPhase(phase, false);
        if ((ENFORCED_DIFFERS[c.id] ?? []).includes(i)) {
          const store = storeFor(phase.settings, phase.now, true);
          const s = store.load(`sessionid=${phase.cookie_in}`);
          assert.ok(s.loadError instanceof Expired, 'refused past its own expiry');
          assert.equal(s.get('anything'), undefined);
          assert.ok(s.modified, 'the refused cookie is replaced');
        } else {
          checkPhase(phase, true);
        }
      });
      count('session_store', `${c.phases.length}-phase`);
    });
  }
});

// --------------------------------------------------------- middleware ---

/** `Set-Cookie` parts: name, value and attributes (lower-cased names). */
function parseSetCookie(line) {
  const [pair, ...attrs] = line.split(';').map((p) => p.trim());
  const eq = pair.indexOf('=');
  let value = pair.slice(eq + 1);
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
  const attributes = {};
  for (const a of attrs.filter(Boolean)) {
    const i = a.indexOf('=');
    if (i < 0) attributes[a.toLowerCase()] = '';
    else attributes[a.slice(0, i).trim().toLowerCase()] = a.slice(i + 1).trim();
  }
  return { name: pair.slice(0, eq), value, attributes };
}

function expectedAttributes(attrs) {
  return Object.fromEntries(
    Object.entries(attrs).map(([k, v]) => [k.toLowerCase(), v === true ? '' : String(v)]),
  );
}

describe('middleware', () => {
  for (const c of all.middleware) {
    test(c.id, async () => {
      const st = c.settings;
      const store = new SessionStore({
        secret: st.SECRET_KEY,
        fallbackKeys: st.SECRET_KEY_FALLBACKS,
        cookieAge: st.SESSION_COOKIE_AGE,
        expireAtBrowserClose: st.SESSION_EXPIRE_AT_BROWSER_CLOSE,
        useTz: st.USE_TZ,
        enforceExpiry: false,
        compression: 'django',
        cookieName: st.SESSION_COOKIE_NAME,
        cookieDomain: st.SESSION_COOKIE_DOMAIN,
        cookiePath: st.SESSION_COOKIE_PATH,
        cookieSecure: st.SESSION_COOKIE_SECURE,
        cookieHttpOnly: st.SESSION_COOKIE_HTTPONLY,
        cookieSameSite: st.SESSION_COOKIE_SAMESITE,
        saveEveryRequest: st.SESSION_SAVE_EVERY_REQUEST,
        clock: at(c.now),
      });
      const headers = c.request_cookie === null ? {} : { cookie: `other=1; ${st.SESSION_COOKIE_NAME}=${c.request_cookie}` };
      const request = new Request('http://testserver/', { headers });
      const results = [];
      const response = await store.handle(request, (session) => {
        for (const op of c.view_ops) {
          const r = runOp(session, op);
          if (r !== undefined) results.push(r);
        }
        const h = c.preexisting_vary ? { vary: c.preexisting_vary } : {};
        return new Response('ok', { status: c.response_status, headers: h });
      });
      assert.deepEqual(results, c.view_results.map((r) => r.result), 'view results');
      const ours = response.headers.getSetCookie();
      const want = c.expected.cookie;
      if (want === null) {
        assert.deepEqual(ours, [], 'no Set-Cookie');
      } else {
        assert.equal(ours.length, 1, `one Set-Cookie: ${ours}`);
        const got = parseSetCookie(ours[0]);
        assert.equal(got.name, st.SESSION_COOKIE_NAME);
        assert.deepEqual(got.attributes, expectedAttributes(want.attributes), 'attributes');
        assert.deepEqual(got.attributes, parseSetCookie(want.set_cookie_header).attributes, 'attributes of Django\'s header');
        assert.equal(got.value, want.value, 'cookie value');
        assert.equal(ours[0], want.set_cookie_header, 'Django\'s exact header text');
        if (want.value !== '') {
          const back = store.loadValue(got.value);
          assert.deepEqual(back.toJSON(), want.decoded, 'decoded data');
        }
      }
      assert.equal(response.headers.get('vary'), c.expected.vary, 'Vary');
      count('middleware', want === null ? 'no cookie' : want.value === '' ? 'deleted' : 'set');
      store.free();
    });
  }
});
