import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Device } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';
import { newSession } from '../../src/tr069/session.ts';
import { SessionTable, type SessionEntry } from '../../src/tr069/session-table.ts';

let made = 0;

/** A session of device `n`, from `address` (none: through a trusted proxy). */
function entry(n: number, address: string | undefined, expires = 1000): SessionEntry {
  const mac = `0c383e20${n.toString(16).padStart(4, '0')}` as Mac;
  return {
    session: newSession(`s${++made}`, 'urn:dslforum-org:cwmp-1-0'),
    device: { mac, vendor: 'fanvil' } as Device,
    events: ['1 BOOT'],
    expires,
    ...(address === undefined ? {} : { address }),
  };
}

test('an address gets its sessions back as they close or expire; a trusted proxy is not counted', () => {
  const table = new SessionTable({ sessions: 100, perAddress: 2 });
  const first = entry(1, '192.0.2.1', 10);
  assert.equal(table.open(first, {}), undefined);
  assert.equal(table.open(entry(2, '192.0.2.1', 20), {}), undefined);
  assert.equal(table.open(entry(3, '192.0.2.1'), {}), 'too-many-sessions-from-address');
  assert.equal(table.open(entry(3, '192.0.2.2'), {}), undefined);
  // Closed twice (the CPE's last answer and an expiry racing it) frees one place, not two.
  table.close(first);
  table.close(first);
  assert.equal(table.open(entry(4, '192.0.2.1'), {}), undefined);
  assert.equal(table.open(entry(5, '192.0.2.1'), {}), 'too-many-sessions-from-address');
  table.expire(20);
  assert.equal(table.open(entry(5, '192.0.2.1'), {}), undefined);
  for (let n = 10; n < 20; n++) assert.equal(table.open(entry(n, undefined), {}), undefined);
  assert.equal(table.size, 13);
});

test('a full table refuses a newcomer but not a device that replaces its own session', () => {
  const table = new SessionTable({ sessions: 3, perAddress: 16 });
  const connection = {};
  for (let n = 1; n <= 3; n++) assert.equal(table.open(entry(n, `192.0.2.${n}`), {}), undefined);
  assert.equal(table.open(entry(4, '192.0.2.4'), connection), 'too-many-sessions');
  assert.equal(table.find(undefined, connection), undefined);
  const again = entry(1, '192.0.2.1');
  assert.equal(table.open(again, connection), undefined);
  assert.equal(table.size, 3);
  assert.equal(table.find(undefined, connection), again);
});
