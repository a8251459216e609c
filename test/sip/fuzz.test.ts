import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseDigestChallenge } from '../../src/crypto/digest.ts';
import { drivers } from '../../src/drivers/registry.ts';
import { EventRecorder } from '../../src/provisioning/recorder.ts';
import { SipEndpoint, type DatagramSocket } from '../../src/sip/endpoint.ts';
import { parseMessage } from '../../src/sip/parse.ts';
import { readPnpSubscribe } from '../../src/sip/pnp.ts';
import { PnpResponder } from '../../src/sip/responder.ts';
import { serializeMessage } from '../../src/sip/serialize.ts';
import { parseNameAddr, parseParams, parseSipUri, parseVia } from '../../src/sip/values.ts';
import type { Store } from '../../src/store/store.ts';
import { SIP_MESSAGES } from '../../bench/fuzz/seeds.ts';

/** A small seeded PRNG (mulberry32): the same datagrams on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Valid messages to mangle: the fuzz harness's, from captures and the vendors' own examples. */
const SEEDS = SIP_MESSAGES;

const ALPHABET = [
  '\r',
  '\n',
  '\r\n',
  ':',
  ';',
  ',',
  '"',
  '<',
  '>',
  '@',
  '=',
  ' ',
  '\t',
  '\\',
  '\0',
  '%',
];

function mutate(random: () => number, input: Buffer): Buffer {
  const bytes = [...input];
  const edits = 1 + Math.floor(random() * 8);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (bytes.length + 1));
    const roll = random();
    if (roll < 0.3) bytes[at] = Math.floor(random() * 256);
    else if (roll < 0.55) {
      const piece = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
      bytes.splice(at, 0, ...Buffer.from(piece));
    } else if (roll < 0.75) bytes.splice(at, Math.floor(random() * 40));
    else if (roll < 0.9) {
      const from = Math.floor(random() * bytes.length);
      bytes.splice(at, 0, ...bytes.slice(from, from + Math.floor(random() * 200)));
    } else bytes.length = Math.min(bytes.length, at);
  }
  return Buffer.from(bytes);
}

function datagrams(count: number): Buffer[] {
  const random = prng(0x5eed);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.15) {
      const size = Math.floor(random() * (random() < 0.1 ? 70_000 : 600));
      out.push(Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256))));
    } else {
      const seed = Buffer.from(SEEDS[Math.floor(random() * SEEDS.length)]!);
      out.push(mutate(random, seed));
    }
  }
  return out;
}

test('the parser and every value parser return, never throw, on random and mangled datagrams', () => {
  let parsedOk = 0;
  for (const data of datagrams(4000)) {
    const parsed = parseMessage(data);
    if (!parsed.ok) {
      assert.match(parsed.error.code, /^PND_SIP_(MALFORMED|TOO_LARGE)$/);
      continue;
    }
    parsedOk++;
    const message = parsed.value;
    for (const h of message.headers) {
      parseParams(h.value);
      parseNameAddr(h.value);
      parseVia(h.value);
      parseSipUri(h.value);
      parseDigestChallenge(h.value);
    }
    if (message.kind === 'request') readPnpSubscribe(message);
    // What we parsed, we can write and read back.
    const again = parseMessage(serializeMessage(message), { maxBytes: 1 << 20 });
    assert.ok(again.ok, again.ok ? '' : again.error.message);
  }
  assert.ok(parsedOk > 500, `only ${parsedOk} mutations still parsed; the fuzz is too coarse`);
});

test('the responder behind an endpoint survives the same datagrams and still answers', async () => {
  const sent: Buffer[] = [];
  const socket: DatagramSocket = {
    local: { address: '10.1.1.1', port: 5060 },
    send: async (data) => {
      sent.push(data);
    },
  };
  // Only what the responder touches; every phone is unknown and recorded as pending.
  const store = {
    generation: () => 1,
    getDevice: async () => undefined,
    listProfiles: async () => [],
    recordPendingPhone: async () => undefined,
    appendEvents: async () => undefined,
    recordContacts: async () => undefined,
  } as unknown as Store;
  const recorder = new EventRecorder(store, { flushIntervalMs: 10_000 });
  const endpoint = new SipEndpoint(socket, { timers: { t1: 5, t2: 20 } });
  const responder = new PnpResponder({
    endpoint,
    drivers,
    store,
    recorder,
    doorUrls: () => ({ tftp: 'tftp://10.1.1.1' }),
    localAddress: async () => '10.1.1.1',
    rate: { burst: 1e9, perSecond: 1e9 },
  });
  endpoint.onRequest(responder.handle);
  for (const data of datagrams(3000)) {
    endpoint.receive(data, { address: '10.1.1.5', port: 5060 }, 'multicast');
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(endpoint.stats().handlerErrors, 0);
  assert.ok(endpoint.stats().malformed + endpoint.stats().oversized > 100);

  sent.length = 0;
  const good = SEEDS[0]!.toString('latin1').replace('z9hG4bKfz', 'z9hG4bKafterfuzz');
  endpoint.receive(Buffer.from(good), { address: '10.1.1.5', port: 5060 }, 'multicast');
  for (let i = 0; i < 100 && sent.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  assert.match(sent[0]!.toString(), /^SIP\/2\.0 200 OK\r\n/);
  assert.match(sent[1]!.toString(), /^NOTIFY sip:10\.1\.1\.5:5060 SIP\/2\.0\r\n/);
  endpoint.close();
  await recorder.close();
});
