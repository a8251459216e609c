import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';

import { fanvilPhone, harnessWith, type Catalogue } from './support.ts';

let h: Catalogue;
before(async () => {
  h = await harnessWith([fanvilPhone()]);
});
after(async () => h?.close());

const IMAGE = Buffer.alloc(300_000, 0x5a);
const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

test('firmware add, list, duplicate refused, remove through the API', async () => {
  const added = await h.upload(
    { vendor: 'fanvil', model: 'X4', version: '2.12.0.1', file: 'x4.z' },
    IMAGE,
    {
      size: IMAGE.length,
      sha256: sha(IMAGE),
    },
  );
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal((added.body as { sha256: string }).sha256, sha(IMAGE));
  const list = await h.api('GET', '/firmware');
  assert.equal((list.body as unknown[]).length, 1);
  const again = await h.upload(
    { vendor: 'fanvil', model: 'x4', version: '2.12.0.1', file: 'x4.z' },
    IMAGE,
  );
  assert.equal(again.status, 409);
  assert.equal((again.body as { code: string }).code, 'PND_FIRMWARE_EXISTS');
  const removed = await h.api('DELETE', '/firmware?vendor=fanvil&model=X4&version=2.12.0.1');
  assert.equal(removed.status, 200);
  assert.equal(
    (await h.api('DELETE', '/firmware?vendor=fanvil&model=X4&version=2.12.0.1')).status,
    404,
  );
});

test('a model named with a space, as Gigaset names its phones, is taken and found by its phones', async () => {
  const added = await h.upload(
    { vendor: 'gigaset', model: 'Maxwell 3', version: '2.22.8', file: 'GC_MAX_2.22.8.bin' },
    IMAGE,
  );
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const list = (await h.api('GET', '/firmware')).body as { vendor: string; model: string }[];
  assert.ok(list.some((i) => i.vendor === 'gigaset' && i.model === 'Maxwell 3'));
  const removed = await h.api(
    'DELETE',
    '/firmware?vendor=gigaset&model=maxwell%203&version=2.22.8',
  );
  assert.equal(removed.status, 200);
});

test('a corrupt, truncated, empty or non-image upload is refused with a message; the catalogue stays', async () => {
  const kept = await h.upload(
    { vendor: 'fanvil', model: 'X6', version: '1.0', file: 'x6.z' },
    IMAGE,
  );
  assert.equal(kept.status, 201);
  const before = (await h.api('GET', '/firmware')).body;
  const refusals: [Record<string, string>, Buffer, Record<string, string | number>, RegExp][] = [
    [{ file: 'x6.z' }, IMAGE, { sha256: sha(Buffer.from('other')) }, /corrupt/],
    [{ file: 'x6.z' }, IMAGE.subarray(0, 1000), { size: IMAGE.length }, /cut short/],
    [{ file: 'x6.z' }, Buffer.alloc(0), {}, /empty/],
    [
      { file: 'x6.z' },
      Buffer.from('<!DOCTYPE html><html><body>404 Not Found</body></html>'),
      {},
      /web page/,
    ],
    [{ file: 'x6.z' }, Buffer.from('404 Not Found\n'), {}, /error message/],
  ];
  for (const [query, body, declared, message] of refusals) {
    const refused = await h.upload(
      { vendor: 'fanvil', model: 'X6', version: '2.0', ...query },
      body,
      declared,
    );
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal((refused.body as { code: string }).code, 'PND_FIRMWARE_REFUSED');
    assert.match((refused.body as { message: string }).message, message);
  }
  for (const [query, code] of [
    [{ vendor: 'nokia', model: 'X6', version: '2', file: 'a.z' }, 'PND_UNKNOWN_VENDOR'],
    [{ vendor: 'fanvil', model: '../X6', version: '2', file: 'a.z' }, 'PND_INVALID_ARGUMENT'],
    [{ vendor: 'fanvil', model: 'X6', version: '2', file: '../a.z' }, 'PND_INVALID_ARGUMENT'],
    // One space between words, as Gigaset names its phones; never at either end or doubled.
    [
      { vendor: 'gigaset', model: 'Maxwell  3', version: '2', file: 'a.bin' },
      'PND_INVALID_ARGUMENT',
    ],
    [
      { vendor: 'gigaset', model: 'Maxwell 3 ', version: '2', file: 'a.bin' },
      'PND_INVALID_ARGUMENT',
    ],
    [{ vendor: 'gigaset', model: ' Maxwell', version: '2', file: 'a.bin' }, 'PND_INVALID_ARGUMENT'],
  ] as const) {
    const refused = await h.upload(query, IMAGE);
    assert.equal((refused.body as { code: string }).code, code);
  }
  assert.deepEqual((await h.api('GET', '/firmware')).body, before);
});

test('phonebooks: CSV or JSON per profile and device, shown, listed, refused when bad, removed', async () => {
  await h.api('POST', '/profiles', { name: 'office' });
  const csv = 'name,office,mobile,group\nReception,100,,\n"Doe, John",101,+491701234567,Sales\n';
  const stored = await h.raw('PUT', '/phonebooks/profiles/office', csv, 'text/csv');
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.equal((stored.body as { contacts: unknown[] }).contacts.length, 2);
  const json = await h.api('PUT', '/phonebooks/devices/0c383e07e16c', {
    contacts: [{ name: 'Bob', other: '102' }],
  });
  assert.equal(json.status, 200);
  assert.deepEqual((await h.api('GET', '/phonebooks/devices/0C:38:3E:07:E1:6C')).body, json.body);
  const lists = (await h.api('GET', '/phonebooks')).body as { owner: unknown; contacts: number }[];
  assert.deepEqual(
    lists.map((l) => [l.owner, l.contacts]),
    [
      [{ profile: 'office' }, 2],
      [{ device: '0c383e07e16c' }, 1],
    ],
  );
  for (const [body, code] of [
    ['name,fax\nA,1\n', 'PND_INVALID_CSV'],
    ['name,office\nA,not a number!\n', 'PND_INVALID_CONTACTS'],
    ['office\n100\n', 'PND_INVALID_CSV'],
  ]) {
    const refused = await h.raw('PUT', '/phonebooks/profiles/office', body!, 'text/csv');
    assert.equal((refused.body as { code: string }).code, code, body);
  }
  // Every bad row of a file is named by its line, and the old list stays.
  const rows = await h.raw(
    'PUT',
    '/phonebooks/profiles/office?check=true',
    'name,office\nGood,100\nNobody,\nFax,not a number!\nToo,1,2\n',
    'text/csv',
  );
  const refused = rows.body as { code: string; message: string; details: { rows: unknown[] } };
  assert.equal(refused.code, 'PND_INVALID_CSV');
  assert.deepEqual(refused.details.rows, [
    { line: 3, message: '"Nobody" has no number' },
    {
      line: 4,
      message: 'office "not a number!" is not a phone number (digits, + * # or user@host)',
    },
    { line: 5, message: 'more cells than columns' },
  ]);
  assert.match(refused.message, /^3 rows are refused; no contact was stored:\n {2}line 3: /);
  assert.equal(
    ((await h.api('GET', '/phonebooks/profiles/office')).body as { contacts: unknown[] }).contacts
      .length,
    2,
  );
  assert.equal((await h.api('PUT', '/phonebooks/profiles/nowhere', { contacts: [] })).status, 404);
  assert.equal((await h.api('GET', '/phonebooks/devices/zz')).status, 400);
  assert.equal((await h.api('DELETE', '/phonebooks/devices/0c383e07e16c')).status, 200);
  assert.equal((await h.api('GET', '/phonebooks/devices/0c383e07e16c')).status, 404);
  assert.equal((await h.api('DELETE', '/phonebooks/profiles/office')).status, 200);
});

test('the OpenAPI document lists the catalogue routes', async () => {
  const doc = (await h.api('GET', '/openapi.json')).body as { paths: Record<string, unknown> };
  for (const path of [
    '/firmware',
    '/phonebooks',
    '/phonebooks/profiles/{name}',
    '/phonebooks/devices/{mac}',
  ])
    assert.ok(doc.paths[path], path);
});
