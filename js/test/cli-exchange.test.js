// Tokens and session cookies exchanged with the native build through its
// command-line tool, in both directions: each dumps vector's payload is
// signed by the package and read by the CLI, and signed by the CLI and
// read by the package (same tokens: both are deterministic at a fixed
// time); the data each session_store vector ends with is saved by the
// package and decoded by the CLI, and encoded by the CLI and loaded by
// the package, which also refuses it past the cookie age.
//
// Needs the CLI (cargo build -p signed-session-cli, or SIGNED_SESSION_CLI):
// missing, it is a failure when CI=true and a skip otherwise.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';

import { Expired, SessionStore, dumps, dumpsJson, loads } from 'signed-session';
import { load, ms } from './vectors.js';

const cli = process.env.SIGNED_SESSION_CLI ?? new URL('../../target/debug/signed-session', import.meta.url).pathname;
if (!existsSync(cli) && process.env.CI === 'true') {
  throw new Error(`CI=true and the native CLI is missing at ${cli} (cargo build -p signed-session-cli)`);
}
const skip = existsSync(cli) ? false : `no native CLI at ${cli} (cargo build -p signed-session-cli)`;

const native = (secret, args) =>
  execFileSync(cli, args, {
    env: { ...process.env, SIGNED_SESSION_SECRET: secret },
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).replace(/\r?\n$/, '');

const all = load();
let count = 0;
after(() => console.log(`exchanges with the native CLI: ${count}`));

describe('dumps payloads with the native CLI', { skip }, () => {
  for (const c of all.dumps) {
    const at = String(c.timestamp);
    const options = { secret: c.secret, salt: c.salt, compress: c.compress, clock: () => ms(c.timestamp) };
    test(`${c.id}: package -> CLI`, () => {
      const token = dumpsJson(c.expected.json, options);
      assert.equal(native(c.secret, ['decode', '--salt', c.salt, '--at', at, token]), c.expected.json);
      count++;
    });
    test(`${c.id}: CLI -> package`, () => {
      const args = ['encode', '--salt', c.salt, '--at', at];
      if (!c.compress) args.push('--no-compress');
      const token = native(c.secret, [...args, c.expected.json]);
      assert.deepEqual(loads(token, options), c.payload);
      assert.equal(dumpsJson(c.expected.json, options), token, 'the same token');
      if (!c.tags.includes('float-repr')) assert.equal(dumps(c.payload, options), token);
      count++;
    });
  }
});

describe('session cookies with the native CLI', { skip }, () => {
  for (const c of all.session_store) {
    const last = c.phases.at(-1);
    const data = last.state_after.data;
    if (data === null || Object.keys(data).length === 0) continue;
    const st = last.settings;
    const store = (now) =>
      new SessionStore({ secret: st.SECRET_KEY, cookieAge: st.SESSION_COOKIE_AGE, enforceExpiry: false, clock: () => ms(now) });
    test(`${c.id}: package -> CLI`, () => {
      const s = store(last.now).load(null);
      for (const [k, v] of Object.entries(data)) s.set(k, v);
      s.save();
      const out = native(st.SECRET_KEY, ['decode', '--at', String(last.now), '--max-age', String(st.SESSION_COOKIE_AGE), s.key]);
      assert.deepEqual(JSON.parse(out), data);
      count++;
    });
    test(`${c.id}: CLI -> package`, () => {
      const cookie = native(st.SECRET_KEY, ['encode', '--at', String(last.now), JSON.stringify(data)]);
      const s = store(last.now + 1).loadValue(cookie);
      assert.equal(s.loadError, null);
      assert.deepEqual(s.toJSON(), data);
      const late = store(last.now + st.SESSION_COOKIE_AGE + 1).loadValue(cookie);
      assert.ok(late.loadError instanceof Expired, 'refused past the cookie age');
      assert.equal(late.size, 0);
      count++;
    });
  }
});
