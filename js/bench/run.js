// One benchmark run of the package in Node.js, against a plain-JavaScript
// baseline, on the payloads P1-P3 of benches/ (Django-made tokens, as the
// signed_cookies backend writes them: compressed):
//
//   loads:         the package's loads(token)            vs  baseline verify + decode + parse
//   session + get: store.load(header), one get, free()   vs  the same baseline, then one key
//
// The baseline is node:crypto HMAC-SHA256 (the derived key computed once,
// a timing-safe compare), Buffer base64url, node:zlib inflateSync and
// JSON.parse: no age check, no Python JSON rules, no limits. Each pair is
// timed interleaved (alternating slices, the median of the per-slice
// ratios), so the machine's drift lands on both sides.
//
// Then the instantiation of the module: compiling it (WebAssembly.Module),
// importing the package in a fresh Node process, and the start of a
// workerd Worker that imports the package against an empty one.
//
//   node bench/run.js [--quick]

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

import { SessionStore, loads } from 'signed-session';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const data = JSON.parse(readFileSync(path.join(here, '../../benches/data/tokens.json'), 'utf8'));
const secret = data.secret_key;
const salt = data.salt;
const clock = () => (data.timestamp + 1) * 1000;

// ------------------------------------------------------------- baseline ---

const key = createHash('sha256').update(`${salt}signer${secret}`).digest();

function baselineLoads(token) {
  const sigAt = token.lastIndexOf(':');
  const signed = token.slice(0, sigAt);
  const expected = createHmac('sha256', key).update(signed).digest();
  const given = Buffer.from(token.slice(sigAt + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature');
  let body = signed.slice(0, signed.lastIndexOf(':'));
  const compressed = body.startsWith('.');
  if (compressed) body = body.slice(1);
  let bytes = Buffer.from(body, 'base64url');
  if (compressed) bytes = inflateSync(bytes);
  return JSON.parse(bytes.toString('latin1'));
}

function baselineSessionGet(header) {
  const at = header.indexOf('sessionid=') + 'sessionid='.length;
  const end = header.indexOf(';', at);
  return baselineLoads(header.slice(at, end < 0 ? undefined : end))._auth_user_id;
}

// -------------------------------------------------------------- package ---

const store = new SessionStore({ secret, clock });
const options = { secret, salt, clock };

function packageSessionGet(header) {
  const session = store.load(header);
  const v = session.get('_auth_user_id');
  session.free();
  return v;
}

// ---------------------------------------------------------------- timing ---

function perCall(f, arg, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f(arg);
  return Number(process.hrtime.bigint() - t0) / n;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Interleaved slices of `ours` and `base`: median times and the median ratio. */
function pair(ours, base, arg) {
  const slices = quick ? 8 : 24;
  // Calls per slice: about 25 ms of the slower one.
  for (let i = 0; i < 2000; i++) {
    ours(arg);
    base(arg);
  }
  const probe = Math.max(perCall(ours, arg, 2000), perCall(base, arg, 2000));
  const n = Math.max(200, Math.round((quick ? 10e6 : 25e6) / probe));
  const a = [];
  const b = [];
  const r = [];
  for (let s = 0; s < slices; s++) {
    const x = s % 2 === 0 ? perCall(ours, arg, n) : 0;
    const y = perCall(base, arg, n);
    const z = s % 2 === 1 ? perCall(ours, arg, n) : x;
    a.push(z);
    b.push(y);
    r.push(z / y);
  }
  return { ours: median(a), base: median(b), ratio: median(r) };
}

const us = (ns) => `${(ns / 1000).toFixed(2)} µs`;
const rows = [];
for (const name of ['p1', 'p2', 'p3']) {
  const p = data.payloads[name];
  const token = p.compressed;
  // Both sides must read the same data.
  const want = JSON.stringify(baselineLoads(token));
  if (JSON.stringify(loads(token, options)) !== want) throw new Error(`${name}: the package and the baseline disagree`);
  const header = `csrftoken=abc; sessionid=${token}`;
  if (packageSessionGet(header) !== baselineSessionGet(header)) throw new Error(`${name}: get disagrees`);
  const l = pair((t) => loads(t, options), baselineLoads, token);
  rows.push([name.toUpperCase(), p.json_len, 'loads', l]);
  const s = pair(packageSessionGet, baselineSessionGet, header);
  rows.push([name.toUpperCase(), p.json_len, 'session load + one get', s]);
}

console.log(`Node ${process.version}, ${process.arch}; one run${quick ? ' (--quick)' : ''}; tokens made by Django ${data.django} (compressed)\n`);
console.log('| payload | JSON bytes | operation | package | baseline | package / baseline |');
console.log('|---|---|---|---|---|---|');
for (const [name, len, op, t] of rows) {
  console.log(`| ${name} | ${len} | ${op} | ${us(t.ours)} | ${us(t.base)} | ${t.ratio.toFixed(2)}x |`);
}
const p1 = rows.find((r) => r[0] === 'P1' && r[2] === 'session load + one get')[3].ratio;
console.log(`\ntarget: session load + one get on P1 within 1.5x of the baseline: ${p1.toFixed(2)}x, ${p1 <= 1.5 ? 'met' : 'NOT met'}`);

// -------------------------------------------------------- instantiation ---

const wasmPath = path.join(here, '../pkg/signed_session_bg.wasm');
const bytes = readFileSync(wasmPath);
const compile = [];
for (let i = 0; i < 7; i++) {
  const t0 = performance.now();
  new WebAssembly.Module(bytes);
  compile.push(performance.now() - t0);
}
const imports = [];
for (let i = 0; i < (quick ? 3 : 7); i++) {
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', "const t0 = performance.now(); await import('signed-session'); console.log(performance.now() - t0);"],
    { cwd: path.join(here, '..'), encoding: 'utf8' },
  );
  imports.push(Number(out.trim()));
}
console.log('\ninstantiation');
console.log(`- Node, compiling the module (new WebAssembly.Module, ${bytes.length} bytes): ${median(compile).toFixed(2)} ms (median of 7)`);
console.log(`- Node, importing the package in a fresh process (read, compile, instantiate, the JS): ${median(imports).toFixed(2)} ms (median of ${imports.length})`);

try {
  const { Miniflare } = await import('miniflare');
  const { bundle } = await import('../workerd/build.js');
  const out = path.join(here, '../../target/js/bench');
  const start = async (entry, name) => {
    const script = await bundle(entry, path.join(out, name));
    const t0 = performance.now();
    const mf = new Miniflare({
      modules: true,
      scriptPath: script,
      modulesRoot: path.dirname(script),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2025-09-01',
    });
    await mf.ready;
    const r = await mf.dispatchFetch('http://localhost/');
    await r.text();
    const ms = performance.now() - t0;
    await mf.dispose();
    return ms;
  };
  const withPkg = [];
  const empty = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    empty.push(await start(path.join(here, '../workerd/empty-worker.js'), 'empty'));
    withPkg.push(await start(path.join(here, '../workerd/timing-worker.js'), 'timing'));
  }
  console.log(
    `- workerd (Miniflare), start and first response: ${median(withPkg).toFixed(1)} ms with the package, ` +
      `${median(empty).toFixed(1)} ms for an empty Worker: ${(median(withPkg) - median(empty)).toFixed(1)} ms for the module ` +
      `(medians of ${withPkg.length}; workerd's clock does not move inside a request, so this is timed from outside)`,
  );
} catch (e) {
  console.log(`- workerd: not measured (${e.message})`);
}
