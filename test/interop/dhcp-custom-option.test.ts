// Every custom option code the dhcp command takes makes a snippet its DHCP server loads:
// ISC dhcpd -t, kea-dhcp4 -t and dnsmasq --test, code by code from 128 to 254. A code the
// server cannot carry is refused by the command (exit 2), never written.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

import { cli } from '../support/cli.ts';
import { requirePeer } from '../support/peer.ts';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'pnd-dhcp-codes-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SNIPPET = join(root, 'snippet');
const CHECKS = {
  isc: {
    binary: 'dhcpd',
    apt: 'isc-dhcp-server',
    config: `authoritative;\nsubnet 10.9.0.0 netmask 255.255.255.0 { range 10.9.0.100 10.9.0.199; }\ninclude "${SNIPPET}";\n`,
    argv: (config: string) => ['-t', '-4', '-cf', config],
  },
  kea: {
    binary: 'kea-dhcp4',
    apt: 'kea-dhcp4-server',
    config: `{ "Dhcp4": { "lease-database": { "type": "memfile", "persist": false }, "subnet4": [], <?include "${SNIPPET}" ?> } }\n`,
    argv: (config: string) => ['-t', config],
  },
  dnsmasq: {
    binary: 'dnsmasq',
    apt: 'dnsmasq',
    config: `dhcp-range=10.9.0.100,10.9.0.199\nconf-file=${SNIPPET}\n`,
    argv: (config: string) => ['--test', '-C', config],
  },
} as const;

for (const [format, check] of Object.entries(CHECKS)) {
  test(`${format}: each custom option code is refused by plugndial or loaded by ${check.binary}`, async (t) => {
    if (!requirePeer(t, check.binary, check.apt)) return;
    const config = join(root, `${format}.conf`);
    writeFileSync(config, check.config);
    const refused: number[] = [];
    const failed: string[] = [];
    for (let code = 128; code <= 254; code++) {
      const made = await cli(
        'dhcp',
        '--format',
        format,
        '--custom-option',
        String(code),
        '--public-url',
        'http://10.9.0.1:8080',
        '--data-dir',
        root,
      );
      if (made.code === 2) {
        assert.match(made.err, /--custom-option: .*choose another/, `${code}: ${made.err}`);
        refused.push(code);
        continue;
      }
      assert.equal(made.code, 0, `${code}: ${made.err}`);
      assert.match(made.out, new RegExp(`\\b${code}\\b`), `option ${code} is in the snippet`);
      writeFileSync(SNIPPET, made.out);
      const loaded = await run(check.binary, check.argv(config)).then(
        () => undefined,
        (error: { stdout?: string; stderr?: string }) =>
          `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
      if (loaded !== undefined) failed.push(`${code}: ${loaded.slice(-300)}`);
    }
    assert.deepEqual(failed, [], failed.join('\n'));
    // Refused only where the server could not carry it.
    assert.ok(refused.length <= 10, `refused ${refused.join(' ')}`);
  });
}
