import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ConsoleSessions } from '../../src/api/sessions.ts';
import { macOf, startConsoleServer, type ConsoleServer } from '../console/support.ts';

// The console's session on the admin listener: a cookie no other origin can use, and a CSRF
// token on every change.
let server: ConsoleServer;
let cookie: string;
let csrf: string;

before(async () => {
  server = await startConsoleServer({ devices: 3 });
  const opened = await signIn();
  cookie = opened.cookie;
  csrf = opened.csrf;
});

after(() => server.close());

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${server.admin}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.admin },
    body: JSON.stringify({ token: server.token }),
  });
  assert.equal(response.status, 201);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const body = (await response.json()) as { csrfToken: string };
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrfToken };
}

function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Response> {
  return fetch(`${server.admin}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

test('signing in sets an HttpOnly, SameSite=Strict cookie; a wrong token is refused and recorded', async () => {
  const response = await fetch(`${server.admin}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.admin },
    body: JSON.stringify({ token: server.token }),
  });
  const setCookie = response.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  assert.match(setCookie, /; Path=\//);
  const wrong = await fetch(`${server.admin}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.admin },
    body: JSON.stringify({ token: 'guess' }),
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('set-cookie'), null);
  const events = await server.server.runtime.store.querySecurityEvents({});
  assert.ok(events.some((e) => e.kind === 'console-sign-in-refused'));
  assert.ok(events.some((e) => e.kind === 'console-sign-in'));
  assert.ok(!JSON.stringify(events).includes(server.token), 'the token is in no event');
  // The API filters them by kind, over every event kept; a kind it does not know is refused.
  const byKind = async (kind: string): Promise<{ status: number; body: unknown }> => {
    const answer = await fetch(`${server.admin}/api/v1/security-events?kind=${kind}`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    return { status: answer.status, body: await answer.json() };
  };
  const refused = await byKind('console-sign-in-refused');
  assert.equal(refused.status, 200);
  assert.ok(
    (refused.body as { kind: string }[]).every((e) => e.kind === 'console-sign-in-refused'),
  );
  assert.equal((refused.body as unknown[]).length, 1);
  assert.equal((await byKind('no-such-kind')).status, 400);
});

test('wrong bearer tokens on the API: one security event per address and minute, never the token', async () => {
  const before = await server.server.runtime.store.querySecurityEvents({
    kind: 'admin-token-refused',
  });
  for (let i = 0; i < 30; i++) {
    const wrong = await fetch(`${server.admin}/api/v1/devices`, {
      headers: { authorization: `Bearer guess-${i}` },
    });
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
  }
  const after = await server.server.runtime.store.querySecurityEvents({
    kind: 'admin-token-refused',
  });
  assert.equal(before.length, 0, 'no refused bearer token before this test');
  assert.equal(after.length, 1, 'a burst of 30 is one event');
  assert.equal(after[0]?.address, '127.0.0.1');
  assert.ok(!JSON.stringify(after).includes('guess'), 'no token in an event');
});

test('wrong tokens at the sign-in form: a burst is one security event, never the token; the tenth in a minute stops the form', async () => {
  // A server of its own: once throttled, this address signs in nowhere for a minute.
  const own = await startConsoleServer({ devices: 1 });
  try {
    const kind = 'console-sign-in-refused';
    const attempt = (token: string): Promise<Response> =>
      fetch(`${own.admin}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: own.admin },
        body: JSON.stringify({ token }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const wrong = await attempt(`guess-${i}`);
      statuses.push(wrong.status);
      const body = (await wrong.json()) as { code: string };
      if (wrong.status === 429) assert.equal(body.code, 'PND_SIGN_IN_THROTTLED');
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), ...Array(20).fill(429)]);
    // Throttled means not checked: the right token waits out the minute too.
    assert.equal((await attempt(own.token)).status, 429);
    const after = await own.server.runtime.store.querySecurityEvents({ kind });
    assert.equal(after.length, 1, 'within the minute of the first refusal, the rest are counted');
    assert.ok(!JSON.stringify(after).includes('guess'), 'no token in an event');
  } finally {
    await own.close();
  }
});

test('a page of another origin can neither sign in nor use a session', async () => {
  const elsewhere = await fetch(`${server.admin}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    body: JSON.stringify({ token: server.token }),
  });
  assert.equal(elsewhere.status, 403);
  assert.equal(((await elsewhere.json()) as { code: string }).code, 'PND_FOREIGN_ORIGIN');
  assert.equal(elsewhere.headers.get('set-cookie'), null);

  const mine = await call('GET', '/fleet/overview', { cookie, 'sec-fetch-site': 'same-origin' });
  assert.equal(mine.status, 200);
  const sibling = server.admin.replace(/:\d+$/, ':1');
  for (const headers of <Record<string, string>[]>[
    { origin: 'http://evil.example' },
    { origin: sibling },
    { origin: 'null' },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
  ]) {
    const read = await call('GET', '/fleet/overview', { cookie, ...headers });
    assert.equal(read.status, 403, JSON.stringify(headers));
    assert.equal(((await read.json()) as { code: string }).code, 'PND_FOREIGN_ORIGIN');
    const change = await call(
      'PATCH',
      `/devices/${macOf(1)}`,
      { cookie, 'x-csrf-token': csrf, ...headers },
      { settings: { 'accounts.1.label': 'changed from elsewhere' } },
    );
    assert.equal(change.status, 403, JSON.stringify(headers));
  }
  const device = await server.server.runtime.store.getDevice(macOf(1));
  assert.equal(device?.settings['accounts.1.label'], 'Phone 1', 'nothing changed');
});

test('every change through a session needs its CSRF token: each route of the API refuses without', async () => {
  const doc = (await (await call('GET', '/openapi.json', {})).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const values: Record<string, string> = { mac: macOf(2), name: 'floor1', id: 'x', '*': 'a.txt' };
  let checked = 0;
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const method of Object.keys(operations)) {
      if (method === 'get' || method === 'head') continue;
      // Signing in is the one change made without a session; it checks the origin instead.
      if (template === '/session' && method === 'post') continue;
      const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? 'x');
      for (const token of [undefined, 'not-the-token', '']) {
        const response = await call(
          method.toUpperCase(),
          path,
          {
            cookie,
            origin: server.admin,
            ...(token !== undefined ? { 'x-csrf-token': token } : {}),
          },
          {},
        );
        assert.equal(response.status, 403, `${method} ${path} with CSRF ${token}`);
        assert.equal(((await response.json()) as { code: string }).code, 'PND_CSRF');
      }
      checked++;
    }
  }
  assert.ok(checked >= 20, `only ${checked} changing routes`);
  const store = server.server.runtime.store;
  assert.ok(await store.getDevice(macOf(2)), 'no device was removed');
  assert.ok(await store.getProfile('floor1'), 'no profile was removed');
  // Signing out is a change too; the session is still open.
  assert.equal((await call('GET', '/session', { cookie })).status, 200);

  const allowed = await call(
    'PATCH',
    `/devices/${macOf(2)}`,
    { cookie, origin: server.admin, 'x-csrf-token': csrf },
    { settings: { 'accounts.1.label': 'changed in the console' } },
  );
  assert.equal(allowed.status, 200, await allowed.text());
});

test('a change with no origin at all is refused too; the admin token needs neither', async () => {
  const bare = await call('DELETE', '/session', { cookie, 'x-csrf-token': csrf });
  assert.equal(bare.status, 403);
  const scripted = await call('GET', '/fleet/overview', {
    authorization: `Bearer ${server.token}`,
    origin: 'http://evil.example',
  });
  assert.equal(scripted.status, 200, 'a script with the token is no browser session');
});

test('the session cookie opens nothing on the phones’ HTTP door', async () => {
  const response = await fetch(`${server.http}/api/v1/fleet/overview`, { headers: { cookie } });
  assert.equal(response.status, 401);
  const session = await fetch(`${server.http}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.http },
    body: JSON.stringify({ token: server.token }),
  });
  assert.notEqual(session.status, 201, 'no session is opened on a phones’ door');
});

test('signing out ends the session for good', async () => {
  const own = await signIn();
  const out = await call('DELETE', '/session', {
    cookie: own.cookie,
    origin: server.admin,
    'x-csrf-token': own.csrf,
  });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  assert.equal((await call('GET', '/fleet/overview', { cookie: own.cookie })).status, 401);
});

test(
  'signing out ends the event stream the session opened, at once (not at the next keep-alive, 15 s on)',
  { timeout: 10_000 },
  async () => {
    const own = await signIn();
    const stream = await fetch(`${server.admin}/api/v1/events/stream`, {
      headers: { cookie: own.cookie, origin: server.admin },
    });
    assert.equal(stream.status, 200);
    const text = stream.text();
    const out = await call('DELETE', '/session', {
      cookie: own.cookie,
      origin: server.admin,
      'x-csrf-token': own.csrf,
    });
    assert.equal(out.status, 200);
    assert.match(await text, /event: end\ndata: \{"reason":"session ended"\}/);
  },
);

test('sessions end when idle too long and at their lifetime, whatever the use', () => {
  let now = 0;
  const sessions = new ConsoleSessions({
    cookieName: 'c',
    now: () => now,
    idleMs: 1000,
    lifetimeMs: 5000,
  });
  const id = (setCookie: string): string => setCookie.split(';')[0]!;
  const request = (cookieHeader: string): Parameters<typeof sessions.authorise>[0] => ({
    method: 'GET',
    headers: { cookie: cookieHeader },
    host: 'h',
  });
  const idle = id(sessions.open('a').setCookie);
  now = 999;
  assert.ok('session' in sessions.authorise(request(idle)), 'used in time');
  now = 1998;
  assert.ok('session' in sessions.authorise(request(idle)), 'each use restarts the idle time');
  now = 2998;
  assert.ok('error' in sessions.authorise(request(idle)), 'idle for its idle time');

  now = 0;
  const busy = id(sessions.open('a').setCookie);
  for (now = 500; now < 5000; now += 500) assert.ok('session' in sessions.authorise(request(busy)));
  now = 5000;
  assert.ok('error' in sessions.authorise(request(busy)), 'over its lifetime');
});

test('at their bound, sessions make room by the least recently used; over TLS the cookie is Secure', () => {
  const sessions = new ConsoleSessions({ cookieName: 'c', max: 2 });
  const id = (setCookie: string): string => setCookie.split(';')[0]!;
  const use = (cookieHeader: string): boolean =>
    'session' in
    sessions.authorise({ method: 'GET', headers: { cookie: cookieHeader }, host: 'h' });
  const first = id(sessions.open('a').setCookie);
  const second = id(sessions.open('a').setCookie);
  assert.ok(use(first), 'the first, used again: now the most recent');
  const third = id(sessions.open('a').setCookie);
  assert.deepEqual([use(first), use(second), use(third)], [true, false, true]);
  assert.doesNotMatch(sessions.open('a').setCookie, /Secure/);
  assert.match(sessions.open('a', { secure: true }).setCookie, /; Secure$/);
});

test('a head too large for the admin listener gets its 431 before the connection closes', async () => {
  const { connect } = await import('node:net');
  const url = new URL(server.admin);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(`GET /console/${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
  assert.match(answer, /^HTTP\/1\.1 431 /);
});
