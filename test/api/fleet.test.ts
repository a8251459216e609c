import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { macOf, startConsoleServer, type ConsoleServer } from '../console/support.ts';

// The console's tables come from the API: paging, sorting and search in the database.
let server: ConsoleServer;

before(async () => {
  server = await startConsoleServer({ devices: 300 });
});

after(() => server.close());

async function api(
  method: string,
  path: string,
  body?: string,
  type?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.http}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(type ? { 'content-type': type } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Page = { total: number; devices: { mac: string; user: string | null }[] };

test('the devices table finds a MAC in any form, a user, a profile; pages and sorts', async () => {
  const wanted = macOf(300); // 0021f200012c
  for (const form of [
    '00:21:f2:00:01:2c',
    '0021F200012C',
    '00-21-F2-00-01-2C',
    '0021.f200.012c',
    '01:2c',
  ]) {
    const page = (await api('GET', `/fleet/devices?q=${encodeURIComponent(form)}`)).body as Page;
    assert.deepEqual(
      page.devices.map((d) => d.mac),
      [wanted],
      form,
    );
  }
  const user = (await api('GET', '/fleet/devices?q=1300')).body as Page;
  assert.deepEqual(
    user.devices.map((d) => d.mac),
    [wanted],
  );
  const floor = (await api('GET', '/fleet/devices?profile=floor1&limit=0')).body as Page;
  assert.equal(floor.total, 150);
  const first = (await api('GET', '/fleet/devices?sort=user&order=desc&limit=10')).body as Page;
  assert.equal(first.total, 300);
  assert.deepEqual(
    first.devices.map((d) => d.user),
    ['1300', '1299', '1298', '1297', '1296', '1295', '1294', '1293', '1292', '1291'],
  );
  const next = (await api('GET', '/fleet/devices?sort=user&order=desc&limit=10&offset=10'))
    .body as Page;
  assert.equal(next.devices[0]!.user, '1290');
  const never = (await api('GET', '/fleet/devices?seen=never&limit=0')).body as Page;
  assert.equal(never.total, 300);
  const bad = await api('GET', '/fleet/devices?sort=colour');
  assert.equal(bad.status, 400);
});

test('the overview counts the fleet and a phone that was seen', async () => {
  const files = (await api('GET', `/devices/${macOf(5)}/files`)).body as unknown as string[];
  assert.equal((await fetch(`${server.http}/${files[0]}`)).status, 200);
  assert.equal((await fetch(`${server.http}/0021f2ffffff.cfg`)).status, 404);
  const overview = (await api('GET', '/fleet/overview')).body as {
    devices: number;
    seen: { hour: number; day: number; never: number };
    failures: { total: number; categories: { category: string }[] };
  };
  assert.equal(overview.devices, 300);
  assert.deepEqual(overview.seen, { hour: 1, day: 1, never: 299 });
  assert.ok(overview.failures.categories.some((c) => c.category === 'unknown-mac'));
});

test('a checked CSV import stores nothing and names every bad row', async () => {
  const csv = 'mac,vendor\n0021f2aa0001,flyingvoice\nnope,flyingvoice\n0021f2aa0003,nosuchvendor\n';
  const refused = await api('POST', '/devices/import?check=true', csv, 'text/csv');
  assert.equal(refused.status, 400);
  const rows = (refused.body['details'] as { rows: { line: number }[] }).rows;
  assert.deepEqual(
    rows.map((r) => r.line),
    [3, 4],
  );
  const good = await api(
    'POST',
    '/devices/import?check=true',
    csv.split('\n').slice(0, 2).join('\n'),
    'text/csv',
  );
  assert.equal(good.status, 200);
  assert.equal(good.body['checked'], true);
  assert.equal((await api('GET', '/devices/0021f2aa0001')).status, 404);
});

test('a phonebook CSV is previewed without being stored', async () => {
  const csv = 'name,office\nReception,100\nLab,200\n';
  const preview = await api('PUT', '/phonebooks/profiles/floor1?check=true', csv, 'text/csv');
  assert.equal(preview.status, 200);
  assert.equal((preview.body['contacts'] as unknown[]).length, 2);
  assert.equal((await api('GET', '/phonebooks/profiles/floor1')).status, 404);
});

test('GET /settings answers the schema as a list of key patterns', async () => {
  const response = await fetch(`${server.http}/api/v1/settings`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  const schema = (await response.json()) as { pattern: string }[];
  assert.ok(Array.isArray(schema));
  assert.ok(schema.some((spec) => spec.pattern === 'accounts.N.user'));
});
