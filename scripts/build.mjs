// `npm run build` (run by `npm ci` through prepare, and by `npm pack`): dist/ is what
// bin/plugndial and the installed package run with plain node.
//
// The sources are bundled with esbuild rather than compiled file by file: Node.js loads each
// ES module on its own, and the 300-odd files of src/ plus fastify's CommonJS tree cost a
// management command without a server over half its time (bench/footprint.ts: 380 ms →
// 220 ms). Code loaded on demand (the PostgreSQL client, the routes of one command) stays in
// chunks of its own, so nothing starts slower. Types are checked by `npm run typecheck`.
import { cpSync, rmSync } from 'node:fs';

import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
await build({
  // The server and CLI, and the TFTP door alone for bench/tftp-door.ts.
  entryPoints: ['src/main.ts', 'src/transports/tftp/server.ts'],
  outbase: 'src',
  outdir: 'dist',
  // Every chunk beside dist/main.js, so that code finding files beside it (the console) finds
  // them wherever the bundler put that code.
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // A native addon, a logger that starts worker threads by file name, and a client with an
  // optional native part: loaded from node_modules as they are.
  external: ['better-sqlite3', 'pino', 'pg'],
  // The bundled CommonJS packages require Node's modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  define: { PLUGNDIAL_BUNDLE: 'true' },
  logLevel: 'warning',
});
cpSync('src/console', 'dist/console', { recursive: true });
