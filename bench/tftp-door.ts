/**
 * plugndial's TFTP door in a process of its own for bench/tftp.ts, so its RSS is its own.
 * Serves every file of a directory from memory: small files whole (as rendered files come),
 * files over 1 MiB through open() in 64 KiB chunks (as overlay files stream from the store).
 *
 *   node --import tsx bench/tftp-door.ts <dir> [--compiled]   (started by bench/tftp.ts, over IPC)
 *
 * --compiled takes the door from the build in dist/ (loaded as plain JavaScript: tsx leaves
 * .js files as they are), else from the sources through tsx.
 *
 * IPC: sends { port } when listening; answers 'stats' with { stats, rss, maxRss }; exits on 'stop'.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import type { Answer, Provisioner } from '../src/provisioning/request.ts';
import type * as TftpServer from '../src/transports/tftp/server.ts';

const { startTftpDoor } = (await import(
  process.argv.includes('--compiled')
    ? '../dist/transports/tftp/server.js'
    : '../src/transports/tftp/server.ts'
)) as typeof TftpServer;

const STREAM_FROM = 1024 * 1024;
const CHUNK = 64 * 1024;

function memoryProvisioner(dir: string): Provisioner {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name)));
  return {
    async answer(request): Promise<Answer> {
      const bytes = files.get(request.rawPath.replace(/^\/+/, ''));
      const done = (): void => undefined;
      if (bytes === undefined) return { status: 404, contentType: 'text/plain', size: 0, done };
      if (bytes.length < STREAM_FROM) {
        return {
          status: 200,
          contentType: 'application/octet-stream',
          size: bytes.length,
          body: bytes,
          done,
        };
      }
      return {
        status: 200,
        contentType: 'application/octet-stream',
        size: bytes.length,
        // As the store opens a file: the range asked for (end inclusive), else all of it.
        open: (range?: { start: number; end: number }) => {
          const from = range?.start ?? 0;
          const to = range ? range.end + 1 : bytes.length;
          return Readable.from(
            (function* chunks(): Generator<Buffer> {
              for (let at = from; at < to; at += CHUNK)
                yield bytes.subarray(at, Math.min(to, at + CHUNK));
            })(),
            { objectMode: false, highWaterMark: CHUNK },
          );
        },
        done,
      };
    },
  };
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined || process.send === undefined) {
    console.error('usage: started by bench/tftp.ts with a directory and an IPC channel');
    process.exit(2);
  }
  const door = await startTftpDoor({
    provisioner: memoryProvisioner(dir),
    host: '127.0.0.1',
    port: 0,
    // The load comes from one address: the per-client limit would measure the limit.
    maxTransfers: 4096,
    maxTransfersPerClient: 4096,
  });
  process.on('message', (message: unknown) => {
    if (message === 'stats') {
      process.send?.({
        stats: door.stats(),
        rss: process.memoryUsage.rss(),
        maxRss: process.resourceUsage().maxRSS * 1024,
      });
    } else if (message === 'stop') {
      void door.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ port: door.address.port });
}

void main();
