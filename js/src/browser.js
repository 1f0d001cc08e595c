// Browsers, Deno and every other runtime: the module is fetched beside
// this file and instantiated before the exports are used (top-level
// await; bundlers that understand `new URL(..., import.meta.url)` copy it).
import init from '../pkg/signed_session.js';

await init({ module_or_path: new URL('../pkg/signed_session_bg.wasm', import.meta.url) });

export * from './core.js';
