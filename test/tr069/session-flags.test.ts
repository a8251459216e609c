import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';

import { loadServerConfig } from '../../src/config/server-config.ts';
import { silentLogger } from '../../src/log.ts';
import { addDevices } from '../../src/management/devices.ts';
import { startServer } from '../../src/server.ts';
import { tempDir } from '../support/harness.ts';
import { RawCpe, informBody } from './raw.ts';

// --acs-sessions-per-address reaches the running ACS: the second CPE from one address is
// refused, and the refusal is a limit-reached security event naming the flag.
test('--acs-sessions-per-address 1: a second CPE from the address is told 503, and it is recorded', async () => {
  const dir = tempDir();
  const config = loadServerConfig({
    flags: {
      'data-dir': dir,
      http: '127.0.0.1:0',
      tftp: 'off',
      sip: 'off',
      acs: '127.0.0.1:0',
      admin: 'off',
      'acs-sessions-per-address': '1',
    },
    env: {},
  });
  assert.equal(config.security?.limits.acsSessionsPerAddress, 1);
  const server = await startServer(config, silentLogger);
  const macs = ['0c383e200001', '0c383e200002'];
  const cpes = macs.map(() => new RawCpe(`http://127.0.0.1:${server.addresses.acs!.port}/`));
  try {
    await addDevices(
      server.runtime.store,
      macs.map((mac) => ({ mac, vendor: 'fanvil', model: 'X4' })),
      new Date(),
    );
    const first = await cpes[0]!.post(informBody({ events: ['1 BOOT'], serial: macs[0] }));
    assert.equal(first.status, 200);
    const second = await cpes[1]!.post(informBody({ events: ['1 BOOT'], serial: macs[1] }));
    assert.equal(second.status, 503);
    assert.equal(second.headers['retry-after'], '10');
    let events: { kind: string; detail?: string }[] = [];
    for (let i = 0; i < 100 && events.length === 0; i += 1) {
      events = (
        await server.runtime.store.querySecurityEvents({ kind: 'limit-reached', limit: 10 })
      ).filter((e) => e.detail?.includes('--acs-sessions-per-address'));
      if (events.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(events.length, 1, 'a limit-reached event');
    assert.match(
      events[0]!.detail!,
      /^acs --acs-sessions-per-address: a new session refused: 1 open from this address/,
    );
  } finally {
    for (const cpe of cpes) cpe.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
