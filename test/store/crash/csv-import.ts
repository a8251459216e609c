import assert from 'node:assert/strict';

import { Ledger, sleep, type ServerUnderTest } from './support.ts';
import type { CrashWork } from './work.ts';

const ROWS = 10_000;
const PREFIX = '0015ee';
const USER = 'accounts.1.user';
const KEY = 'the imported devices';

const mac = (i: number): string => `${PREFIX}${i.toString(16).padStart(6, '0')}`;
const user = (generation: number, i: number): string => `g${generation}-${i}`;

interface DeviceRow {
  mac: string;
  settings: Record<string, string>;
}

/**
 * One CSV of 10,000 devices posted to the API, killed at a moment drawn between its sending
 * and 1.3 times as long as a check of the same file took just before: the kills land while
 * it is read and parsed, in its transaction, and after it. Each round's file gives every row
 * a user of its own generation (`update=true`), so "all or none" is checkable every time:
 * after a restart every row has one generation, the answered one or the one in flight — or,
 * before any import was answered, there are no rows at all.
 */
export class CsvImport implements CrashWork {
  readonly kind = 'CSV import';
  readonly #ledger = new Ledger<number>((g) => (g === null ? 'absent' : `generation ${g}`));
  readonly #outcomes = { answered: 0, cut: 0 };
  /** How long each round's check of its file took: the import's own time, roughly. */
  readonly #took: number[] = [];
  readonly #unexpected: string[] = [];

  async crash(server: ServerUnderTest, next: () => number, round: number): Promise<void> {
    const generation = round + 1;
    const rows = Array.from(
      { length: ROWS },
      (_, i) => `${mac(i)},fanvil,X3S,${user(generation, i)}`,
    );
    const csv = `mac,vendor,model,${USER}\n${rows.join('\n')}\n`;
    // The same file checked first (the whole import, rolled back) says how long the import
    // takes on this machine under its load at the moment: the kill is drawn from 0 to 1.3
    // times that after the real one is sent.
    const checkedAt = Date.now();
    const check = await server.call(
      'POST',
      '/devices/import?update=true&check=true',
      csv,
      'text/csv',
    );
    assert.equal(
      check.status,
      200,
      `the check of import ${generation}: ${JSON.stringify(check.body)}`,
    );
    const takes = Date.now() - checkedAt;
    this.#took.push(takes);
    this.#ledger.sent(KEY, generation);
    const importing = server.call('POST', '/devices/import?update=true', csv, 'text/csv').then(
      (answer) => {
        if (answer.status === 201) {
          this.#ledger.answered(KEY, generation);
          this.#outcomes.answered += 1;
        } else this.#unexpected.push(`${answer.status} ${JSON.stringify(answer.body)}`);
      },
      () => {
        this.#outcomes.cut += 1;
      },
    );
    await sleep(Math.floor(next() * 1.3 * takes));
    await server.kill();
    await importing;
  }

  async verify(server: ServerUnderTest, when: string): Promise<void> {
    assert.deepEqual(this.#unexpected, [], `${when}: every import was answered 201`);
    if (!this.#ledger.has(KEY)) return;
    const devices = (await server.get<DeviceRow[]>('/devices?vendor=fanvil&limit=100000')).filter(
      (d) => d.mac.startsWith(PREFIX),
    );
    if (devices.length === 0) return this.#ledger.check(KEY, null, when, Object.is);
    assert.equal(devices.length, ROWS, `${when}: ${devices.length} of ${ROWS} imported rows`);
    const generation = Number(/^g(\d+)-/.exec(devices[0]?.settings[USER] ?? '')?.[1]);
    const mixed = devices.filter(
      (d) => d.settings[USER] !== user(generation, parseInt(d.mac.slice(6), 16)),
    );
    assert.deepEqual(
      mixed.slice(0, 3).map((d) => `${d.mac} ${d.settings[USER]}`),
      [],
      `${when}: ${mixed.length} rows are not of generation ${generation}: an import half applied`,
    );
    this.#ledger.check(KEY, generation, when, Object.is);
  }

  summary(): string {
    const { answered, cut } = this.#outcomes;
    return `${answered} imports answered before the kill, ${cut} cut by it (checks took ${this.#took.join(', ')} ms)`;
  }

  meaningful(): boolean {
    return this.#outcomes.answered + this.#outcomes.cut > 0;
  }
}
