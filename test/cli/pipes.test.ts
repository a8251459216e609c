import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../support/harness.ts';
import { BIN, serve, type ServeProcess, httpOnly } from '../support/serve.ts';

// Output reaches a pipe whole, however slowly the reader reads, and the exit status comes
// after the last byte; a command whose request to the server is cut never claims success.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Shell {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a shell pipeline (a real pipe between the processes, not Node's socket pair). */
function shell(script: string, timeoutMs = 120_000): Promise<Shell> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', `set -o pipefail; ${script}`],
      { timeout: timeoutMs, maxBuffer: 64 << 20 },
      (error, out, err) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

function runBin(args: string[]): Promise<Shell> {
  return new Promise((resolve) => {
    execFile(BIN, args, { timeout: 120_000, maxBuffer: 64 << 20 }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

function q(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

async function addDevices(dir: string, api: string, count: number): Promise<void> {
  const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const devices = Array.from({ length: count }, (_, i) => ({
    mac: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    vendor: 'yealink',
    settings: {
      'accounts.1.user': String(1000 + i),
      'accounts.1.registrar': 'pbx.example.com',
      'accounts.1.label': `Desk ${i} on the second floor, by the window`,
      'accounts.2.user': String(2000 + i),
      'accounts.2.registrar': 'pbx2.example.com',
      'accounts.2.label': `Second line of desk ${i}, for the reception's overflow calls`,
    },
  }));
  const response = await fetch(`${api}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ devices }),
  });
  assert.equal(response.status, 201, await response.text());
}

const DEVICES = 1800;
let dir: string;
let server: ServeProcess;
let api: string;

before(async () => {
  dir = tempDir();
  server = await serve(httpOnly(dir));
  api = `http://127.0.0.1:${server.ports['http']}/api/v1`;
  await addDevices(dir, api, DEVICES);
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('device list (JSON and table) reaches a slow pipe whole, over 1 MiB, and then exits 0', async () => {
  const file = join(dir, 'list.json');
  const whole = await shell(`${q(BIN)} device list --json --data-dir ${q(dir)} > ${q(file)}`);
  assert.equal(whole.code, 0, whole.err);
  const size = statSync(file).size;
  assert.ok(size > 1 << 20, `the list is ${size} bytes; the test wants more than 1 MiB`);

  const slow = await shell(`${q(BIN)} device list --json --data-dir ${q(dir)} | (sleep 2; wc -c)`);
  assert.equal(slow.code, 0, slow.err);
  assert.equal(Number(slow.out.trim()), size);

  const table = await shell(`${q(BIN)} device list --data-dir ${q(dir)} | (sleep 2; wc -l)`);
  assert.equal(table.code, 0, table.err);
  assert.equal(Number(table.out.trim()), DEVICES + 1);
});

test('a reader that stops early (head) ends the command without a crash report', async () => {
  const r = await shell(
    `${q(BIN)} device list --json --data-dir ${q(dir)} | head -c 100 > /dev/null`,
  );
  assert.doesNotMatch(r.err, /EPIPE|Error:|at .*\(/);
});

test('a command whose work never settles exits 1 with a message, not 0', async () => {
  // Nothing keeps the event loop alive and the promise never settles: Node's default exit
  // code would be 0, which a script takes for success.
  const script = `import(${JSON.stringify(join(ROOT, 'src/cli/process-exit.ts'))}).then((m) => m.runAsProcess(() => new Promise(() => {})))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1, err);
  assert.match(err, /stopped before it finished/);
});

/**
 * A proxy in front of the server's admin API that kills the server at one moment of the
 * request: as it arrives, after it was forwarded (with a delay), or as the answer starts
 * (forwarding part of it).
 */
type Moment = { at: 'arrival' } | { at: 'forwarded'; delayMs: number } | { at: 'answer' };

async function killingProxy(
  target: number,
  moment: Moment,
  kill: () => void,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    sockets.add(client);
    const upstream = connectTcp(target, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (first && moment.at === 'arrival') {
        first = false;
        kill();
        return;
      }
      upstream.write(chunk);
      if (first && moment.at === 'forwarded') setTimeout(kill, moment.delayMs);
      first = false;
    });
    let answered = false;
    upstream.on('data', (chunk: Buffer) => {
      if (moment.at === 'answer' && !answered) {
        answered = true;
        client.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
        kill();
        client.destroy();
        return;
      }
      if (!answered || moment.at !== 'answer') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}

test('with the server killed mid-request, device set never exits 0 without the change stored', async () => {
  const killDir = tempDir();
  const mac = '0021f2000001';
  const start = (): Promise<ServeProcess> =>
    serve(['--data-dir', killDir, '--http', '127.0.0.1:0', '--tftp', 'off', '--sip', 'off']);
  let running: ServeProcess | undefined;
  try {
    const moments: Moment[] = [
      { at: 'arrival' },
      { at: 'forwarded', delayMs: 0 },
      { at: 'forwarded', delayMs: 5 },
      { at: 'forwarded', delayMs: 25 },
      { at: 'answer' },
    ];
    running = await start();
    const added = await runBin([
      'device',
      'add',
      mac,
      '--vendor',
      'flyingvoice',
      '--data-dir',
      killDir,
    ]);
    assert.equal(added.code, 0, added.err);
    let refused = 0;
    for (const [round, moment] of moments.entries()) {
      const server: ServeProcess = running;
      const proxy = await killingProxy(server.ports['http']!, moment, () =>
        server.child.kill('SIGKILL'),
      );
      const file = join(killDir, 'server.json');
      const record = JSON.parse(readFileSync(file, 'utf8')) as { api: string };
      record.api = `http://127.0.0.1:${proxy.port}/api/v1`;
      writeFileSync(file, JSON.stringify(record));

      const label = `round-${round}`;
      const set = await runBin([
        'device',
        'set',
        mac,
        '--set',
        `accounts.1.label=${label}`,
        '--data-dir',
        killDir,
      ]);
      await server.stop();
      proxy.close();
      // What was stored, as the next server (a fresh process on the same directory) reads it.
      running = await start();
      const shown = await runBin(['device', 'show', mac, '--json', '--data-dir', killDir]);
      assert.equal(shown.code, 0, shown.err);
      const stored = (JSON.parse(shown.out) as { settings: Record<string, string> }).settings[
        'accounts.1.label'
      ];
      const where = `round ${round} (${JSON.stringify(moment)}): exit ${set.code}, out ${JSON.stringify(set.out)}, err ${JSON.stringify(set.err)}, stored ${stored}`;
      if (set.code === 0) {
        assert.equal(stored, label, where);
        assert.match(set.out, /updated/, where);
      } else {
        refused++;
        assert.match(set.err, /plugndial device: .{20,}/, where);
      }
    }
    // The kills did land in the middle of requests: not every round can have succeeded.
    assert.ok(refused >= 2, `only ${refused} of ${moments.length} rounds were cut`);
  } finally {
    await running?.stop();
    rmSync(killDir, { recursive: true, force: true });
  }
});
