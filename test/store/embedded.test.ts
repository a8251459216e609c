import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
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

describe('embedded store: files that are not a usable store', () => {
  /** Every file under `dir` with its bytes, to see that nothing was changed. */
  function snapshot(dir: string): string {
    const out: string[] = [];
    const walk = (at: string): void => {
      for (const name of readdirSync(at).sort()) {
        const path = join(at, name);
        if (statSync(path).isDirectory()) walk(path);
        else out.push(`${path}:${readFileSync(path).toString('base64')}`);
      }
    };
    walk(dir);
    return out.join('\n');
  }

  test('a data directory of the earlier engine is refused, says what to do, and is left as it was', async () => {
    const dataDir = join(tempDir(), 'data');
    mkdirSync(join(dataDir, 'pgdata', 'base'), { recursive: true });
    writeFileSync(join(dataDir, 'pgdata', 'PG_VERSION'), '17\n');
    writeFileSync(join(dataDir, 'pgdata', 'base', '1'), Buffer.alloc(8192, 1));
    writeFileSync(join(dataDir, 'admin-token'), 'token\n');
    const before = snapshot(dataDir);
    await assert.rejects(openStore({ dataDir }), (error: unknown) => {
      assert.ok(isPlugndialError(error));
      assert.equal(error.code, 'PND_DATA_DIR');
      assert.match(
        error.message,
        /pgdata holds a store of plugndial 0\.1's embedded engine \(PGlite\)/,
      );
      assert.match(error.message, /left untouched/);
      assert.match(error.message, /--data-dir/);
      return true;
    });
    assert.equal(snapshot(dataDir), before);
  });

  test('a file that is not a database, or one cut short, is named with what to do', async () => {
    const notADatabase = join(tempDir(), 'data');
    mkdirSync(notADatabase);
    writeFileSync(join(notADatabase, 'plugndial.db'), 'mac,vendor\n'.repeat(500));
    await assert.rejects(openStore({ dataDir: notADatabase }), (error: unknown) => {
      assert.ok(isPlugndialError(error));
      assert.match(error.message, /plugndial\.db is not a plugndial database or is damaged/);
      assert.match(error.message, /plugndial restore/);
      return true;
    });
    // The lock is not left behind by a refused open.
    assert.equal(isDataDirLocked(notADatabase), undefined);
    assert.equal(existsSync(join(notADatabase, 'plugndial.lock')), false);

    const cut = join(tempDir(), 'data');
    const store = await openStore({ dataDir: cut });
    await store.insertDevices(
      Array.from({ length: 2_000 }, (_, i) => device(`0015652${i.toString(16).padStart(5, '0')}`)),
    );
    await store.close();
    const file = join(cut, 'plugndial.db');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await assert.rejects(openStore({ dataDir: cut }), (error: unknown) => {
      assert.ok(isPlugndialError(error));
      assert.match(error.message, /plugndial\.db is cut short/);
      return true;
    });
  });

  test('a full disk refuses the change that did not fit and loses nothing stored before', async (t) => {
    if (process.getuid?.() !== 0) {
      if (process.env['CI'])
        throw new Error('the full-disk test mounts a tmpfs and needs root; CI runs as root');
      t.skip('needs root to mount a small tmpfs');
      return;
    }
    const mount = tempDir();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mount]);
    assert.equal(mounted.status, 0, mounted.stderr?.toString());
    try {
      const dataDir = join(mount, 'data');
      const store = await openStore({ dataDir });
      try {
        await store.insertProfile(profile('site'));
        await store.insertDevices([device('0015653333a1', { profiles: ['site'] })]);
        await assert.rejects(
          store.putFile('big.bin', patternStream(8 * 1024 * 1024), 'application/octet-stream'),
          (error: unknown) => {
            assert.ok(isPlugndialError(error));
            assert.equal(error.code, 'PND_DATABASE');
            assert.match(error.message, /disk holding .*plugndial\.db is full/);
            return true;
          },
        );
        await assert.rejects(
          store.insertDevices(
            Array.from({ length: 20_000 }, (_, i) =>
              device(`0015654${i.toString(16).padStart(5, '0')}`, {
                settings: { 'accounts.1.user': 'x'.repeat(200) },
              }),
            ),
          ),
          /is full/,
        );
        assert.equal(await store.openFile('big.bin'), undefined);
        assert.equal(await store.countDevices(), 1);
      } finally {
        await store.close();
      }
      // Room again: the store opens cleanly with what it held.
      assert.equal(spawnSync('mount', ['-o', 'remount,size=64m', mount]).status, 0);
      const reopened = await openStore({ dataDir });
      try {
        assert.deepEqual((await reopened.getDevice('0015653333a1' as Mac))?.profiles, ['site']);
        await reopened.putFile(
          'big.bin',
          patternStream(4 * 1024 * 1024),
          'application/octet-stream',
        );
        assert.equal((await reopened.openFile('big.bin'))?.sha256, patternSha256(4 * 1024 * 1024));
      } finally {
        await reopened.close();
      }
    } finally {
      spawnSync('umount', ['-l', mount]);
    }
  });
});
