// The boot storm's short version (bench/storm.ts --quick, 500 phones) as CI runs it: every
// phone of the mixed fleet boots on plugndial and on its static anchor (nginx, tftpd-hpa),
// and each door a storm switched on served files. A missing peer fails under CI.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { requirePeer } from '../support/peer.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface StormSummary {
  storms: {
    name: string;
    doors: string[];
    phones: number;
    failed: number;
    files: number;
    images: number;
    schemes: Record<string, number>;
    cwmp?: { phones: number; sessions: number; downloads: number };
  }[];
  targets: { target: string; ok: boolean; figure: string }[];
}

describe('bench/storm.ts --quick', () => {
  it('boots 500 phones on every storm, each switched-on door serving files', async (t) => {
    if (!requirePeer(t, 'nginx', 'nginx')) return;
    if (!requirePeer(t, 'in.tftpd', 'tftpd-hpa')) return;
    const dir = await mkdtemp(join(tmpdir(), 'plugndial-storm-test-'));
    try {
      const json = join(dir, 'storm.json');
      const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'bench/storm.ts', '--quick', '--json', json],
          { cwd: ROOT, timeout: 480_000, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) =>
            resolve({
              code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
              output: `${stdout}${stderr}`,
            }),
        );
      });
      assert.equal(run.code, 0, run.output);
      const summary = JSON.parse(await readFile(json, 'utf8')) as StormSummary;
      const names = summary.storms.map((storm) => storm.name).join('\n');
      // Three plugndial storms (HTTP; HTTP and TFTP; TFTP, HTTPS, FTP and the ACS), two anchors.
      assert.equal(summary.storms.length, 5, names);
      assert.ok(
        summary.storms.some((storm) => storm.name.includes('tftpd-hpa')),
        names,
      );
      for (const storm of summary.storms) {
        assert.equal(storm.phones, 500, storm.name);
        assert.equal(storm.failed, 0, `${storm.name}\n${run.output}`);
        // Every switched-on door, FTP (Poly's) and the ACS (its CPEs' Downloads) among them,
        // served files in its storm.
        for (const door of storm.doors)
          assert.ok((storm.schemes[door] ?? 0) > 0, `${storm.name}: nothing over ${door}`);
        assert.ok(storm.images > 0, `${storm.name}: no firmware check fetched an image`);
      }
      // A twentieth of the fleet (Fanvil phones) booted as CPEs: a session to fetch, one to report.
      const cpes = summary.storms.find((storm) => storm.doors.includes('acs'))?.cwmp;
      assert.equal(cpes?.phones, 25, names);
      assert.ok(cpes.sessions >= 2 * cpes.phones, JSON.stringify(cpes));
      assert.ok(cpes.downloads >= cpes.phones, JSON.stringify(cpes));
      assert.deepEqual(summary.storms.flatMap((storm) => storm.doors).sort(), [
        'acs',
        'ftp',
        'http',
        'http',
        'http',
        'http',
        'https',
        'tftp',
        'tftp',
        'tftp',
      ]);
      assert.ok(
        summary.targets.some((target) => target.target.startsWith('0 failed')),
        'the targets are printed',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
