// Cloudflare Workers (workerd): the .wasm file is imported as a compiled
// WebAssembly.Module, as wrangler and workerd do for `.wasm` imports, and
// instantiated synchronously.
import module from '../pkg/signed_session_bg.wasm';
import { initSync } from '../pkg/signed_session.js';

initSync({ module });

export * from './core.js';
