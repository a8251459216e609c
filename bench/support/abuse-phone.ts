/**
 * The legitimate phone of bench/abuse.ts, in a process of its own: the abusive clients load
 * the bench's event loop, and the phone's timings must not wait on them. Fetches its
 * configuration over every door, `samples` times each one after another (the idle server),
 * or all doors at once again and again until `until` (the server under abuse); prints the
 * latencies as one JSON line.
 *
 *   node --import tsx bench/support/abuse-phone.ts '{"ports":{…},"certificate":"…","samples":15}'
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { fanvilCpe } from '../../src/drivers/fanvil/tr069.ts';
import type { Mac } from '../../src/model/mac.ts';
import { runCpe, type CpeMemory } from '../../src/simulate/cwmp.ts';
import { phoneFetch, phoneFetcher } from '../../src/simulate/fetch.ts';

export const PHONE = '0021f2000001';
export const CPE = '0c383e000001' as Mac;
export const DOORS = ['http', 'https', 'ftp', 'acs', 'tftp'] as const;
export type Door = (typeof DOORS)[number];
/** The phone's own patience: a fetch that fails is tried again, as phones do, this often. */
const ATTEMPTS = 3;

export interface PhoneSamples {
  ms: number[];
  /** Fetches that needed more than one attempt, and ones that failed every attempt. */
  retried: number;
  failed: number;
}

export interface PhoneRun {
  ports: Record<string, number>;
  /** The server's self-signed certificate: the phone trusts it, as one given its CA does. */
  certificate: string;
  samples?: number;
  until?: number;
}

function phoneOver(run: PhoneRun): Record<Door, () => Promise<boolean>> {
  const port = run.ports;
  const https = phoneFetcher({ ca: readFileSync(run.certificate) });
  const file =
    (door: Door, fetch = phoneFetch) =>
    async (): Promise<boolean> =>
      (await fetch(`${door}://127.0.0.1:${port[door]}/${PHONE}.cfg`)).status === 200;
  let memory: CpeMemory = {};
  return {
    http: file('http'),
    https: file('https', https),
    ftp: file('ftp'),
    tftp: file('tftp'),
    acs: async () => {
      const session = await runCpe({
        acsUrl: `http://127.0.0.1:${port['acs']}/`,
        mac: CPE,
        description: fanvilCpe({ mac: CPE, vendor: 'fanvil', model: 'X4' }),
        fetch: phoneFetch,
        memory,
        timeoutMs: 30_000,
      });
      memory = session.memory;
      return session.ok;
    },
  };
}

async function sample(fetch: () => Promise<boolean>, samples: PhoneSamples): Promise<void> {
  const start = performance.now();
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const ok = await fetch().catch(() => false);
    if (ok) {
      samples.ms.push(performance.now() - start);
      if (attempt > 1) samples.retried += 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  samples.failed += 1;
}

async function main(run: PhoneRun): Promise<Record<Door, PhoneSamples>> {
  const phone = phoneOver(run);
  const samples = Object.fromEntries(
    DOORS.map((door) => [door, { ms: [], retried: 0, failed: 0 }]),
  ) as unknown as Record<Door, PhoneSamples>;
  if (run.until === undefined) {
    for (const door of DOORS)
      for (let i = 0; i < (run.samples ?? 15); i += 1) await sample(phone[door], samples[door]);
    return samples;
  }
  const until = run.until;
  await Promise.all(
    DOORS.map(async (door) => {
      while (Date.now() < until) {
        await sample(phone[door], samples[door]);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }),
  );
  return samples;
}

// Run as a script by bench/abuse.ts, which imports this file's constants and types too.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(JSON.parse(process.argv[2]!) as PhoneRun).then(
    (samples) => {
      console.log(JSON.stringify(samples));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
