import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import { ConfigChanges } from '../../src/store/config-changes.ts';
import { migrate } from '../../src/store/migrations.ts';
import { openSqliteClient } from '../../src/store/sqlite-client.ts';
import type { StoreChange } from '../../src/store/store.ts';

// A configuration change whose commit was made but not confirmed (the log's sync failed
// after COMMIT) is refused to its caller as maybe lost; this node's caches must follow what
// the database now holds all the same, as they would a change heard from another node.

test('a change made but not confirmed still moves this node’s generation, and listeners hear it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-changes-'));
  let failing = false;
  const client = openSqliteClient(join(dir, 'plugndial.db'), {
    syncLog: (log) =>
      failing ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : log.datasync(),
  });
  try {
    await migrate(client);
    const changes = new ConfigChanges(client, false);
    await changes.start(undefined);
    const before = changes.generation();
    const heard: StoreChange[] = [];
    changes.onChange((change) => heard.push(change));
    failing = true;
    await assert.rejects(
      changes.commit('profile', async (tx) => {
        await tx.query(
          `INSERT INTO profiles (name, settings, created_at, updated_at)
           VALUES ('unsure', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
        );
        return { result: undefined, keys: ['unsure'] };
      }),
      (error: unknown) => isPlugndialError(error) && error.code === 'PND_DATABASE',
    );
    failing = false;
    const rows = await client.query<{ generation: number }>(
      'SELECT generation FROM meta WHERE id = 1',
    );
    assert.equal(rows[0]?.generation, before + 1, 'the change was made');
    assert.equal(changes.generation(), before + 1, 'and this node knows it');
    assert.ok(
      heard.some((c) => c.entity === 'profile' && c.generation === before + 1),
      JSON.stringify(heard),
    );
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
