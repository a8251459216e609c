import assert from 'node:assert/strict';

import { Ledger, sleep, type ServerUnderTest } from './support.ts';
import type { CrashWork } from './work.ts';

const LANES = 4;
/** Devices the API writes make: a prefix of their own, apart from the import's. */
const PREFIX = '0015a1';
const PROFILE_PREFIX = 'crash-';
const USER = 'accounts.1.user';

const mac = (round: number, lane: number, n: number): string =>
  `${PREFIX}${round.toString(16).padStart(2, '0')}${lane.toString(16)}${n.toString(16).padStart(3, '0')}`;

const same = (a: string, b: string): boolean => a === b;

interface DeviceRow {
  mac: string;
  settings: Record<string, string>;
}

interface ProfileRow {
  name: string;
  settings: Record<string, string>;
}

/**
 * Devices and profiles made, changed and removed through the API by four writers until the
 * kill, at 100–700 ms. A device is posted, patched, and every third one deleted; every
 * fourth step a profile is posted and patched. Each writer notes a change before it sends
 * it and again when it is answered.
 */
export class ApiWrites implements CrashWork {
  readonly kind = 'API writes';
  readonly #devices = new Ledger<string>();
  readonly #profiles = new Ledger<string>();
  readonly #unexpected: string[] = [];
  #answered = 0;
  #cut = 0;

  async crash(server: ServerUnderTest, next: () => number, round: number): Promise<void> {
    let stop = false;
    const send = async (method: string, path: string, body?: unknown): Promise<boolean> => {
      const answer = await server.call(method, path, body);
      if (answer.status >= 200 && answer.status < 300) {
        this.#answered += 1;
        return true;
      }
      this.#unexpected.push(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return false;
    };
    const writer = async (lane: number): Promise<void> => {
      for (let n = 0; !stop && n < 4096; n += 1) {
        const device = mac(round, lane, n);
        try {
          this.#devices.sent(device, `u${n}`);
          const settings = { [USER]: `u${n}` };
          if (!(await send('POST', '/devices', { mac: device, vendor: 'yealink', settings })))
            return;
          this.#devices.answered(device, `u${n}`);
          this.#devices.sent(device, `v${n}`);
          if (!(await send('PATCH', `/devices/${device}`, { settings: { [USER]: `v${n}` } })))
            return;
          this.#devices.answered(device, `v${n}`);
          if (n % 3 === 2) {
            this.#devices.sent(device, null);
            if (!(await send('DELETE', `/devices/${device}`))) return;
            this.#devices.answered(device, null);
          }
          if (n % 4 === 3) {
            const name = `${PROFILE_PREFIX}${round}-${lane}-${n}`;
            this.#profiles.sent(name, `p${n}`);
            if (!(await send('POST', '/profiles', { name, settings: { [USER]: `p${n}` } }))) return;
            this.#profiles.answered(name, `p${n}`);
            this.#profiles.sent(name, `q${n}`);
            const patch = { settings: { [USER]: `q${n}` } };
            if (!(await send('PATCH', `/profiles/${name}`, patch))) return;
            this.#profiles.answered(name, `q${n}`);
          }
        } catch {
          this.#cut += 1; // the server is gone
          return;
        }
      }
    };
    const lanes = Array.from({ length: LANES }, (_, lane) => writer(lane));
    await sleep(100 + Math.floor(next() * 600));
    await server.kill();
    stop = true;
    await Promise.all(lanes);
  }

  async verify(server: ServerUnderTest, when: string): Promise<void> {
    assert.deepEqual(this.#unexpected, [], `${when}: every API write was answered 2xx`);
    const devices = await server.get<DeviceRow[]>('/devices?vendor=yealink&limit=100000');
    const found = new Map(
      devices.filter((d) => d.mac.startsWith(PREFIX)).map((d) => [d.mac, d.settings[USER]]),
    );
    for (const m of found.keys())
      assert.ok(this.#devices.has(m), `${when}: device ${m} was never sent`);
    for (const m of [...this.#devices.keys()])
      this.#devices.check(m, found.has(m) ? (found.get(m) ?? '') : null, when, same);
    const profiles = await server.get<ProfileRow[]>('/profiles');
    const named = new Map(
      profiles
        .filter((p) => p.name.startsWith(PROFILE_PREFIX))
        .map((p) => [p.name, p.settings[USER]]),
    );
    for (const name of named.keys())
      assert.ok(this.#profiles.has(name), `${when}: profile ${name} was never sent`);
    for (const name of [...this.#profiles.keys()])
      this.#profiles.check(name, named.has(name) ? (named.get(name) ?? '') : null, when, same);
  }

  summary(): string {
    return `${this.#answered} writes answered, ${this.#cut} writers cut by the kill`;
  }

  meaningful(): boolean {
    return this.#answered > 0;
  }
}
