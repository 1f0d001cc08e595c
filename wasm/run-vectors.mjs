#!/usr/bin/env node
// Runs the golden Django vectors (tests/vectors/django.json) inside the
// signed-session core compiled to wasm32-unknown-unknown, and exchanges
// tokens with the native build through its command-line tool.
//
//   node wasm/run-vectors.mjs [--wasm FILE] [--cli FILE] [--vectors FILE]
//
// Defaults: the release module of this crate, target/debug/signed-session
// (build it with `cargo build -p signed-session-cli`) and the
// vectors file of the main crate. Prints per-section counts, then
// `wasm: N passed, M failed`; exits 1 on any failure.
//
// Payloads must reach the module unchanged: JavaScript's JSON.parse would
// turn 1.0 into 1 and round big integers. So the vectors are read with a
// small parser below that keeps every number as its source text and every
// object as an ordered Map, and requests are written back from that.

import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { values: opts } = parseArgs({
  options: {
    wasm: {
      type: 'string',
      default: path.join(here, 'target/wasm32-unknown-unknown/release/signed_session_wasm.wasm'),
    },
    cli: { type: 'string', default: path.join(root, 'target/debug/signed-session') },
    vectors: { type: 'string', default: path.join(root, 'tests/vectors/django.json') },
  },
});

// ---------------------------------------------------------------- JSON ---

/** A JSON number kept as its source text (`1.0`, `1e+16`, `NaN`, big ints). */
class RawNumber {
  constructor(text) {
    this.text = text;
  }
}

const NUMBER = /-?(?:Infinity|NaN|(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Parses JSON text keeping number text and object order (Map). */
function parseLossless(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (what) => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const sticky = (re) => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) fail(`bad ${re === STRING ? 'string' : 'number'}`);
    i += m[0].length;
    return m[0];
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '"') return JSON.parse(sticky(STRING));
    if (c === '{' || c === '[') {
      const isObject = c === '{';
      const close = isObject ? '}' : ']';
      const out = isObject ? new Map() : [];
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return out;
      }
      for (;;) {
        if (isObject) {
          ws();
          const key = JSON.parse(sticky(STRING));
          ws();
          if (text[i++] !== ':') fail('expected ":"');
          // Map.set keeps the first position and the last value, as a
          // Python dict does for repeated keys.
          out.set(key, value());
        } else {
          out.push(value());
        }
        ws();
        const sep = text[i++];
        if (sep === close) return out;
        if (sep !== ',') fail(`expected "," or "${close}"`);
      }
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return new RawNumber(sticky(NUMBER));
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing data');
  return v;
}

/** ASCII-only JSON text of a value from parseLossless (or plain JS data). */
function stringify(v) {
  if (v === null || v === true || v === false) return String(v);
  if (v instanceof RawNumber) return v.text;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new TypeError(`unsafe JS number ${v}`);
    return String(v);
  }
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
  if (v instanceof Map) {
    return `{${[...v].map(([k, x]) => `${stringify(k)}:${stringify(x)}`).join(',')}}`;
  }
  if (typeof v === 'object') return stringify(new Map(Object.entries(v)));
  throw new TypeError(`cannot write ${typeof v} as JSON`);
}

/** A field of a parsed object, failing loudly when absent. */
function get(map, key) {
  if (!(map instanceof Map) || !map.has(key)) throw new Error(`missing field "${key}"`);
  return map.get(key);
}

// ---------------------------------------------------------------- wasm ---

if (!existsSync(opts.wasm)) {
  console.error(`wasm module not found: ${opts.wasm} (build wasm/ for wasm32-unknown-unknown)`);
  process.exit(1);
}
const wasmBytes = readFileSync(opts.wasm);
const { instance } = await WebAssembly.instantiate(wasmBytes, {});
const ex = instance.exports;
const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasmBytes));
console.log(
  `module: ${path.relative(process.cwd(), opts.wasm)} (${wasmBytes.length} bytes, ` +
    `${imports.length} imports, exports: ${WebAssembly.Module.exports(new WebAssembly.Module(wasmBytes))
      .map((e) => e.name)
      .filter((n) => n.startsWith('ss_'))
      .join(', ')})`,
);

/** Calls an `ss_*` export with a request object; returns the parsed response Map. */
function call(name, request) {
  const text = typeof request === 'string' ? request : stringify(request);
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Error('request is not ASCII');
  const bytes = Buffer.from(text, 'ascii');
  const ptr = ex.ss_alloc(bytes.length);
  new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
  const packed = ex[name](ptr, bytes.length);
  ex.ss_free(ptr, bytes.length);
  const outPtr = Number(packed >> 32n);
  const outLen = Number(packed & 0xffffffffn);
  // Take the view only now: the call may have grown (and moved) memory.
  const out = Buffer.from(new Uint8Array(ex.memory.buffer, outPtr, outLen)).toString('latin1');
  ex.ss_free(outPtr, outLen);
  return parseLossless(out);
}

// --------------------------------------------------------------- checks ---

const all = parseLossless(readFileSync(opts.vectors, 'utf8'));
const tally = new Map();
let passed = 0;
let failed = 0;

class Fail extends Error {}
function check(cond, reason) {
  if (!cond) throw new Fail(reason);
}
function ok(resp, what) {
  if (get(resp, 'ok') !== true) throw new Fail(`${what}: ${get(resp, 'kind')}: ${get(resp, 'error')}`);
  return resp;
}

/** Runs one case; a thrown error fails it and names it. */
function run(section, id, body) {
  const t = tally.get(section) ?? { passed: 0, failed: 0, notes: new Map() };
  tally.set(section, t);
  try {
    const note = body();
    if (note) t.notes.set(note, (t.notes.get(note) ?? 0) + 1);
    t.passed++;
    passed++;
  } catch (e) {
    t.failed++;
    failed++;
    console.log(`FAIL ${section}/${id}: ${e instanceof Fail ? e.message : e.stack}`);
  }
}

// dumps: same JSON bytes, same tokens where uncompressed, and compressed
// tokens (ours and Django's) decode back to the payload.
for (const c of get(all, 'dumps')) {
  const id = get(c, 'id');
  run('dumps', id, () => {
    const exp = get(c, 'expected');
    const mine = ok(call('ss_dumps', c), 'dumps');
    const json = get(mine, 'json');
    check(json === get(exp, 'json'), `JSON differs: ${json} vs ${get(exp, 'json')}`);
    check(json.length === Number(get(exp, 'json_len').text), 'json_len differs');
    const token = get(mine, 'token');
    const djangoCompressed = get(exp, 'compressed');
    const sameDeflate = get(mine, 'zlib_len').text === get(exp, 'zlib_len').text;
    if (!get(c, 'compress') || sameDeflate) {
      check(token.startsWith('.') === djangoCompressed, 'compression decision differs');
    }
    let note = 'uncompressed, byte-identical token';
    if (!token.startsWith('.') && !djangoCompressed) {
      check(token === get(exp, 'token'), `token differs: ${token} vs ${get(exp, 'token')}`);
    } else {
      note = token === get(exp, 'token') ? 'compressed, byte-identical token' : 'compressed, round trip';
    }
    for (const t of [token, get(exp, 'token')]) {
      const back = ok(
        call('ss_loads', { secret: get(c, 'secret'), salt: get(c, 'salt'), token: t, max_age: null, now: get(c, 'timestamp') }),
        `loads of ${t}`,
      );
      check(stringify(get(back, 'value')) === stringify(get(c, 'payload')), `${t} decodes to ${stringify(get(back, 'value'))}`);
      check(get(back, 'timestamp').text === String(Math.trunc(Number(get(c, 'timestamp').text))), 'timestamp');
    }
    return note;
  });
}

// loads: the outcome kind and, when ok, the value.
const PAYLOAD_KINDS = {
  'binascii.Error': 'malformed_base64',
  'zlib.error': 'malformed_zlib',
  'json.decoder.JSONDecodeError': 'malformed_json',
  // Django fails in its base62 / split code on a bad timestamp field.
  'builtins.ValueError': 'malformed_timestamp',
  'builtins.IndexError': 'malformed_timestamp',
};
for (const c of get(all, 'loads')) {
  const id = get(c, 'id');
  run('loads', id, () => {
    const exp = get(c, 'expected');
    const outcome = get(exp, 'outcome');
    const resp = call('ss_loads', c);
    if (outcome === 'ok') {
      ok(resp, 'loads');
      const got = stringify(get(resp, 'value'));
      check(got === stringify(get(exp, 'value')), `value ${got} vs ${stringify(get(exp, 'value'))}`);
      // Which key matched, as the vector descriptions say (0 = current).
      const keyIndex = { ok_fallback_key: 1, ok_second_fallback_key: 2 }[id] ?? 0;
      check(get(resp, 'key_index').text === String(keyIndex), `key_index ${get(resp, 'key_index').text}, expected ${keyIndex}`);
    } else {
      check(get(resp, 'ok') === false, `expected ${outcome}, got ok`);
      const want = {
        BadSignature: 'bad_signature',
        SignatureExpired: 'expired',
        PayloadError: PAYLOAD_KINDS[get(exp, 'python_exception')],
      }[outcome];
      check(want !== undefined, `no kind known for ${outcome} / ${get(exp, 'python_exception')}`);
      check(get(resp, 'kind') === want, `kind ${get(resp, 'kind')} (${get(resp, 'error')}), expected ${want}`);
    }
    return outcome;
  });
}

// A time or an age limit that is not a finite number fails closed: the
// token is refused as expired, in wasm as natively (issue 11, item 3).
for (const c of get(all, 'loads').filter((c) => get(get(c, 'expected'), 'outcome') === 'ok').slice(0, 3)) {
  const id = get(c, 'id');
  for (const [maxAge, now] of [
    ['NaN', get(c, 'now').text],
    ['Infinity', get(c, 'now').text],
    ['60', 'NaN'],
    ['60', '-Infinity'],
  ]) {
    run('fail closed', `${id} max_age=${maxAge} now=${now}`, () => {
      const req = new Map(c);
      req.set('max_age', new RawNumber(maxAge));
      req.set('now', new RawNumber(now));
      const resp = call('ss_loads', req);
      check(get(resp, 'ok') === false, 'a non-finite age check let the token through');
      check(get(resp, 'kind') === 'expired', `kind ${get(resp, 'kind')}, expected expired`);
    });
  }
}

// session_store: each case is replayed by ss_session_case inside the module
// (results, flags, key and data against Django's, enforcement off and on).
// Phases where enforcing the session's own expiry must differ from Django:
const ENFORCED_DIFFERS = { roundtrip_load: [1] };
for (const c of get(all, 'session_store')) {
  const id = get(c, 'id');
  run('session_store', id, () => {
    check(typeof ex.ss_session_case === 'function', 'no ss_session_case export: build with --features vectors');
    const resp = ok(call('ss_session_case', new Map([['case', c]])), 'session_case');
    check(get(resp, 'pass') === true, get(resp, 'reason'));
    const differs = get(resp, 'enforced_differs').map((n) => Number(n.text));
    const want = ENFORCED_DIFFERS[id] ?? [];
    check(JSON.stringify(differs) === JSON.stringify(want), `enforcement differs in phases ${differs}, expected ${want}`);
    return `${get(c, 'phases').length}-phase`;
  });
}

// ------------------------------------------------- exchange with native ---

// Each dumps payload is signed in wasm and decoded by the native CLI, and
// signed by the native CLI and decoded in wasm. Both builds are
// deterministic at a fixed time, so their tokens must also be identical.
if (!existsSync(opts.cli)) {
  console.log(`FAIL exchange: native CLI not found at ${opts.cli} ` +
    '(cargo build -p signed-session-cli)');
  failed++;
} else {
  const native = (secret, args) =>
    execFileSync(opts.cli, args, {
      env: { ...process.env, SIGNED_SESSION_SECRET: secret },
      encoding: 'latin1',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).replace(/\r?\n$/, '');
  for (const c of get(all, 'dumps')) {
    const id = get(c, 'id');
    const secret = get(c, 'secret');
    const salt = get(c, 'salt');
    const at = get(c, 'timestamp').text;
    const json = get(get(c, 'expected'), 'json');
    run('exchange', `${id} wasm->native`, () => {
      const token = get(ok(call('ss_dumps', c), 'dumps'), 'token');
      const out = native(secret, ['decode', '--salt', salt, '--at', at, token]);
      check(out === json, `native decoded ${out}, expected ${json}`);
    });
    run('exchange', `${id} native->wasm`, () => {
      const args = ['encode', '--salt', salt, '--at', at];
      if (!get(c, 'compress')) args.push('--no-compress');
      const token = native(secret, [...args, json]);
      const back = ok(call('ss_loads', { secret, salt, token, max_age: null, now: get(c, 'timestamp') }), 'loads');
      check(stringify(get(back, 'value')) === stringify(get(c, 'payload')), `wasm decoded ${stringify(get(back, 'value'))}`);
      const mine = get(ok(call('ss_dumps', c), 'dumps'), 'token');
      check(mine === token, `wasm token ${mine} differs from native ${token}`);
    });
  }
}

// Session cookies: the data a Django session ended with is saved in wasm
// and read by the native CLI (default salt: the session salt), and saved
// natively and loaded in wasm. The wasm load also checks the cookie age.
if (existsSync(opts.cli)) {
  const native = (secret, args) =>
    execFileSync(opts.cli, args, {
      env: { ...process.env, SIGNED_SESSION_SECRET: secret },
      encoding: 'latin1',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).replace(/\r?\n$/, '');
  for (const c of get(all, 'session_store')) {
    const phases = get(c, 'phases');
    const last = phases[phases.length - 1];
    const data = get(get(last, 'state_after'), 'data');
    if (!(data instanceof Map) || data.size === 0) continue;
    const id = get(c, 'id');
    const settings = get(last, 'settings');
    const secret = get(settings, 'SECRET_KEY');
    const now = get(last, 'now');
    run('session exchange', `${id} wasm->native`, () => {
      const saved = ok(call('ss_session_save', new Map([['settings', settings], ['data', data], ['now', now]])), 'session_save');
      const out = native(secret, ['decode', '--at', now.text, '--max-age', get(settings, 'SESSION_COOKIE_AGE').text, get(saved, 'cookie')]);
      check(out === stringify(data), `native decoded ${out}, expected ${stringify(data)}`);
    });
    run('session exchange', `${id} native->wasm`, () => {
      const cookie = native(secret, ['encode', '--at', now.text, stringify(data)]);
      const later = new RawNumber(String(Number(now.text) + 1));
      const loaded = ok(call('ss_session_load', new Map([['settings', settings], ['cookie', cookie], ['now', later]])), 'session_load');
      const err = get(loaded, 'load_error');
      check(err === null, `refused: ${err && get(err, 'error')}`);
      check(stringify(get(loaded, 'data')) === stringify(data), `wasm loaded ${stringify(get(loaded, 'data'))}`);
      // Past the cookie age, the same cookie must be refused as expired.
      const tooLate = new RawNumber(String(Number(now.text) + Number(get(settings, 'SESSION_COOKIE_AGE').text) + 1));
      const expired = ok(call('ss_session_load', new Map([['settings', settings], ['cookie', cookie], ['now', tooLate]])), 'session_load');
      check(get(expired, 'load_error') !== null && get(get(expired, 'load_error'), 'kind') === 'expired', 'not refused past SESSION_COOKIE_AGE');
      check(get(expired, 'data').size === 0, 'an expired cookie kept its data');
    });
  }
}

// --------------------------------------------------------------- report ---

for (const [section, t] of tally) {
  const notes = [...t.notes].map(([k, n]) => `${n} ${k}`).join(', ');
  console.log(`${section}: ${t.passed} passed, ${t.failed} failed${notes ? ` (${notes})` : ''}`);
}
console.log(`wasm: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
