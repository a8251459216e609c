import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

import { selfSignedCertificate } from '../../src/crypto/x509.ts';
import { encodeAck, encodeRequest } from '../../src/transports/tftp/packet.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { logRecords, serve, type ServeProcess } from '../support/serve.ts';
import { patternBytes, RawPeer } from '../transports/tftp/support.ts';

// `plugndial serve` as a service manager drives it: SIGHUP reloads the TLS files and the
// configuration file while phones fetch; a bad reload keeps what serves; SIGTERM stops
// accepting, lets transfers under way finish until --stop-timeout, writes events, exits 0.

const BLOCK = 512;

/** A TFTP read driven by hand: one block at a time, so a test can pause it midway. */
class StepRead {
  readonly bytes: Buffer[] = [];
  #tid = 0;
  #done = false;

  private constructor(readonly peer: RawPeer) {}

  static async start(port: number, file: string): Promise<StepRead> {
    const read = new StepRead(await RawPeer.open());
    read.peer.send(encodeRequest('rrq', file, 'octet'), port);
    await read.#receive();
    return read;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Acknowledges what came and takes the rest, bounded by the file's size. */
  async finish(maxBlocks = 10_000): Promise<Buffer> {
    for (let i = 0; i < maxBlocks && !this.#done; i++) {
      this.peer.send(encodeAck(this.bytes.length), this.#tid);
      await this.#receive();
    }
    if (this.#done) this.peer.send(encodeAck(this.bytes.length), this.#tid);
    await this.peer.close();
    return Buffer.concat(this.bytes);
  }

  async #receive(): Promise<void> {
    const got = await this.peer.next(10_000);
    assert.ok(got, 'the server answered');
    assert.equal(got.raw.readUInt16BE(0), 3, `DATA, not ${got.raw.toString('latin1', 4)}`);
    assert.equal(got.raw.readUInt16BE(2), this.bytes.length + 1);
    this.#tid = got.from.port;
    const data = got.raw.subarray(4);
    this.bytes.push(Buffer.from(data));
    if (data.length < BLOCK) this.#done = true;
  }
}

async function waitFor(
  server: ServeProcess,
  match: (record: Record<string, unknown>) => boolean,
  after = 0,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const found = logRecords(server.log()).slice(after).find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no such log record:\n${server.log().slice(-3000)}`);
}

function recordCount(server: ServeProcess): number {
  return logRecords(server.log()).length;
}

function peerCertificate(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

function pair(name: string): { cert: string; key: string; fingerprint: string } {
  const made = selfSignedCertificate({
    commonName: name,
    altNames: [name, '127.0.0.1'],
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  return { ...made, fingerprint: new X509Certificate(made.cert).fingerprint256 };
}

test('SIGHUP: new TLS files and settings are taken up, transfers under way go on, a bad reload keeps what serves', async () => {
  const dir = tempDir();
  const d = ['--data-dir', dir];
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  const configFile = join(dir, 'plugndial.json');
  const first = pair('first.example');
  const second = pair('second.example');
  writeFileSync(certFile, first.cert);
  writeFileSync(keyFile, first.key);
  const settings = { 'tls-cert': certFile, 'tls-key': keyFile, 'metrics-public': false };
  writeFileSync(configFile, JSON.stringify(settings));
  let server: ServeProcess | undefined;
  const cleanups: (() => unknown)[] = [];
  try {
    server = await serve([
      ...d,
      '--config',
      configFile,
      '--http',
      '127.0.0.1:0',
      '--https',
      '127.0.0.1:0',
      '--tftp',
      '127.0.0.1:0',
      '--sip',
      'off',
    ]);
    const { http, https, tftp } = server.ports as Record<string, number>;
    const big = patternBytes(BLOCK * 40 + 7, 3);
    const image = patternBytes(4 * 1024 * 1024, 5);
    writeFileSync(join(dir, 'big.bin'), big);
    writeFileSync(join(dir, 'image.bin'), image);
    assert.equal((await cli('file', 'put', join(dir, 'big.bin'), 'big.bin', ...d)).code, 0);
    assert.equal((await cli('file', 'put', join(dir, 'image.bin'), 'image.bin', ...d)).code, 0);
    assert.equal(await peerCertificate(https!), first.fingerprint);
    assert.equal((await fetch(`http://127.0.0.1:${http}/metrics`)).status, 401);

    // Under way across the reload: a TFTP read paused after its first block, and an HTTPS
    // download whose reader has taken only its first chunk.
    const read = await StepRead.start(tftp!, 'big.bin');
    cleanups.push(() => read.peer.close());
    const download = tlsConnect({ port: https!, host: '127.0.0.1', rejectUnauthorized: false });
    cleanups.push(() => download.destroy());
    await once(download, 'secureConnect');
    const oldCertificate = (download as TLSSocket).getPeerX509Certificate()!.fingerprint256;
    download.write(`GET /image.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const chunks: Buffer[] = [];
    download.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(download, 'end');
    await once(download, 'data');
    download.pause();

    writeFileSync(certFile, second.cert);
    writeFileSync(keyFile, second.key);
    writeFileSync(
      configFile,
      JSON.stringify({ ...settings, 'metrics-public': true, 'sip-unknown': 'ignore' }),
    );
    let mark = recordCount(server);
    server.child.kill('SIGHUP');
    const reloaded = await waitFor(server, (r) => r['msg'] === 'configuration reloaded', mark);
    assert.match(String(reloaded['changed']), /metrics-public/);
    const later = await waitFor(
      server,
      (r) => r['msg'] === 'some changes take effect at the next start',
      mark,
    );
    assert.equal(later['restart'], 'sip-unknown');
    assert.equal(await peerCertificate(https!), second.fingerprint);
    assert.equal((await fetch(`http://127.0.0.1:${http}/metrics`)).status, 200);

    // What was under way finishes whole, the download with the certificate it began with.
    download.resume();
    await ended;
    assert.equal(oldCertificate, first.fingerprint);
    const answer = Buffer.concat(chunks);
    const head = answer.indexOf('\r\n\r\n');
    assert.match(answer.subarray(0, head).toString('latin1'), /^HTTP\/1\.1 200/);
    assert.ok(answer.subarray(head + 4).equals(image), 'the whole image, byte for byte');
    assert.deepEqual(await read.finish(), big);

    // A key file gone: the reload is refused, naming the file; the second certificate stays.
    unlinkSync(keyFile);
    mark = recordCount(server);
    server.child.kill('SIGHUP');
    const noKey = await waitFor(
      server,
      (r) => r['msg'] === 'reload refused; the running configuration stays',
      mark,
    );
    assert.equal(noKey['level'], 'error');
    assert.equal(noKey['code'], 'PND_TLS_FILE');
    assert.match(
      String(noKey['error']),
      new RegExp(`--tls-key: cannot read ${keyFile} \\(ENOENT\\)`),
    );
    assert.equal(await peerCertificate(https!), second.fingerprint);

    // A key of another certificate: refused too.
    writeFileSync(keyFile, first.key);
    mark = recordCount(server);
    server.child.kill('SIGHUP');
    const mismatch = await waitFor(
      server,
      (r) => r['msg'] === 'reload refused; the running configuration stays',
      mark,
    );
    assert.equal(mismatch['code'], 'PND_TLS_FILE');
    assert.match(String(mismatch['error']), /cannot be used together/);
    assert.equal(await peerCertificate(https!), second.fingerprint);

    // An unknown key in the file: refused with its name; /metrics stays public.
    writeFileSync(keyFile, second.key);
    writeFileSync(
      configFile,
      JSON.stringify({ ...settings, 'metrics-public': false, 'miss-limt': 5 }),
    );
    mark = recordCount(server);
    server.child.kill('SIGHUP');
    const unknown = await waitFor(
      server,
      (r) => r['msg'] === 'reload refused; the running configuration stays',
      mark,
    );
    assert.equal(unknown['code'], 'PND_CONFIG_UNKNOWN_KEY');
    assert.match(
      String(unknown['error']),
      /unknown key "miss-limt" \(did you mean "miss-limit"\?\)/,
    );
    assert.equal((await fetch(`http://127.0.0.1:${http}/metrics`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${http}/healthz`)).status, 200);
    assert.equal(await server.stop(), 0);
  } finally {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM: no new connections, a transfer under way finishes, a stalled one is cut at the deadline, events are written, exit 0', async () => {
  const dir = tempDir();
  const d = ['--data-dir', dir];
  let server: ServeProcess | undefined;
  const cleanups: (() => unknown)[] = [];
  try {
    server = await serve([
      ...d,
      '--stop-timeout',
      '4',
      '--http',
      '127.0.0.1:0',
      '--tftp',
      '127.0.0.1:0',
      '--sip',
      'off',
    ]);
    const { http, tftp } = server.ports as Record<string, number>;
    const big = patternBytes(BLOCK * 30 + 11, 9);
    writeFileSync(join(dir, 'big.bin'), big);
    assert.equal((await cli('file', 'put', join(dir, 'big.bin'), 'big.bin', ...d)).code, 0);
    assert.equal((await cli('file', 'put', join(dir, 'big.bin'), 'stalled.bin', ...d)).code, 0);
    const going = await StepRead.start(tftp!, 'big.bin');
    cleanups.push(() => going.peer.close());
    const stalled = await StepRead.start(tftp!, 'stalled.bin');
    cleanups.push(() => stalled.peer.close());

    const exited = once(server.child, 'exit') as Promise<[number | null]>;
    const mark = recordCount(server);
    server.child.kill('SIGTERM');
    await waitFor(server, (r) => String(r['msg']).startsWith('stopping'), mark);
    // Stopped accepting: the HTTP door refuses connections, the TFTP door takes no request.
    const refused = await new Promise<string>((resolve) => {
      const socket = netConnect(http!, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    const late = await RawPeer.open();
    cleanups.push(() => late.close());
    late.send(encodeRequest('rrq', 'late.bin', 'octet'), tftp!);

    assert.deepEqual(await going.finish(), big);
    const [code] = await exited;
    assert.equal(code, 0, server.log());
    assert.ok(logRecords(server.log()).some((r) => r['msg'] === 'stopped'));

    // The events were written before the exit: the finished one whole, the stalled one cut.
    const events = JSON.parse((await cli('events', '--json', '--limit', '100', ...d)).out) as {
      file: string;
      transport: string;
      status: number;
      bytes: number;
      reason?: string;
    }[];
    const tftpEvents = events.filter((e) => e.transport === 'tftp');
    assert.deepEqual(
      tftpEvents.find((e) => e.file === 'big.bin'),
      { ...tftpEvents.find((e) => e.file === 'big.bin'), status: 200, bytes: big.length },
    );
    const cut = tftpEvents.find((e) => e.file === 'stalled.bin');
    assert.equal(cut?.status, 503);
    assert.equal(cut?.reason, 'server closing');
    assert.equal(
      tftpEvents.filter((e) => e.file === 'late.bin').length,
      0,
      'the late request was not taken',
    );
    assert.equal(stalled.done, false);
  } finally {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
