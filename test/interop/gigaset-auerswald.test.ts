import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { gigasetDriver } from '../../src/drivers/gigaset/index.ts';
import type { PhoneFetch, PhoneIdentity, PhoneMemory } from '../../src/drivers/driver.ts';
import type { Mac } from '../../src/model/mac.ts';
import { phoneFetch } from '../../src/simulate/fetch.ts';
import { tempDir } from '../support/harness.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';
import { run, serve, type ServeProcess } from '../support/serve.ts';

// Real server processes, managed by the real CLI; both phones played by `plugndial simulate`
// and, for the many runs the version tests need, by the same phone script in this process.
const DOORS = ['--http', '127.0.0.1:0', '--tftp', 'off', '--sip', 'off'];
const GIGASET = '7c2f80000001';
const gigaset: PhoneIdentity = { mac: GIGASET as Mac, vendor: 'gigaset', model: 'Maxwell 3' };

function cli(...args: string[]): string {
  const result = run(args);
  assert.equal(result.code, 0, `${args.join(' ')}\n${result.err}`);
  return result.out;
}

interface Simulated {
  ok: boolean;
  steps: { url: string; applied: boolean }[];
  settings: Record<string, string>;
  memory: Record<string, string>;
}

function simulate(...args: string[]): Simulated {
  return JSON.parse(cli('simulate', ...args, '--json')) as Simulated;
}

/** The phone script in this process, recording the paths it asked for. */
async function play(
  base: string,
  memory?: PhoneMemory,
): Promise<{ asked: string[]; memory: PhoneMemory; settings: Record<string, string> }> {
  const asked: string[] = [];
  const fetch: PhoneFetch = (url, options) => {
    asked.push(new URL(url).pathname);
    return phoneFetch(url, options);
  };
  const played = await gigasetDriver.phone.run(gigaset, `${base}/gigaset/%MACD`, fetch, memory);
  assert.equal(played.ok, true, JSON.stringify(played.steps, null, 1));
  return { asked, memory: played.memory ?? {}, settings: played.settings };
}

describe('one server with an embedded store', () => {
  let dir: string;
  let server: ServeProcess;
  let base: string;
  const start = async (): Promise<void> => {
    server = await serve(['--data-dir', dir, ...DOORS]);
    base = `http://127.0.0.1:${server.ports['http']}`;
  };
  before(async () => {
    dir = tempDir();
    await start();
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a Gigaset phone: the chain once, nothing applied the second time, nor after a restart', async () => {
    cli(
      'device',
      'add',
      '7C:2F:80:00:00:01',
      '--vendor',
      'gigaset',
      '--data-dir',
      dir,
      '--set',
      'accounts.1.user=1001',
      '--set',
      'accounts.1.password=s3cret',
      '--set',
      'accounts.1.registrar=pbx.example.com',
    );
    const state = join(dir, 'maxwell.json');
    const url = `${base}/gigaset/%MACD`;
    const text = run(['simulate', GIGASET, '--vendor', 'gigaset', '--url', url, '--state', state]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^SIP\.Account\.0\.Username=1001$/m);
    assert.match(text.err, /\/nvm\/settings_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.xml \d+ bytes applied/);
    const first = JSON.parse(readFileSync(state, 'utf8')) as Record<string, string>;
    assert.match(first['uvc/nvm'] ?? '', /^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d$/);

    const again = simulate(GIGASET, '--vendor', 'gigaset', '--url', url, '--state', state);
    assert.equal(again.ok, true);
    assert.ok(again.steps.some((s) => s.url.endsWith('/nvm/updates.xml')));
    assert.ok(!again.steps.some((s) => s.url.includes('/nvm/settings_')));
    assert.deepEqual(again.memory, first);

    assert.equal(await server.stop(), 0);
    await start();
    const restarted = simulate(
      GIGASET,
      '--vendor',
      'gigaset',
      '--url',
      `${base}/gigaset/%MACD`,
      '--state',
      state,
    );
    assert.equal(restarted.ok, true);
    assert.ok(!restarted.steps.some((s) => s.url.includes('/nvm/settings_')));
    assert.deepEqual(restarted.memory, first);
  });

  test('an Auerswald phone: references, markers, its serial recorded; render shows its files', () => {
    cli(
      'device',
      'add',
      '00:09:52:00:00:0E',
      '--vendor',
      'auerswald',
      '--data-dir',
      dir,
      '--set',
      'accounts.1.user=2001',
      '--set',
      'accounts.1.password=pw',
      '--set',
      'accounts.1.registrar=pbx.example.com',
    );
    const url = `${base}/auerswald/{mac}.xml?sn={serial}&hw={type}`;
    const args = ['00:09:52:00:00:0E', '--vendor', 'auerswald', '--model', 'D200'];
    const text = run(['simulate', ...args, '--serial', '123412341234', '--url', url]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^identities\/identity\[1\]\/username=2001$/m);
    assert.match(text.out, /^identities\/identity\[2\]\/active=false$/m);
    assert.match(text.err, /auerswald-common\.xml/);
    assert.match(text.err, /00095200000E\/operations\.xml/);
    const shown = JSON.parse(cli('device', 'show', '00095200000e', '--json', '--data-dir', dir));
    assert.equal(shown.reported.serial, '123412341234');
    assert.equal(shown.reported.model, 'D200');
    const rendered = cli('render', GIGASET, `${GIGASET}/nvm/updates.xml`, '--data-dir', dir);
    assert.match(rendered, /<nvm version="1\.0" productID="mx3b" macAddress="7c:2f:80:00:00:01">/);
  });
});

await withPostgres('the two-server test', () => {
  describe('two servers on one PostgreSQL database', () => {
    let postgres: TestPostgres;
    const nodes: { dir: string; server: ServeProcess; base: string }[] = [];
    before(async () => {
      postgres = await startPostgres();
      // Started together: they also race through the migrations, as real nodes would.
      const started = await Promise.all(
        [tempDir(), tempDir()].map(async (dir) => {
          const server = await serve(['--database', postgres.url, '--data-dir', dir, ...DOORS]);
          return { dir, server, base: `http://127.0.0.1:${server.ports['http']}` };
        }),
      );
      nodes.push(...started);
    });
    after(async () => {
      for (const node of nodes) {
        await node.server.stop();
        rmSync(node.dir, { recursive: true, force: true });
      }
      await postgres?.stop();
    });

    test('both nodes give a phone the same UVCs; a change made on one is new on both', async () => {
      const [a, b] = [nodes[0]!, nodes[1]!];
      cli(
        'device',
        'add',
        GIGASET,
        '--vendor',
        'gigaset',
        '--data-dir',
        a.dir,
        '--set',
        'accounts.1.user=1001',
        '--set',
        'accounts.1.registrar=pbx.example.com',
        '--set',
        'accounts.2.user=1002',
        '--set',
        'accounts.2.registrar=pbx.example.com',
      );
      // Both nodes at once, first contact: one version is assigned, both serve it.
      const [fromA, fromB] = await Promise.all([play(a.base), play(b.base)]);
      assert.equal(fromA.memory['uvc/nvm'], fromB.memory['uvc/nvm']);
      const onB = await play(b.base, fromA.memory);
      assert.deepEqual(onB.asked, [
        `/gigaset/${GIGASET.toUpperCase()}`,
        `/gigaset/${GIGASET}/nvm/updates.xml`,
      ]);

      cli('device', 'set', GIGASET, '--set', 'accounts.2.user=1003', '--data-dir', b.dir);
      // Node A hears of the change through LISTEN/NOTIFY; give it a moment.
      const uvcOn = async (base: string): Promise<string | undefined> => {
        const text = await (await fetch(`${base}/gigaset/${GIGASET}/nvm/updates.xml`)).text();
        return /<file version="([^"]+)"/.exec(text)?.[1];
      };
      const newer = await uvcOn(b.base);
      assert.notEqual(newer, fromA.memory['uvc/nvm']);
      let onA = await uvcOn(a.base);
      for (let i = 0; i < 50 && onA !== newer; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        onA = await uvcOn(a.base);
      }
      assert.equal(onA, newer);
      const changed = await play(a.base, onB.memory);
      assert.equal(changed.asked.filter((path) => path.includes('/nvm/settings_')).length, 1);
      assert.equal(changed.settings['SIP.Account.1.Username'], '1003');
      assert.notEqual(changed.memory['uvc/nvm'], fromA.memory['uvc/nvm']);
      const settled = await play(b.base, changed.memory);
      assert.ok(!settled.asked.some((path) => path.includes('/nvm/settings_')));
    });
  });
});
