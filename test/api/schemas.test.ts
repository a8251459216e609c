import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify, { type FastifyInstance } from 'fastify';

import { adminApi } from '../../src/api/admin-api.ts';
import { FLYINGVOICE_PHONE, startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness([FLYINGVOICE_PHONE]);
});
after(async () => h?.close());

interface ApiError {
  code: string;
  message: string;
}

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
}

test('PATCH takes the field names POST takes: settings changes the device', async () => {
  const patched = await h.api('PATCH', '/devices/0021f2000001', {
    settings: { 'accounts.1.label': 'Reception' },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const shown = (await h.api('GET', '/devices/0021f2000001')).body as {
    settings: Record<string, unknown>;
  };
  assert.equal(shown.settings['accounts.1.label'], 'Reception');

  await h.api('POST', '/profiles', { name: 'office', settings: { 'time.timezone': 'UTC' } });
  const profile = await h.api('PATCH', '/profiles/office', {
    settings: { 'accounts.1.registrar': 'pbx.office.example' },
    unset: ['time.timezone'],
  });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  assert.deepEqual((profile.body as { settings: object }).settings, {
    'accounts.1.registrar': 'pbx.office.example',
  });
});

test('a body field nobody reads is a 400 naming it, and nothing changes', async () => {
  const before = (await h.api('GET', '/devices/0021f2000001')).body as { updatedAt: string };
  const old = await h.api('PATCH', '/devices/0021f2000001', {
    set: { 'accounts.1.label': 'Lost' },
  });
  assert.equal(old.status, 400);
  assert.equal((old.body as ApiError).code, 'PND_UNKNOWN_FIELD');
  assert.match((old.body as ApiError).message, /^body: unknown field "set"; allowed: .*settings/);
  const after = (await h.api('GET', '/devices/0021f2000001')).body as { updatedAt: string };
  assert.equal(after.updatedAt, before.updatedAt);

  const nested = await h.api('POST', '/devices', {
    devices: [{ mac: '0021f2000009', vendor: 'yealink', setings: {} }],
  });
  assert.equal(nested.status, 400);
  assert.match((nested.body as ApiError).message, /^body\.devices\.0: unknown field "setings"/);
  assert.equal((await h.api('GET', '/devices/0021f2000009')).status, 404);

  const one = await h.api('POST', '/devices', { mac: '0021f2000009', vendor: 'yealink', x: 1 });
  assert.match((one.body as ApiError).message, /unknown field "x"/);
  const profile = await h.api('POST', '/profiles', { name: 'lab', set: {} });
  assert.match((profile.body as ApiError).message, /unknown field "set"/);
});

test('query parameters and types are checked by the schema too', async () => {
  const unknown = await h.api('GET', '/devices?vendr=yealink');
  assert.equal(unknown.status, 400);
  assert.match(
    (unknown.body as ApiError).message,
    /^query: unknown query parameter "vendr"; allowed: vendor, profile, limit, offset$/,
  );
  const limit = await h.api('GET', '/devices?limit=ten');
  assert.equal((limit.body as ApiError).code, 'PND_INVALID_ARGUMENT');
  assert.match((limit.body as ApiError).message, /^query\.limit: expected integer/);
  assert.equal((await h.api('GET', '/devices?limit=1')).status, 200);
  const via = await h.api('POST', '/devices/0021f2000001/resync', { via: 'smoke' });
  assert.match((via.body as ApiError).message, /^body\.via: expected one of sip, tr069$/);
  const missing = await h.api('POST', '/devices', { vendor: 'yealink' });
  assert.match((missing.body as ApiError).message, /^body: missing field "mac"$/);
});

test('every route refuses an unknown query parameter (and body field) by name', async () => {
  const doc = (await h.api('GET', '/openapi.json')).body as OpenApi;
  const sample: Record<string, string> = {
    mac: '0021f2000001',
    name: 'default',
    file: '0021f2000001.cfg',
    path: 'a/b.txt',
  };
  let checked = 0;
  for (const [template, operations] of Object.entries(doc.paths)) {
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => sample[name]!);
    for (const [method, operation] of Object.entries(operations)) {
      const json = operation.requestBody?.content['application/json'] !== undefined;
      const response = await fetch(`${h.url}/api/v1${path}?zzz=1`, {
        method: method.toUpperCase(),
        headers: {
          authorization: `Bearer ${h.token}`,
          ...(json ? { 'content-type': 'application/json' } : {}),
        },
        ...(json ? { body: JSON.stringify({ zzz: 1 }) } : {}),
      });
      const body = (await response.json()) as ApiError;
      assert.equal(response.status, 400, `${method} ${template}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'PND_UNKNOWN_FIELD', `${method} ${template}`);
      assert.match(body.message, /"zzz"/, `${method} ${template}`);
      checked++;
    }
  }
  assert.ok(checked >= 35, `only ${checked} operations`);
});

/** The admin API alone on its own fastify instance (token `t`), ready to be injected. */
async function registerApi(app: FastifyInstance): Promise<void> {
  await app.register(adminApi, {
    prefix: '/api/v1',
    store: h.runtime.store,
    pipeline: h.runtime.pipeline,
    recorder: h.runtime.recorder,
    token: 't',
    now: () => new Date(),
  });
  await app.ready();
}

test('the OpenAPI document is generated from every registered route and is valid 3.1', async () => {
  // The routes as fastify registers them, seen from outside the API's own bookkeeping.
  const app = Fastify({ logger: false });
  const registered: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      const path = route.url
        .replace(/^\/api\/v1/, '')
        .replace(/:(\w+)/g, '{$1}')
        .replace('*', '{path}');
      registered.push(`${method.toLowerCase()} ${path}`);
    }
  });
  await registerApi(app);
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json() as OpenApi;
  await app.close();
  const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method} ${path}`),
  );
  assert.deepEqual([...documented].sort(), [...registered].sort());
  for (const route of ['get /check', 'patch /devices/{mac}', 'put /files/{path}'])
    assert.ok(documented.includes(route), route);

  const validator = new Validator();
  const result = await validator.validate(doc as unknown as Record<string, unknown>);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
  const patch = doc.paths['/devices/{mac}']!['patch']!;
  const schema = patch.requestBody!.content['application/json'] as {
    schema: { properties: object; additionalProperties: boolean };
  };
  assert.deepEqual(Object.keys(schema.schema.properties).sort(), [
    'model',
    'profiles',
    'settings',
    'unset',
    'vendor',
  ]);
  assert.equal(schema.schema.additionalProperties, false);
});

test('only GET of the OpenAPI document itself goes without the token; a path or query ending in it does not', async () => {
  const app = Fastify({ logger: false });
  await registerApi(app);
  try {
    assert.equal((await app.inject({ url: '/api/v1/openapi.json' })).statusCode, 200);
    assert.equal(
      (await app.inject({ method: 'HEAD', url: '/api/v1/openapi.json' })).statusCode,
      200,
    );
    const before = (await h.api('GET', '/devices')).body as unknown[];
    for (const [method, url, payload] of [
      ['PUT', '/api/v1/files/evil/openapi.json', 'x'],
      ['GET', '/api/v1/devices?x=/openapi.json', undefined],
      [
        'POST',
        '/api/v1/devices/import?update=true&x=/openapi.json',
        'mac,vendor\n0c383e0700aa,fanvil\n',
      ],
      ['POST', '/api/v1/openapi.json', '{}'],
    ] as const) {
      const answer = await app.inject({
        method,
        url,
        ...(payload === undefined
          ? {}
          : {
              payload,
              headers: {
                'content-type': method === 'PUT' ? 'application/octet-stream' : 'text/csv',
              },
            }),
      });
      assert.equal(answer.statusCode, 401, `${method} ${url}: ${answer.body}`);
    }
    assert.equal(((await h.api('GET', '/devices')).body as unknown[]).length, before.length);
  } finally {
    await app.close();
  }
});

test('every API answer, refusals too, says no-store and nosniff: it carries settings and, asked for, secrets', async () => {
  for (const [path, token] of [
    ['/devices?secrets=true', true],
    ['/devices', false],
    ['/no/such/route', true],
  ] as const) {
    const answer = await fetch(`${h.url}/api/v1${path}`, {
      headers: token ? { authorization: `Bearer ${h.token}` } : {},
    });
    await answer.arrayBuffer();
    assert.equal(answer.headers.get('cache-control'), 'no-store', path);
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', path);
  }
});
