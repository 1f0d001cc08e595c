// Bundles a Worker the way wrangler does (esbuild, the "workerd"
// condition, .wasm files kept as separate CompiledWasm modules), into a
// directory Miniflare loads with `modules: true`.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';

/**
 * @param {string} entry the Worker's source file
 * @param {string} outdir where the bundle and its .wasm go
 * @returns {Promise<string>} the bundle's path
 */
export async function bundle(entry, outdir) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { worker: entry },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    loader: { '.wasm': 'copy' },
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  return `${outdir}/worker.mjs`;
}
