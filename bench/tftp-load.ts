/**
 * The load client of bench/tftp.ts: plugndial's own tftpGet, `concurrency` transfers at once
 * until `total` are done, each checked byte for byte. Runs in a process of its own so it
 * costs the same whichever server it loads. Prints one JSON line.
 *
 *   node --import tsx bench/tftp-load.ts --port 6969 --file f --expect /dir/f \
 *     [--concurrency 1] [--total 1] [--warmup 0] [--blksize 1468] [--windowsize 1] [--tsize]
 */
import { readFileSync } from 'node:fs';

import { tftpGet } from '../src/simulate/tftp-client.ts';
import type { TftpGetOptions } from '../src/simulate/tftp-client.ts';

export interface LoadResult {
  transfers: number;
  failures: number;
  firstError: string | undefined;
  bytes: number;
  ms: number;
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

function numberArgument(name: string, fallback: number): number {
  const value = argument(name);
  return value === undefined ? fallback : Number(value);
}

async function main(): Promise<void> {
  const port = numberArgument('port', 69);
  const file = argument('file') ?? '';
  const expected = readFileSync(argument('expect') ?? '');
  const concurrency = numberArgument('concurrency', 1);
  const total = numberArgument('total', 1);
  const options: TftpGetOptions = {
    timeoutMs: numberArgument('timeout', 1000),
    retries: 5,
    // Loopback loses nothing; a dallying socket per transfer would only load the client.
    dallyMs: 0,
  };
  const blksize = argument('blksize');
  if (blksize !== undefined) options.blksize = Number(blksize);
  const windowsize = argument('windowsize');
  if (windowsize !== undefined) options.windowsize = Number(windowsize);
  if (process.argv.includes('--tsize')) options.tsize = true;

  const result: LoadResult = { transfers: 0, failures: 0, firstError: undefined, bytes: 0, ms: 0 };
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started += 1;
      try {
        const got = await tftpGet({ host: '127.0.0.1', port, path: file }, options);
        if (!got.equals(expected))
          throw new Error(`${got.length} bytes differ from the ${expected.length} expected`);
        result.bytes += got.length;
      } catch (error) {
        result.failures += 1;
        result.firstError ??= String(error);
      }
      result.transfers += 1;
    }
  };
  // Unmeasured transfers first: a fresh process runs its first transfers unoptimised.
  const warmup = numberArgument('warmup', 0);
  for (let i = 0; i < warmup; i += 1) {
    await tftpGet({ host: '127.0.0.1', port, path: file }, options).catch(() => undefined);
  }
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, () => worker()));
  result.ms = performance.now() - start;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
