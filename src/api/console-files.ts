// The console's pages are static ES modules, read once from src/console/ and served from
// memory: no build step, nothing fetched at run time, and a path outside that folder cannot
// be named (only known file names are served).

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where the console lives on the admin listener. */
export const CONSOLE_PATH = '/console/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Pages may load only what this listener serves, and may not be framed by another site. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

interface ConsoleFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** Set by `npm run build` (scripts/build.mjs), which bundles src/ into the files of dist/. */
declare const PLUGNDIAL_BUNDLE: boolean | undefined;

/**
 * The console's folder: src/console beside src/api in the sources; in the build, whose files
 * all lie in dist/ itself, dist/console (copied there by `npm run build`).
 */
export function consoleFolder(): string {
  const relative = typeof PLUGNDIAL_BUNDLE === 'undefined' ? '../console/' : './console/';
  return fileURLToPath(new URL(relative, import.meta.url));
}

/** Every servable file of the folder by its path under it (`views/devices.js`). */
export function readConsoleFiles(folder: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path, `${prefix}${name}/`);
        continue;
      }
      const ext = /\.[a-z]+$/.exec(name)?.[0] ?? '';
      const type = TYPES[ext];
      if (!type || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
      const body = readFileSync(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      files.set(`${prefix}${name}`, { body, type, etag });
    }
  };
  walk(folder, '');
  return files;
}

/** GET /console/…: the console's files; any other path under it is its page (index.html). */
export async function consoleRoutes(
  app: FastifyInstance,
  options: { folder?: string } = {},
): Promise<void> {
  const files = readConsoleFiles(options.folder ?? consoleFolder());
  const send = (
    reply: FastifyReply,
    file: ConsoleFile,
    ifNoneMatch: string | undefined,
  ): FastifyReply => {
    reply.headers(SECURITY_HEADERS);
    // Revalidated each time: an upgrade's pages show at once, unchanged ones cost a 304.
    reply.header('cache-control', 'no-cache').header('etag', file.etag);
    if (ifNoneMatch === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  const index = files.get('index.html');

  app.get('/', async (_request, reply) => reply.redirect(CONSOLE_PATH));
  app.get('/console', async (_request, reply) => reply.redirect(CONSOLE_PATH));
  app.get('/console/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const file = files.get(name === '' ? 'index.html' : name);
    if (file) return send(reply, file, request.headers['if-none-match']);
    // A missing script or style is a 404; anything else is a page of the console.
    if (/\.[a-z]+$/.test(name) || !index)
      return reply.code(404).headers(SECURITY_HEADERS).send({ code: 'PND_NOT_FOUND' });
    return send(reply, index, request.headers['if-none-match']);
  });
}
