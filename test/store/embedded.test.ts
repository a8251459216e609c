import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import type { Mac } from '../../src/model/mac.ts';
import { isDataDirLocked, openStore } from '../../src/store/open.ts';
import { defineCatalogueSuite } from './catalogue-suite.ts';
import { defineStoreSuite, device, patternSha256, patternStream, profile } from './store-suite.ts';

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-store-'));
  dirs.push(dir);
  return dir;
}

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

defineStoreSuite('embedded (SQLite)', () => openStore({ dataDir: join(tempDir(), 'data') }));
defineCatalogueSuite('embedded (SQLite)', () => openStore({ dataDir: join(tempDir(), 'data') }));

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('embedded data directory', () => {
  test('data survives close and reopen; the directory is private', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await openStore({ dataDir });
    await first.insertProfile(profile('site'));
    await first.insertDevices([device('0015651111a1', { profiles: ['site'] })]);
    await first.putFile('fw.bin', patternStream(300_000), 'application/octet-stream');
    const generation = first.generation();
    await first.close();
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(isDataDirLocked(dataDir), undefined);

    const second = await openStore({ dataDir });
    try {
      assert.equal(second.backend, 'embedded');
      assert.deepEqual((await second.getDevice('0015651111a1' as Mac))?.profiles, ['site']);
      assert.ok(await second.getProfile('site'));
      assert.equal((await second.openFile('fw.bin'))?.sha256, patternSha256(300_000));
      assert.equal(second.generation(), generation);
    } finally {
      await second.close();
    }
  });

  test('a second open while the first is open is refused with the holder pid', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await openStore({ dataDir });
    try {
      assert.equal(
        readFileSync(join(dataDir, 'plugndial.lock'), 'utf8').trim(),
        String(process.pid),
      );
      assert.deepEqual(isDataDirLocked(dataDir), { pid: process.pid });
      await assert.rejects(openStore({ dataDir }), (error: unknown) => {
        assert.ok(isPlugndialError(error));
        assert.equal(error.code, 'PND_DATA_DIR_LOCKED');
        assert.match(error.message, new RegExp(`process ${process.pid}\\b`));
        assert.match(error.message, /management commands/);
        return true;
      });
    } finally {
      await first.close();
    }
    assert.equal(isDataDirLocked(dataDir), undefined);
  });

  test('a lock left by a dead process is taken over', async () => {
    const dataDir = join(tempDir(), 'data');
    const seed = await openStore({ dataDir });
    await seed.insertDevices([device('0015651111b1')]);
    await seed.close();

    const pid = deadPid();
    assert.ok(pid > 0);
    writeFileSync(join(dataDir, 'plugndial.lock'), `${pid}\n`);
    assert.equal(isDataDirLocked(dataDir), undefined);
    const store = await openStore({ dataDir });
    try {
      assert.equal(
        readFileSync(join(dataDir, 'plugndial.lock'), 'utf8').trim(),
        String(process.pid),
      );
      assert.ok(await store.getDevice('0015651111b1' as Mac));
    } finally {
      await store.close();
    }
  });

  test('the lock is released when the holding process exits without closing', () => {
    const dataDir = join(tempDir(), 'data');
    const script = `
      const { openStore } = await import(${JSON.stringify(resolve('src/store/open.ts'))});
      await openStore({ dataDir: process.argv[1] });
      process.stdout.write('locked ' + String(process.pid));
      process.exit(0);`;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, dataDir],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(child.stdout, `locked ${child.pid}`, child.stderr);
    assert.equal(existsSync(join(dataDir, 'plugndial.lock')), false);
  });

  test('a lock held by another live process is respected', async () => {
    const dataDir = join(tempDir(), 'data');
    const seed = await openStore({ dataDir });
    await seed.close();
    // The parent of this test process is alive for as long as the test runs.
    writeFileSync(join(dataDir, 'plugndial.lock'), `${process.ppid}\n`);
    assert.deepEqual(isDataDirLocked(dataDir), { pid: process.ppid });
    await assert.rejects(openStore({ dataDir }), (error: unknown) => {
      assert.ok(isPlugndialError(error));
      assert.equal(error.code, 'PND_DATA_DIR_LOCKED');
      assert.match(error.message, new RegExp(`process ${process.ppid}\\b`));
      return true;
    });
    assert.equal(
      readFileSync(join(dataDir, 'plugndial.lock'), 'utf8').trim(),
      String(process.ppid),
    );
  });
});
