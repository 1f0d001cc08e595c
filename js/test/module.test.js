// What the wasm module may reach outside itself: no clock (the core is
// built without its clock feature; the time comes from the JavaScript
// clock passed in), nothing but wasm-bindgen's error and string glue.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const bytes = readFileSync(new URL('../pkg/signed_session_bg.wasm', import.meta.url));

test('the module imports no clock and no host API beyond the glue', () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => i.name);
  const allowed = /^__wbg_(Error|__wbindgen_throw|__wbindgen_string_get)_[0-9a-f]+$|^__wbindgen_object_drop_ref$/;
  for (const name of imports) assert.match(name, allowed, `unexpected import ${name}`);
  assert.ok(!imports.some((n) => /date|now|time|random/i.test(n)));
});

test('no std::time code in the module', () => {
  const text = bytes.toString('latin1');
  // (The core's "no clock configured" panic is linked, as the default a
  // SessionConfig replaces at once with the module's clock; never read.)
  // std's SystemTime::now on this target panics with this message.
  assert.ok(!text.includes('time not implemented on this platform'), 'std::time::SystemTime::now is linked');
});
