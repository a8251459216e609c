import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newSession, nextRequest, rpcBody, stepSession } from '../../src/tr069/session.ts';
import { faultBody, parseEnvelope, readInform, writeEnvelope } from '../../src/tr069/soap.ts';
import { informBody } from './raw.ts';

test('an Inform in every cwmp namespace is read, and the namespace kept for the answer', () => {
  for (const v of ['1-0', '1-1', '1-2', '1-3', '1-4']) {
    const parsed = parseEnvelope(
      informBody({ namespace: `urn:dslforum-org:cwmp-${v}`, events: ['0 BOOTSTRAP', '1 BOOT'] }),
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.value.namespace, `urn:dslforum-org:cwmp-${v}`);
    assert.equal(parsed.value.method, 'Inform');
    const inform = readInform(parsed.value.body!);
    assert.deepEqual(
      inform.events.map((e) => e.code),
      ['0 BOOTSTRAP', '1 BOOT'],
    );
    assert.equal(inform.deviceId.oui, '0C383E');
  }
  // A namespace nobody defined is answered in cwmp-1-0, which every CPE reads.
  const odd = parseEnvelope(informBody({ namespace: 'urn:ietf:params:xml:ns:cwmp', events: [] }));
  assert.ok(odd.ok);
  assert.equal(odd.value.namespace, 'urn:dslforum-org:cwmp-1-0');
});

test('the session answers GetRPCMethods, refuses other CPE methods with 8000, ends on a second Inform', () => {
  const inform = parseEnvelope(informBody({ events: ['1 BOOT'] }));
  assert.ok(inform.ok);
  const session = newSession('s1', 'urn:dslforum-org:cwmp-1-0');
  const rpc = parseEnvelope(
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:dslforum-org:cwmp-1-0"><s:Header><c:ID>7</c:ID></s:Header><s:Body><c:GetRPCMethods/></s:Body></s:Envelope>`,
  );
  assert.ok(rpc.ok);
  const step = stepSession(session, rpc.value);
  assert.equal(step.kind, 'answer');
  const written = writeEnvelope(
    session.namespace,
    step.kind === 'answer' ? step.id : '',
    step.kind === 'answer' ? step.body : rpcBody({ kind: 'Reboot', commandKey: '' }),
  );
  assert.match(written, /<cwmp:GetRPCMethodsResponse>[\s\S]*<string>TransferComplete<\/string>/);
  assert.match(written, /<cwmp:ID soap-env:mustUnderstand="1">7<\/cwmp:ID>/);
  const kicked = parseEnvelope(`<Envelope><Body><Kicked/></Body></Envelope>`);
  assert.ok(kicked.ok);
  const refused = stepSession(session, kicked.value);
  assert.equal(refused.kind, 'answer');
  assert.match(
    writeEnvelope(
      session.namespace,
      undefined,
      refused.kind === 'answer' ? refused.body : rpcBody({ kind: 'Reboot', commandKey: '' }),
    ),
    /<faultcode>Server<\/faultcode>.*<FaultCode>8000<\/FaultCode>/s,
  );
  session.queue = [{ kind: 'Reboot', commandKey: 'k' }];
  assert.deepEqual(stepSession(session, undefined), { kind: 'next' });
  assert.equal(nextRequest(session)?.rpc.kind, 'Reboot');
  assert.equal(nextRequest(session), undefined);
  assert.deepEqual(stepSession(session, inform.value), {
    kind: 'end',
    reason: 'inform-in-session',
  });
});

test('an ACS fault is the sender’s (Client) only for invalid arguments, 8003', () => {
  const faultcode = (code: number): string | undefined =>
    /<faultcode>(\w+)<\/faultcode>/.exec(
      writeEnvelope('urn:dslforum-org:cwmp-1-0', undefined, faultBody(code, 'x')),
    )?.[1];
  assert.equal(faultcode(8003), 'Client');
  for (const code of [8000, 8001, 8002, 8004, 8005])
    assert.equal(faultcode(code), 'Server', String(code));
});
