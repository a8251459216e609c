import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';

import type { LimitReached } from '../../src/provisioning/limit-recorder.ts';
import { ConnectionSlots } from '../../src/transports/connection-slots.ts';

/** Enough of a socket for the table: an address, destroy, and its close event. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  constructor(readonly remoteAddress: string) {
    super();
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('close');
    }
    return this;
  }
}

function table(
  connections: number,
  perAddress: number,
  exempt?: (address: string) => boolean,
): { slots: ConnectionSlots; hits: LimitReached[] } {
  const hits: LimitReached[] = [];
  const slots = new ConnectionSlots({
    door: 'http',
    limits: { connections, perAddress, headerTimeoutMs: 60_000 },
    ...(exempt ? { exempt } : {}),
    onLimit: (hit) => hits.push(hit),
  });
  return { slots, hits };
}

function open(slots: ConnectionSlots, address: string): FakeSocket {
  const socket = new FakeSocket(address);
  slots.admit(socket as unknown as Socket);
  return socket;
}

test('a full door gives the newcomer the place of the connection waiting longest', () => {
  const { slots, hits } = table(3, 10);
  const [first, second, third] = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((a) => open(slots, a));
  slots.busy(first as unknown as Socket);
  const phone = open(slots, '10.0.0.9');
  assert.equal(phone.destroyed, false, 'the newcomer is in');
  assert.equal(first!.destroyed, false, 'a connection being answered is never taken');
  assert.equal(second!.destroyed, true, 'the oldest waiting one made room');
  assert.equal(third!.destroyed, false);
  assert.equal(slots.open, 3);
  assert.deepEqual(
    hits.map((h) => [h.limit, h.address]),
    [['http-connections', '10.0.0.2']],
  );
  // An answered connection waits again, at the back of the line.
  slots.idle(first as unknown as Socket);
  open(slots, '10.0.0.8');
  assert.equal(third!.destroyed, true);
  assert.equal(first!.destroyed, false);
});

test('when every connection is being answered, the newcomer is refused', () => {
  const { slots, hits } = table(2, 10);
  for (const address of ['10.0.0.1', '10.0.0.2'])
    slots.busy(open(slots, address) as unknown as Socket);
  const late = open(slots, '10.0.0.3');
  assert.equal(late.destroyed, true);
  assert.equal(slots.open, 2);
  assert.match(hits[0]!.detail, /all busy: connection refused/);
});

test('one address at its cap makes room among its own connections only', () => {
  const { slots, hits } = table(100, 2);
  const other = open(slots, '10.0.0.5');
  const [a, b] = [open(slots, '10.0.0.1'), open(slots, '10.0.0.1')];
  const c = open(slots, '10.0.0.1');
  assert.equal(a.destroyed, true, "the address's oldest waiting connection went");
  assert.equal(b.destroyed, false);
  assert.equal(c.destroyed, false);
  assert.equal(other.destroyed, false, 'another address keeps its connection');
  assert.deepEqual(
    hits.map((h) => h.limit),
    ['http-connections-per-address'],
  );
});

test('a trusted proxy speaks for many clients: no per-address cap', () => {
  const { slots, hits } = table(100, 2, (address) => address === '10.0.0.7');
  const sockets = Array.from({ length: 20 }, () => open(slots, '10.0.0.7'));
  assert.ok(sockets.every((s) => !s.destroyed));
  assert.equal(hits.length, 0);
});

test('a connection without a whole head past the deadline is cut and recorded', async () => {
  const hits: LimitReached[] = [];
  const slots = new ConnectionSlots({
    door: 'acs',
    limits: { connections: 10, perAddress: 10, headerTimeoutMs: 1000 },
    onLimit: (hit) => hits.push(hit),
  });
  try {
    const slow = open(slots, '10.0.0.1');
    const phone = open(slots, '10.0.0.2');
    slots.busy(phone as unknown as Socket);
    slots.idle(phone as unknown as Socket);
    await new Promise((resolve) => setTimeout(resolve, 2300));
    assert.equal(slow.destroyed, true);
    assert.equal(phone.destroyed, false, 'a connection that sent its head is not cut here');
    assert.deepEqual(
      hits.map((h) => [h.door, h.limit, h.address]),
      [['acs', 'http-header-timeout', '10.0.0.1']],
    );
  } finally {
    slots.close();
  }
});

test('a connection with pipelined requests waits again only when the last is answered', () => {
  const { slots } = table(2, 10);
  const pipelining = open(slots, '10.0.0.1');
  const other = open(slots, '10.0.0.2');
  slots.busy(pipelining as unknown as Socket);
  slots.busy(pipelining as unknown as Socket);
  slots.idle(pipelining as unknown as Socket);
  open(slots, '10.0.0.3');
  assert.equal(pipelining.destroyed, false, 'its second request is still being answered');
  assert.equal(other.destroyed, true);
});
