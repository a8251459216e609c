import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Agent } from 'node:http';

import { listenForConnectionRequests } from '../../src/simulate/cwmp.ts';
import { MAC, startAcs, type AcsHarness } from './support.ts';
import { RawCpe, idOf, informBody, methodOf, responseBody, transferCompleteBody } from './raw.ts';

let h: AcsHarness;
/** What the emulated phone remembers, carried from test to test as a real phone would. */
let memory: Record<string, string> = {};

before(async () => {
  h = await startAcs();
});

after(async () => {
  await h.close();
});

async function state(): Promise<Record<string, unknown>> {
  const answer = await h.harness.api('GET', `/devices/${MAC}/cwmp`);
  assert.equal(answer.status, 200);
  return answer.body as Record<string, unknown>;
}

test('bootstrap: Inform, device info, a Download of the MAC file fetched over HTTP, TransferComplete', async () => {
  const run = await h.cpe();
  memory = run.memory;
  assert.ok(run.ok, run.exchanges.join('\n'));
  assert.equal(run.downloads.length, 1);
  const [download] = run.downloads;
  assert.equal(download!.fileType, '3 Vendor Configuration File');
  assert.equal(download!.url, `${h.harness.url}/${MAC}.cfg`);
  assert.equal(download!.faultCode, 0);
  const file = run.files[`${MAC}.cfg`]!.toString('utf8');
  assert.match(file, /^<<VOIP CONFIG FILE>>/);
  assert.match(file, /SIP1 Register User\s*:2001/);
  assert.deepEqual(run.exchanges.slice(0, 2), [
    'Inform → 200 InformResponse',
    'empty → 200 GetParameterValues',
  ]);
  assert.ok(run.exchanges.includes('TransferComplete → 200 TransferCompleteResponse'));

  const kept = await state();
  assert.equal((kept['acknowledged'] as Record<string, string>)['config'], download!.sha256);
  assert.deepEqual(kept['inflight'], {});
  assert.equal((kept['transfers'] as { faultCode: number }[])[0]!.faultCode, 0);
  // The password the ACS set for connection requests is never shown.
  assert.ok(
    !JSON.stringify(kept).includes(
      run.memory['param:InternetGatewayDevice.ManagementServer.ConnectionRequestPassword']!,
    ),
  );

  await h.harness.runtime.recorder.flush();
  const device = (await h.harness.api('GET', `/devices/${MAC}`)).body as {
    reported?: Record<string, string>;
  };
  assert.equal(device.reported?.['model'], 'X4');
  assert.equal(device.reported?.['firmware'], '2.10.2.6887');
  const events = await h.harness.runtime.store.queryEvents({ mac: MAC, limit: 100 });
  const acs = events.filter((e) => e.transport === 'acs');
  assert.ok(acs.some((e) => e.file === 'cwmp/Inform' && e.reason === '0 BOOTSTRAP,1 BOOT'));
  assert.ok(
    events.some((e) => e.transport === 'http' && e.file === `${MAC}.cfg` && e.status === 200),
  );
  // Every exchange of the run is one event; nothing in them carries a secret.
  const text = JSON.stringify(events);
  assert.ok(!text.includes('sip-secret-2001'));
  assert.ok(
    !text.includes(
      run.memory['param:InternetGatewayDevice.ManagementServer.ConnectionRequestPassword']!,
    ),
  );
});

test('no change: the next boot gets no Download; a change: the next periodic Inform does', async () => {
  const first = await h.cpe({ memory });
  assert.ok(first.ok);
  assert.equal(first.downloads.length, 0, first.exchanges.join('\n'));

  const changed = await h.harness.api('PATCH', `/devices/${MAC}`, {
    settings: { 'accounts.1.user': '2002' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const periodic = await h.cpe({ events: ['2 PERIODIC'] });
  assert.ok(periodic.ok, periodic.exchanges.join('\n'));
  assert.equal(periodic.downloads.length, 1);
  assert.match(periodic.files[`${MAC}.cfg`]!.toString(), /SIP1 Register User\s*:2002/);
  // The one-time credentials were used up by the fetch.
  const again = await h.cpe({ events: ['2 PERIODIC'] });
  assert.equal(again.downloads.length, 0);
});

test('a fault in TransferComplete is kept and the file is offered again at the next boot', async () => {
  await h.harness.api('PATCH', `/devices/${MAC}`, { settings: { 'accounts.1.user': '2003' } });
  const failed = await h.cpe({ events: ['1 BOOT'], failDownloads: 9010 });
  assert.ok(failed.ok, failed.exchanges.join('\n'));
  assert.equal(failed.downloads[0]?.faultCode, 9010);
  const kept = await state();
  const [last] = kept['transfers'] as {
    faultCode: number;
    fileType: string;
    faultString: string;
  }[];
  assert.equal(last!.faultCode, 9010);
  assert.equal(last!.fileType, '3 Vendor Configuration File');
  assert.equal(last!.faultString, 'Download failure');
  const retried = await h.cpe({ events: ['1 BOOT'] });
  assert.equal(retried.downloads.length, 1);
  assert.equal(retried.downloads[0]!.faultCode, 0);
});

test('resync --via tr069 --reboot: a connection request with digest, then Reboot in the session it opens', async () => {
  const runs: Promise<unknown>[] = [];
  const listener = await listenForConnectionRequests({
    host: '127.0.0.1',
    credentials: () => {
      const username =
        memory['param:InternetGatewayDevice.ManagementServer.ConnectionRequestUsername'];
      const password =
        memory['param:InternetGatewayDevice.ManagementServer.ConnectionRequestPassword'];
      return username && password ? { username, password } : undefined;
    },
    onRequest: () => {
      runs.push(
        h.cpe({ events: ['6 CONNECTION REQUEST'], memory }).then((run) => {
          memory = run.memory;
          return run;
        }),
      );
    },
  });
  try {
    // The CPE reports where it listens; the ACS sets its connection request credentials.
    const boot = await h.cpe({ events: ['1 BOOT'], connectionRequestUrl: listener.url, memory });
    memory = boot.memory;
    const answer = await h.harness.api('POST', `/devices/${MAC}/resync`, {
      via: 'tr069',
      reboot: true,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const outcome = answer.body as { ok: boolean; status: number; event: string };
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(outcome.event, 'connection-request;reboot');
    assert.equal(listener.requests, 1);
    const [run] = (await Promise.all(runs)) as { rebooted: boolean }[];
    assert.equal(run!.rebooted, true);
    const kept = await state();
    assert.equal(kept['rebootRequested'], undefined);
    assert.match(String((kept['lastReboot'] as { commandKey: string }).commandKey), /^reboot-/);
  } finally {
    await listener.close();
  }
});

test('raw SOAP: a cwmp-1-0 CPE without SOAPAction, empty POSTs with Content-Length 0 and chunked, one connection, no cookies', async () => {
  await h.harness.api('PATCH', `/devices/${MAC}`, { settings: { 'accounts.1.user': '2004' } });
  const cpe = new RawCpe(h.acsUrl);
  try {
    const inform = await cpe.post(informBody({ events: ['1 BOOT'], id: 'seed-1' }));
    assert.equal(inform.status, 200);
    assert.match(inform.body, /xmlns:cwmp="urn:dslforum-org:cwmp-1-0"/);
    assert.match(inform.body, /<cwmp:InformResponse>\s*<MaxEnvelopes>1<\/MaxEnvelopes>/);
    assert.equal(idOf(inform.body), 'seed-1');
    // Its first empty POST carries a line break: empty all the same.
    let reply = await cpe.post('\r\n');
    const seen: string[] = [];
    for (let i = 0; i < 8 && reply.status === 200; i++) {
      const method = methodOf(reply.body);
      seen.push(method);
      if (method === 'Download') {
        assert.match(reply.body, /<FileType>3 Vendor Configuration File<\/FileType>/);
        assert.match(reply.body, new RegExp(`<URL>${h.harness.url}/${MAC}.cfg</URL>`));
        // The order of seed 004's capture and Amendment 6 A.3.2.8.
        const order = [
          'CommandKey',
          'FileType',
          'URL',
          'Username',
          'Password',
          'FileSize',
          'TargetFileName',
          'DelaySeconds',
        ];
        const positions = order.map((name) => reply.body.indexOf(`<${name}`));
        assert.deepEqual(
          [...positions].sort((a, b) => a - b),
          positions,
        );
        // A CPE that answers with an empty POST (chunked) rather than DownloadResponse.
        reply = await cpe.post('', { chunked: true });
        continue;
      }
      reply = await cpe.post(
        responseBody(
          `${method}Response`,
          idOf(reply.body),
          method === 'SetParameterValues' ? '<Status>0</Status>' : '',
        ),
      );
    }
    assert.equal(reply.status, 204);
    assert.ok(seen.includes('Download'), seen.join(','));
  } finally {
    cpe.close();
  }
});

test('raw SOAP: a cwmp-1-2 CPE is answered in its namespace; a closed connection continues by cookie', async () => {
  const ns = 'urn:dslforum-org:cwmp-1-2';
  const cpe = new RawCpe(h.acsUrl);
  try {
    const fresh = (): Agent => new Agent({ keepAlive: false });
    const inform = await cpe.post(informBody({ namespace: ns, events: ['7 TRANSFER COMPLETE'] }), {
      agent: fresh(),
    });
    assert.equal(inform.status, 200);
    assert.match(inform.body, /xmlns:cwmp="urn:dslforum-org:cwmp-1-2"/);
    assert.ok(cpe.cookie?.startsWith('plugndial-cwmp='));
    const done = await cpe.post(transferCompleteBody('cfg-unknown', 0, ns), {
      agent: fresh(),
      useCookie: true,
    });
    assert.equal(done.status, 200);
    assert.equal(methodOf(done.body), 'TransferCompleteResponse');
    assert.equal(idOf(done.body), 'tc-1');
    const end = await cpe.post('', {
      agent: fresh(),
      useCookie: true,
      headers: { 'content-type': 'text/xml' },
    });
    assert.equal(end.status, 204);
    // Without the cookie, on a new connection, an empty POST belongs to no session.
    const stray = await cpe.post('', { agent: fresh() });
    assert.equal(stray.status, 204);
  } finally {
    cpe.close();
  }
});

test('XML bombs and oversize bodies are refused', async () => {
  const cpe = new RawCpe(h.acsUrl);
  try {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><cwmp:Inform>&lol2;</cwmp:Inform></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    assert.equal((await cpe.post(laughs)).status, 400);
    const deep = `<SOAP-ENV:Envelope><SOAP-ENV:Body>${'<a>'.repeat(200)}${'</a>'.repeat(200)}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    assert.equal((await new RawCpe(h.acsUrl).post(deep)).status, 400);
    const wide = `<SOAP-ENV:Envelope><SOAP-ENV:Body><cwmp:Inform>${'<b/>'.repeat(10_000)}</cwmp:Inform></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    assert.equal((await new RawCpe(h.acsUrl).post(wide)).status, 400);
    const big = `<x>${'a'.repeat(300 * 1024)}</x>`;
    assert.equal((await new RawCpe(h.acsUrl).post(big)).status, 413);
    assert.equal((await new RawCpe(h.acsUrl).post(big, { chunked: true })).status, 413);
  } finally {
    cpe.close();
  }
});
