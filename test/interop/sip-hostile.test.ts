import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { run, serve, type ServeProcess } from '../support/serve.ts';

// A forged plug-and-play SUBSCRIBE: its Via (without rport) and Contact name another host,
// 127.0.0.9 here (127.0.0.0/8 is all loopback). plugndial answers where the SUBSCRIBE came
// from, never where it points, and sends one destination only so many NOTIFYs a minute.

const MAC = '0021f2000001';
let dir: string;
let server: ServeProcess;
let sipPort: number;

before(async () => {
  dir = tempDir();
  server = await serve([
    '--data-dir',
    dir,
    '--http',
    '127.0.0.1:0',
    '--tftp',
    'off',
    '--sip',
    '127.0.0.1:0',
    '--sip-interface',
    'none',
    '--sip-notifies-per-minute',
    '3',
  ]);
  sipPort = server.ports['sip']!;
  const added = run(['device', 'add', MAC, '--vendor', 'flyingvoice', '--data-dir', dir]);
  assert.equal(added.code, 0, added.err);
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Peer {
  socket: Socket;
  port: number;
  /** Requests and responses received, as text. */
  received: string[];
}

async function peer(address: string): Promise<Peer> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (message, from) => {
    const text = message.toString('latin1');
    received.push(text);
    // Answer NOTIFYs so the server's transaction ends instead of retransmitting.
    if (text.startsWith('NOTIFY ')) socket.send(okFor(text), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { socket, port: socket.address().port, received };
}

function okFor(request: string): Buffer {
  const keep = request.split('\r\n').filter((line) => /^(Via|From|To|Call-ID|CSeq):/i.test(line));
  return Buffer.from(['SIP/2.0 200 OK', ...keep, 'Content-Length: 0', '', ''].join('\r\n'));
}

let calls = 0;

/** A SUBSCRIBE whose Via and Contact name `victim`, sent from `from`. */
function forgedSubscribe(from: Peer, victim: Peer): void {
  calls += 1;
  const user = `MAC${MAC}`;
  const text = [
    `SUBSCRIBE sip:${user}@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.9:${victim.port};branch=z9hG4bK-forged-${calls}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@127.0.0.1>;tag=f${calls}`,
    `To: <sip:${user}@127.0.0.1>`,
    `Call-ID: forged-${calls}@127.0.0.9`,
    'CSeq: 1 SUBSCRIBE',
    `Contact: <sip:${user}@127.0.0.9:${victim.port}>`,
    'Event: ua-profile;profile-type="device";vendor="Flyingvoice";model="FIP14G";version="1.0"',
    'Accept: application/url',
    'Expires: 0',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  from.socket.send(text, sipPort, '127.0.0.1');
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms && !condition(); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

const notifies = (p: Peer): number => p.received.filter((t) => t.startsWith('NOTIFY ')).length;

test('answers and NOTIFYs go to where the SUBSCRIBE came from, not where it points', async () => {
  const phone = await peer('127.0.0.1');
  const victim = await peer('127.0.0.9');
  try {
    forgedSubscribe(phone, victim);
    assert.ok(await until(() => notifies(phone) === 1, 5000), 'the NOTIFY reached the source');
    assert.ok(
      phone.received.some((t) => t.startsWith('SIP/2.0 200')),
      'the 200 OK too',
    );
    // Give a misdirected NOTIFY time to arrive: nothing may reach the named host.
    await until(() => victim.received.length > 0, 1000);
    assert.deepEqual(victim.received, []);
  } finally {
    phone.socket.close();
    victim.socket.close();
  }
});

test('one destination gets only so many NOTIFYs a minute, and the limit is a security event', async () => {
  const phone = await peer('127.0.0.1');
  const victim = await peer('127.0.0.9');
  try {
    // The first test spent one of the three; six more SUBSCRIBEs get two NOTIFYs.
    for (let i = 0; i < 6; i += 1) forgedSubscribe(phone, victim);
    await until(() => notifies(phone) >= 3, 3000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(notifies(phone), 2);
    const shown = run(['events', '--security', '--json', '--data-dir', dir]);
    const limits = (
      JSON.parse(shown.out) as { kind: string; detail?: string; address?: string }[]
    ).filter((e) => e.kind === 'limit-reached');
    assert.ok(
      limits.some(
        (e) => e.address === '127.0.0.1' && e.detail?.includes('--sip-notifies-per-minute'),
      ),
      JSON.stringify(limits),
    );
  } finally {
    phone.socket.close();
    victim.socket.close();
  }
});
