// The real Workers runtime (workerd, through Miniflare): a Worker using
// the package, the Hono example and the Rust Worker of examples-edge/,
// each on its own port, exchange session cookies over real HTTP with the
// native command-line tool and with a running Django, in both directions:
// a counter passed around, login (cycleKey), logout (flush), expiry and a
// tampered cookie. Every exchange is counted and the counts printed.
//
// Needs: js/pkg (js/build.sh), the native CLI (cargo build -p
// signed-session-cli), the Rust Worker's wasm-bindgen output (RUST_WORKER,
// made by .ci/js.sh) and Python with Django (SIGNED_SESSION_DJANGO_PYTHON
// or target/django-venv/bin/python). What is missing is a failure when
// CI=true, and skipped with the reason otherwise.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';

import { bundle } from './build.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(root, 'target/js/workerd');
const CI = process.env.CI === 'true';
const SECRET = 'workerd-exchange-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const COOKIE_AGE = 1209600;

const cli = process.env.SIGNED_SESSION_CLI ?? path.join(root, 'target/debug/signed-session');
const rustWorker = process.env.RUST_WORKER ?? path.join(root, 'target/js/rust-worker');
const python = process.env.SIGNED_SESSION_DJANGO_PYTHON ?? path.join(root, 'target/django-venv/bin/python');

const missing = [];
if (!existsSync(path.join(here, '../pkg/signed_session_bg.wasm'))) missing.push('js/pkg (run js/build.sh)');
if (!existsSync(cli)) missing.push(`the native CLI at ${cli} (cargo build -p signed-session-cli)`);
if (!existsSync(path.join(rustWorker, 'worker.js'))) missing.push(`the Rust Worker's bindings in ${rustWorker} (.ci/js.sh builds them)`);
if (!existsSync(python)) missing.push(`Python with Django at ${python} (.ci/setup-django.sh)`);
const skip = missing.length > 0 && !CI ? `missing ${missing.join('; ')}` : false;
if (missing.length > 0 && CI) throw new Error(`CI=true and the workerd suite cannot run: missing ${missing.join('; ')}`);

// ---------------------------------------------------------------- servers ---

const servers = {};
const instances = [];
let django = null;

async function startWorker(name, entry) {
  const script = await bundle(entry, path.join(out, name));
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: path.dirname(script),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-09-01',
    bindings: { SECRET_KEY: SECRET },
  });
  instances.push(mf);
  return (await mf.ready).href;
}

function startDjango() {
  return new Promise((resolve, reject) => {
    django = spawn(python, [path.join(here, 'django_app.py')], {
      env: { ...process.env, SECRET_KEY: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    django.on('error', reject);
    django.stdout.setEncoding('utf8');
    let seen = '';
    django.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) resolve(`${m[1]}/`);
    });
    django.on('exit', (code) => reject(new Error(`django_app.py exited with ${code}`)));
  });
}

// The Rust Worker's entry: wasm-bindgen's bindings (--target web) and the
// module, instantiated at start-up, as worker-build's shim would.
function rustShim() {
  const shim = path.join(rustWorker, 'shim.mjs');
  writeFileSync(
    shim,
    "import module from './worker_bg.wasm';\n" +
      "import { initSync, fetch } from './worker.js';\n" +
      'initSync({ module });\n' +
      'export default { fetch };\n',
  );
  return shim;
}

// ------------------------------------------------------------- exchanges ---

const tally = {};
let total = 0;
function exchanged(kind, from, to) {
  tally[kind] ??= {};
  const pair = `${from}->${to}`;
  tally[kind][pair] = (tally[kind][pair] ?? 0) + 1;
  total++;
}

/** A GET with the session cookie (or none); the response's session cookie. */
async function visit(server, route, cookie) {
  const headers = cookie ? { cookie: `sessionid=${cookie}` } : {};
  const r = await fetch(new URL(route, servers[server]), { headers, redirect: 'manual' });
  const body = await r.text();
  assert.equal(r.status, 200, `${server} ${route}: ${r.status} ${body}`);
  const line = r.headers.getSetCookie().find((c) => c.startsWith('sessionid='));
  let set = null;
  let deleted = false;
  if (line) {
    const value = line.split(';')[0].slice('sessionid='.length);
    deleted = value === '""' || value === '' || /max-age=0\b/i.test(line);
    set = deleted ? null : value;
  }
  return { body, set, deleted, vary: r.headers.get('vary') };
}

function native(args) {
  return execFileSync(cli, args, {
    env: { ...process.env, SIGNED_SESSION_SECRET: SECRET },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}
/** The CLI's session cookie for this JSON, signed now or `at` Unix seconds. */
const encode = (json, at) => native(['encode', ...(at === undefined ? [] : ['--at', String(at)]), json]);
/** The data of a session cookie, as the CLI reads it (with the cookie age). */
const decode = (cookie) => JSON.parse(native(['decode', '--max-age', String(COOKIE_AGE), cookie]));

const WORKERS = ['js-worker', 'hono', 'rust-worker'];
const ALL = [...WORKERS, 'django'];
// The Rust example has only / and /logout.
const WITH_LOGIN = ['js-worker', 'hono', 'django'];
const ENFORCES_EXPIRY = { 'js-worker': true, hono: true, 'rust-worker': true, django: false };
const visits = (body) => Number(/visit number (\d+)/.exec(body)?.[1]);
const now = () => Math.floor(Date.now() / 1000);

describe('workerd: cookies exchanged with the native CLI and Django', { skip }, () => {
  before(async () => {
    servers['js-worker'] = await startWorker('js-worker', path.join(here, 'js-worker.js'));
    servers.hono = await startWorker('hono', path.join(here, '../examples/hono/app.js'));
    servers['rust-worker'] = await startWorker('rust-worker', rustShim());
    servers.django = await startDjango();
  });

  after(async () => {
    django?.kill();
    await Promise.all(instances.map((mf) => mf.dispose()));
    const lines = Object.entries(tally).map(
      ([kind, pairs]) => `  ${kind}: ${Object.values(pairs).reduce((a, b) => a + b, 0)} (${Object.entries(pairs).map(([p, n]) => `${p} ${n}`).join(', ')})`,
    );
    console.log(`workerd exchanges over HTTP: ${total}\n${lines.join('\n')}`);
  });

  test('counter: a cookie passed around every server, and to and from the CLI', async () => {
    let cookie = null;
    let from = null;
    const route = [...ALL, ...ALL, 'js-worker'];
    for (const [i, server] of route.entries()) {
      const r = await visit(server, '/', cookie);
      assert.equal(visits(r.body), i + 1, `${server} after ${from}`);
      assert.equal(r.vary, 'Cookie');
      assert.ok(r.set, `${server} set a cookie`);
      assert.deepEqual(decode(r.set), { visits: i + 1 }, `the CLI reads ${server}'s cookie`);
      exchanged('counter', server, 'cli');
      if (from) exchanged('counter', from, server);
      cookie = r.set;
      from = server;
    }
    for (const server of ALL) {
      const r = await visit(server, '/', encode('{"visits":41}'));
      assert.equal(visits(r.body), 42, server);
      exchanged('counter', 'cli', server);
      assert.deepEqual(decode(r.set), { visits: 42 });
    }
  });

  test('login: cycleKey gives a new cookie value that every other server reads', async () => {
    for (const server of WITH_LOGIN) {
      const before = encode('{"visits":3}');
      const r = await visit(server, `/login?user=${server}-user`, before);
      assert.ok(r.set && r.set !== before, `${server} sent a new cookie value`);
      assert.deepEqual(decode(r.set), { visits: 3, user: `${server}-user` });
      exchanged('login', 'cli', server);
      exchanged('login', server, 'cli');
      for (const other of ALL.filter((s) => s !== server)) {
        if (WITH_LOGIN.includes(other)) {
          const who = JSON.parse((await visit(other, '/whoami', r.set)).body);
          assert.deepEqual(who.data, { visits: 3, user: `${server}-user` }, `${other} reads ${server}'s login`);
        } else {
          const c = await visit(other, '/', r.set);
          assert.equal(visits(c.body), 4, `${other} reads ${server}'s login`);
          assert.deepEqual(decode(c.set), { visits: 4, user: `${server}-user` });
        }
        exchanged('login', server, other);
      }
    }
  });

  test('logout: flush deletes the cookie, and the next visit starts over', async () => {
    for (const server of ALL) {
      for (const source of ['cli', ...ALL.filter((s) => s !== server)]) {
        const cookie = source === 'cli' ? encode('{"visits":7,"user":"bob"}') : (await visit(source, '/', null)).set;
        const r = await visit(server, '/logout', cookie);
        assert.ok(r.deleted, `${server} deleted ${source}'s cookie`);
        exchanged('logout', source, server);
      }
      assert.equal(visits((await visit(server, '/', null)).body), 1);
    }
  });

  test('expiry: too old for the cookie age, and past the session\'s own expiry', async () => {
    const old = encode('{"visits":9}', now() - COOKIE_AGE - 60);
    for (const server of ALL) {
      const r = await visit(server, '/', old);
      assert.equal(visits(r.body), 1, `${server} refuses a cookie older than the cookie age`);
      exchanged('expiry', 'cli', server);
    }
    // Signed 10 s ago with a 1-second idle expiry: Rust and the package
    // enforce it; Django does not (a documented difference).
    const lapsed = encode('{"visits":5,"_session_expiry":1}', now() - 10);
    for (const server of ALL) {
      const r = await visit(server, '/', lapsed);
      assert.equal(visits(r.body), ENFORCES_EXPIRY[server] ? 1 : 6, server);
      exchanged('expiry', 'cli', server);
    }
    // A short expiry set by each server that has the route travels to the others.
    for (const server of WITH_LOGIN) {
      const r = await visit(server, '/expiry?seconds=120', encode('{"visits":2}'));
      assert.equal(decode(r.set)._session_expiry, 120, `${server} stored the expiry`);
      for (const other of ALL.filter((s) => s !== server)) {
        const o = await visit(other, '/', r.set);
        assert.equal(visits(o.body), 3, `${other} reads ${server}'s expiry`);
        assert.equal(decode(o.set)._session_expiry, 120);
        exchanged('expiry', server, other);
      }
    }
  });

  test('tampered: a changed signature is refused everywhere and replaced', async () => {
    for (const source of ['cli', ...ALL]) {
      const good = source === 'cli' ? encode('{"visits":20}') : (await visit(source, '/', null)).set;
      const last = good.at(-1);
      const bad = good.slice(0, -1) + (last === 'A' ? 'B' : 'A');
      for (const server of ALL.filter((s) => s !== source)) {
        const r = await visit(server, '/', bad);
        assert.equal(visits(r.body), 1, `${server} refused ${source}'s tampered cookie`);
        assert.ok(r.set && r.set !== bad, `${server} replaced it`);
        if (WITH_LOGIN.includes(server) && server !== 'django') {
          const who = JSON.parse((await visit(server, '/whoami', bad)).body);
          assert.equal(who.refused, 'bad_signature');
        }
        exchanged('tampered', source, server);
      }
    }
  });
});
