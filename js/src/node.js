// Node.js (and runtimes that resolve the "node" condition, such as Bun):
// the module is read from the package and instantiated synchronously.
import { readFileSync } from 'node:fs';
import { initSync } from '../pkg/signed_session.js';

initSync({ module: readFileSync(new URL('../pkg/signed_session_bg.wasm', import.meta.url)) });

export * from './core.js';
