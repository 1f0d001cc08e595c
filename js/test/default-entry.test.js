// The package's "default" entry (browsers, Deno): the module is fetched
// from beside the file and instantiated with top-level await. Node's
// fetch does not read file: URLs, so this test serves them itself; each
// test file runs in its own process, so the Node entry is not loaded here.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

test('the default entry fetches and instantiates the module', async () => {
  const realFetch = globalThis.fetch;
  const fetched = [];
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'file:') return realFetch(input, init);
    fetched.push(url.pathname);
    return new Response(await readFile(url), { headers: { 'content-type': 'application/wasm' } });
  };
  try {
    const pkg = await import('../src/browser.js');
    assert.deepEqual(fetched.map((p) => p.split('/').at(-1)), ['signed_session_bg.wasm']);
    const options = { secret: 'default-entry-secret', clock: () => 1_700_000_000_000 };
    assert.deepEqual(pkg.loads(pkg.dumps({ a: [1, 2n ** 64n] }, options), options), { a: [1, 2n ** 64n] });
    const store = new pkg.SessionStore(options);
    const s = store.load(null);
    s.set('k', 'v');
    assert.match(s.save(), /^sessionid=eyJrIjoidiJ9:/);
  } finally {
    globalThis.fetch = realFetch;
  }
});
