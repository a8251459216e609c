import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { run, serve, type ServeProcess } from '../support/serve.ts';

// One address (or a handful) trying to lock the FTP door out: slow lines, idle logins, more
// connections than its share. 127.0.0.0/8 is all loopback, so each 127.0.0.x is a client of
// its own. Small limits keep the test short; every loop is bounded.

let dir: string;
let server: ServeProcess;
let port: number;

before(async () => {
  dir = tempDir();
  server = await serve([
    '--data-dir',
    dir,
    '--http',
    '127.0.0.1:0',
    '--ftp',
    '127.0.0.1:0',
    '--tftp',
    'off',
    '--sip',
    'off',
    '--ftp-sessions',
    '24',
    '--ftp-sessions-per-address',
    '4',
    '--ftp-line-timeout',
    '2',
    '--ftp-login-timeout',
    '3',
  ]);
  port = server.ports['ftp']!;
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Control {
  socket: Socket;
  /** Everything the server said so far. */
  said(): string;
  closed(): boolean;
  /** Resolves when the server has said `pattern` or closed; false when not within `ms`. */
  waitFor(pattern: RegExp, ms: number): Promise<boolean>;
}

function control(localAddress: string): Promise<Control> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let text = '';
    let closed = false;
    const waiters = new Set<() => void>();
    const wake = (): void => waiters.forEach((w) => w());
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      wake();
    });
    socket.once('connect', () =>
      resolve({
        socket,
        said: () => text,
        closed: () => closed,
        waitFor: (pattern, ms) =>
          new Promise((done) => {
            const check = (): void => {
              if (pattern.test(text) || closed) finish(pattern.test(text));
            };
            const finish = (result: boolean): void => {
              clearTimeout(timer);
              waiters.delete(check);
              done(result);
            };
            const timer = setTimeout(() => finish(false), ms);
            waiters.add(check);
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}

/** A phone's anonymous login from `address`: true when the server says 230. */
async function login(address: string): Promise<boolean> {
  const c = await control(address);
  try {
    if (!(await c.waitFor(/^220 /m, 5000))) return false;
    c.socket.write('USER anonymous\r\n');
    if (!(await c.waitFor(/^331 /m, 5000))) return false;
    c.socket.write('PASS phone@example.com\r\n');
    return await c.waitFor(/^230 /m, 5000);
  } finally {
    c.socket.destroy();
  }
}

/** Matches nothing: waitFor(NEVER) waits for the close. */
const NEVER = /(?!)/;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('one address trickling bytes holds its share only, for a bounded time, and others log in', async () => {
  const attacker = '127.0.0.2';
  const held: Control[] = [];
  for (let i = 0; i < 40; i += 1) held.push(await control(attacker));
  await Promise.all(held.map((c) => c.waitFor(/^(220|421) /m, 5000)));
  // At its cap, each newcomer takes the place of the address's oldest session not logged in.
  await Promise.all(held.slice(0, 36).map((c) => c.waitFor(NEVER, 5000)));
  const accepted = held.filter((c) => !c.closed());
  assert.equal(accepted.length, 4, 'the address holds its cap of sessions, no more');
  assert.deepEqual(accepted, held.slice(36), 'the newest ones');
  assert.ok(held.slice(0, 36).every((c) => /^421 /m.test(c.said())));
  // One byte at a time, every half second, never a whole line: the line deadline ends it.
  const trickle = setInterval(() => {
    for (const c of accepted) if (!c.closed()) c.socket.write('N');
  }, 500);
  try {
    let logins = 0;
    for (let i = 0; i < 10; i += 1) if (await login('127.0.0.3')) logins += 1;
    assert.equal(logins, 10, 'a phone at another address logs in every time');
    const ended = await Promise.all(accepted.map((c) => c.waitFor(/^421 Timeout/m, 10_000)));
    assert.deepEqual(ended, [true, true, true, true], 'the slow lines were cut off');
  } finally {
    clearInterval(trickle);
    for (const c of held) c.socket.destroy();
  }
});

test('a connection that never logs in is closed at the login deadline', async () => {
  const c = await control('127.0.0.4');
  assert.ok(await c.waitFor(/^220 /m, 5000));
  c.socket.write('USER anonymous\r\n');
  // Whole lines keep coming, but no PASS: the login deadline, not the idle timer, decides.
  const noop = setInterval(() => c.socket.write('NOOP\r\n'), 500);
  try {
    assert.ok(await c.waitFor(/^421 Timeout: no login/m, 10_000), c.said());
  } finally {
    clearInterval(noop);
    c.socket.destroy();
  }
});

test('addresses that already hold sessions cannot keep the last slots', async () => {
  const held: Control[] = [];
  const phones: Control[] = [];
  try {
    // 6 addresses × 4 = all 24 slots wanted, but the last eighth (3) is for addresses with none.
    for (let a = 10; a <= 15; a += 1) {
      for (let i = 0; i < 4; i += 1) held.push(await control(`127.0.0.${a}`));
    }
    await Promise.all(held.map((c) => c.waitFor(/^(220|421) /m, 5000)));
    // The 22nd to 24th took the places of the oldest sessions not logged in.
    await Promise.all(held.slice(0, 3).map((c) => c.waitFor(NEVER, 5000)));
    assert.equal(held.filter((c) => !c.closed()).length, 21);
    // Three phones at new addresses, all logged in at once.
    for (let i = 0; i < 3; i += 1) phones.push(await control(`127.0.0.${30 + i}`));
    const greeted = await Promise.all(phones.map((c) => c.waitFor(/^220 /m, 5000)));
    assert.deepEqual(greeted, [true, true, true], 'phones at new addresses still get in');
    for (const c of phones) c.socket.write('USER anonymous\r\nPASS phone@example.com\r\n');
    const logged = await Promise.all(phones.map((c) => c.waitFor(/^230 /m, 5000)));
    assert.deepEqual(logged, [true, true, true]);
  } finally {
    for (const c of [...held, ...phones]) c.socket.destroy();
  }
});

test('limits reached are security events', async () => {
  await sleep(200);
  const shown = run(['events', '--security', '--json', '--data-dir', dir]);
  assert.equal(shown.code, 0, shown.err);
  const events = JSON.parse(shown.out) as { kind: string; address?: string; detail?: string }[];
  const limits = events.filter((e) => e.kind === 'limit-reached');
  const about = (limit: string, address: string): boolean =>
    limits.some((e) => e.address === address && e.detail?.includes(`--${limit}`));
  assert.ok(about('ftp-sessions-per-address', '127.0.0.2'), JSON.stringify(limits));
  assert.ok(about('ftp-line-timeout', '127.0.0.2'));
  assert.ok(about('ftp-login-timeout', '127.0.0.4'));
});
