import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import type { Mac } from '../../src/model/mac.ts';
import { addDevices, patchDevice } from '../../src/management/devices.ts';
import { openStore } from '../../src/store/open.ts';

const NOW = new Date('2026-12-04T12:00:00Z');
const MAC = '001565000001' as Mac;

test('a model is a line of printable text: escapes, NUL, an empty or a 65-character one are refused', async () => {
  const store = await openStore({ memory: true });
  try {
    await addDevices(store, [{ mac: '001565000001', vendor: 'yealink', model: 'T54W' }], NOW);
    for (const model of [
      '',
      'T4\u0000\n<b>',
      'T46U\u001b[2J\u001b]0;pwned\u0007',
      'x'.repeat(65),
      'T\ud800',
    ]) {
      await assert.rejects(
        patchDevice(store, '001565000001', { model }, NOW),
        (error: unknown) =>
          isPlugndialError(error) && /model: expected 1 to 64 printable/.test(error.message),
        JSON.stringify(model),
      );
      await assert.rejects(
        addDevices(
          store,
          [{ mac: '001565000002', vendor: 'yealink', model: model || ' \u0007' }],
          NOW,
        ),
      );
    }
    assert.equal((await store.getDevice(MAC))?.model, 'T54W');
    await patchDevice(store, '001565000001', { model: 'CP-8841-3PCC (T)' }, NOW);
  } finally {
    await store.close();
  }
});

test('a key both set and unset in one change is refused, and nothing changes', async () => {
  const store = await openStore({ memory: true });
  try {
    await addDevices(
      store,
      [{ mac: '001565000001', vendor: 'yealink', settings: { 'accounts.1.label': 'Desk' } }],
      NOW,
    );
    await assert.rejects(
      patchDevice(
        store,
        '001565000001',
        { settings: { 'accounts.1.label': 'q' }, unset: ['accounts.1.label'] },
        NOW,
      ),
      /"accounts\.1\.label" is both set and unset/,
    );
    assert.equal((await store.getDevice(MAC))?.settings['accounts.1.label'], 'Desk');
  } finally {
    await store.close();
  }
});
