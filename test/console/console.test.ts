import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { requirePeer } from '../support/peer.ts';
import { ConsoleUnderTest, macOf } from './support.ts';

// The console in Debian's Chromium against a server in this process with 10,000 devices: every
// step an operator takes, through the pages only, checked against the API and the phones' door.
const ui = new ConsoleUnderTest({ devices: 10_000, sip: true });

const SCENARIOS = fileURLToPath(new URL('../interop/sipp/', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of several shapes
type Json = any;

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${ui.server.http}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ui.server.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

test('sign in with the admin token: the overview counts the fleet', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  const devices = p.locator('.tile', { hasText: 'devices' }).first();
  assert.equal((await devices.locator('.tile-value').textContent())?.trim(), '10,000');
  const cookies = await ui.context.cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0]!.httpOnly, true);
  assert.equal(cookies[0]!.sameSite, 'Strict');
});

test('find one device among 10,000 by part of its MAC in another form', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Devices', exact: true }).click();
  await p.getByText(/of 10,000 devices/).waitFor();
  const wanted = macOf(7331); // 0021f2001ca3
  await p.getByLabel('Search').fill('00-1C-A3');
  await p.getByText('1–1 of 1 devices').waitFor();
  await p.getByRole('link', { name: '00:21:f2:00:1c:a3' }).click();
  await p.getByRole('heading', { name: 'Device 00:21:f2:00:1c:a3' }).waitFor();
  assert.match(p.url(), new RegExp(`#/devices/${wanted}$`));
  // The user column searches too, and sorting is the server's: the highest user first.
  await p.goBack();
  await p.getByLabel('Search').fill('');
  await p.getByText('1–50 of 10,000 devices').waitFor();
  await p.getByRole('button', { name: 'User' }).click();
  await p.getByRole('button', { name: 'User' }).click();
  await p.locator('table.devices tbody tr').first().getByText('9999').waitFor();
});

test('change a setting on the device page: the served file changes, for the phone too', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  const mac = macOf(42);
  await p.goto(`${ui.server.admin}/console/#/devices/${mac}`);
  await p.getByRole('heading', { name: /^Device / }).waitFor();
  // The device's own configuration file, where its account settings go.
  await p.getByLabel('File', { exact: true }).selectOption(`${mac}.cfg`);
  const preview = p.locator('pre.file', { hasText: 'account' }).first();
  await preview.waitFor();
  assert.doesNotMatch((await preview.textContent()) ?? '', /Front desk 42/);
  const label = p.getByLabel(/^accounts\.1\.label/);
  await label.fill('Front desk 42');
  await p.getByRole('button', { name: 'Save settings' }).click();
  await p.locator('pre.file', { hasText: 'Front desk 42' }).waitFor();
  // A bad value gets the command line's own message, and nothing is stored.
  await p.getByLabel(/^accounts\.1\.registrar_port/).fill('notaport');
  await p.getByRole('button', { name: 'Save settings' }).click();
  const refusal = p.getByRole('alert').filter({ hasText: 'accounts.1.registrar_port' });
  await refusal.waitFor();
  const shown = await api('GET', `/devices/${mac}`);
  assert.equal(shown.body.settings['accounts.1.label'], 'Front desk 42');
  assert.equal(shown.body.settings['accounts.1.registrar_port'], undefined);
  // The phone gets what the preview showed.
  const files = (await api('GET', `/devices/${mac}/files`)).body as string[];
  const bodies = await Promise.all(
    files.map(async (file) => (await fetch(`${ui.server.http}/${file}`)).text()),
  );
  assert.ok(
    bodies.some((body) => body.includes('Front desk 42')),
    files.join(', '),
  );
});

test('upload a firmware image: the progress bar moves, the catalogue lists it', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Firmware' }).click();
  await p.getByRole('heading', { name: 'Firmware', level: 1 }).waitFor();
  // Slow the upload down so the browser reports progress along the way.
  const cdp = await ui.context.newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 2 * 1024 * 1024,
  });
  // Records the bar's fill as it changes (browser code, given as text: no DOM types here).
  await p.evaluate(`(() => {
    const seen = (window.progressSeen = []);
    const bar = document.querySelector('progress');
    new MutationObserver(() => seen.push(bar.value / bar.max)).observe(bar, { attributes: true });
    setInterval(() => seen.push(bar.value / bar.max), 50);
  })()`);
  await p.getByLabel('Vendor').fill('flyingvoice');
  await p.getByLabel('Model').fill('FIP14G');
  await p.getByLabel('Version', { exact: true }).fill('9.9.9');
  await p.getByLabel('Image').setInputFiles({
    name: 'fip14g-999.rom',
    mimeType: 'application/octet-stream',
    buffer: randomBytes(6 * 1024 * 1024),
  });
  await p.getByRole('button', { name: 'Upload' }).click();
  await p.getByText(/^Stored: 6\.0 MiB/).waitFor({ timeout: 60_000 });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  const seen = (await p.evaluate('window.progressSeen')) as number[];
  assert.ok(
    seen.some((f) => f > 0 && f < 1),
    `the bar showed only ${[...new Set(seen)].join(', ')}`,
  );
  await p.getByRole('cell', { name: '9.9.9', exact: true }).waitFor();
  const catalogue = (await api('GET', '/firmware')).body as { version: string; size: number }[];
  assert.equal(catalogue.find((image) => image.version === '9.9.9')?.size, 6 * 1024 * 1024);
});

test('import a CSV with a bad row: the dry run names it, nothing is stored', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Bulk' }).click();
  const csv = [
    'mac,vendor,model,profiles,accounts.1.user,accounts.1.registrar_port',
    '0021f2f00001,flyingvoice,FIP14G,,2001,5060',
    '0021f2f00002,flyingvoice,FIP14G,,2002,notaport',
    'not-a-mac,flyingvoice,FIP14G,,2003,5060',
    '0021f2f00004,flyingvoice,FIP14G,nosuchprofile,2004,5060',
  ].join('\n');
  await p.getByLabel('or paste the CSV').fill(csv);
  await p.getByRole('button', { name: 'Check (dry run)' }).click();
  const rows = p.getByRole('list', { name: 'Bad rows' });
  await rows.waitFor();
  const items = await rows.getByRole('listitem').allTextContents();
  assert.equal(items.length, 3, items.join('\n'));
  assert.match(items[0]!, /^Row 3: .*registrar_port/);
  assert.match(items[1]!, /^Row 4: /);
  assert.match(items[2]!, /^Row 5: .*nosuchprofile/);
  await p.getByText('Nothing was stored').waitFor();
  assert.equal(
    (await api('GET', '/devices/0021f2f00001')).status,
    404,
    'the good row is not stored',
  );
  // Fixed, the check passes and the import stores every row.
  await p.getByLabel('or paste the CSV').fill(csv.split('\n').slice(0, 2).join('\n'));
  await p.getByRole('button', { name: 'Check (dry run)' }).click();
  await p.getByText('All rows are good: 1 devices would be added').waitFor();
  assert.equal((await api('GET', '/devices/0021f2f00001')).status, 404, 'a dry run stores nothing');
  await p.getByRole('button', { name: 'Import', exact: true }).click();
  await p.getByText('1 devices imported.').first().waitFor();
  assert.equal((await api('GET', '/devices/0021f2f00001')).status, 200);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

test('resync a phone that sipp plays: the page shows its 200', async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const p = await ui.page(t);
  if (!p) return;
  const mac = macOf(77);
  const port = await freePort();
  const set = await api('PATCH', `/devices/${mac}`, {
    settings: { 'sip.contact': `sip:1077@127.0.0.1:${port}` },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  await p.goto(`${ui.server.admin}/console/#/devices/${mac}`);
  await p.getByRole('heading', { name: /^Device / }).waitFor();
  const phone = new Promise<number | null>((resolve) => {
    const child = spawn(
      'sipp',
      [
        '-sf',
        `${SCENARIOS}check-sync-uas.xml`,
        '-m',
        '1',
        '-i',
        '127.0.0.1',
        '-p',
        String(port),
        '-key',
        'user',
        '1077',
        '-timeout',
        '15s',
        '-timeout_error',
        '-nostdin',
      ],
      { stdio: 'ignore', cwd: ui.server.dir },
    );
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
  });
  await p.getByRole('button', { name: 'Resync', exact: true }).click();
  const outcome = p.locator('.outcome-line[data-status="200"]');
  await outcome.waitFor({ timeout: 40_000 });
  assert.match((await outcome.textContent()) ?? '', /accepted \(200\).*check-sync/);
  assert.equal(await phone, 0, 'sipp saw the NOTIFY and answered it');
  // A phone that never answers: the page says 408.
  const silent = await freePort();
  await api('PATCH', `/devices/${mac}`, {
    settings: { 'sip.contact': `sip:1077@127.0.0.1:${silent}` },
  });
  await p.getByRole('button', { name: 'Resync', exact: true }).click();
  await p.locator('.outcome-line[data-status="408"]').waitFor({ timeout: 60_000 });
});

test('a live event arrives on the events page without reload', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Events', exact: true }).click();
  await p.getByText('Live: new events appear at the top.').waitFor();
  const mac = macOf(4242);
  const files = (await api('GET', `/devices/${mac}/files`)).body as string[];
  assert.equal((await fetch(`${ui.server.http}/${files[0]}`)).status, 200);
  await p
    .locator('table.events tbody tr')
    .first()
    .getByRole('link', { name: '00:21:f2:00:10:92' })
    .waitFor({ timeout: 15_000 });
});

test('more events at once than the live tail is sent: the page says so, Reload reads the table again', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Events', exact: true }).click();
  await p.getByText('Live: new events appear at the top.').waitFor();
  const at = Date.now();
  await ui.server.server.runtime.store.appendEvents(
    Array.from({ length: 700 }, (_, i) => ({
      at: new Date(at + i).toISOString(),
      mac: macOf(1 + i),
      file: `burst-${i}.cfg`,
      transport: 'http' as const,
      address: '192.0.2.7',
      status: 200,
      bytes: 1,
      durationMs: 1,
    })),
  );
  const notice = p.getByText('200 events came in faster than the live tail shows.');
  await notice.waitFor({ timeout: 15_000 });
  await p.getByRole('button', { name: 'Reload' }).click();
  await notice.waitFor({ state: 'detached' });
  await p.locator('table.events tbody tr', { hasText: 'burst-699.cfg' }).waitFor();
});

test('edit a profile: a field of the generated form is stored for the devices using it', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Profiles' }).click();
  await p.getByRole('link', { name: 'floor1' }).click();
  await p.getByRole('heading', { name: 'Profile floor1' }).waitFor();
  await p.getByText('5,000 devices').waitFor();
  await p.locator('summary', { hasText: 'firmware' }).click();
  await p.getByLabel(/^firmware\.version/).fill('2.4.1');
  await p.getByRole('button', { name: 'Save settings' }).click();
  await p.getByText('Profile floor1 saved').waitFor();
  const profile = await api('GET', '/profiles/floor1');
  assert.equal(profile.body.settings['firmware.version'], '2.4.1');
  const effective = await api('GET', `/devices/${macOf(2)}/effective`);
  assert.equal(effective.body.origin['firmware.version'], 'profile:floor1');
});

test('a click away before a screen has drawn leaves the new screen alone, and ends the old one’s live stream', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  // The device page once, so its module is loaded and the next visit starts drawing at once.
  await p.goto(`${ui.server.admin}/console/#/devices/${macOf(6)}`);
  await p.getByRole('heading', { name: /^Device / }).waitFor();
  await p.goto(`${ui.server.admin}/console/#/`);
  await p.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  // Every EventSource the console opens, to see which are still open at the end.
  interface Page {
    opened: { url: string; readyState: number }[];
    location: { hash: string };
    EventSource: new (url: string, init?: unknown) => object;
  }
  const CLOSED = 2;
  await p.evaluate(() => {
    const page = globalThis as unknown as Page;
    const opened: Page['opened'] = [];
    page.opened = opened;
    const Original = page.EventSource;
    page.EventSource = class extends Original {
      constructor(url: string, init?: unknown) {
        super(url, init);
        opened.push(this as unknown as Page['opened'][number]);
      }
    };
  });
  const mac = macOf(7);
  // The device's answer is held back, so the click away surely comes while it draws.
  let asked!: () => void;
  const held = new Promise<void>((resolve) => (asked = resolve));
  await p.route(`**/api/v1/devices/${mac}`, async (route) => {
    asked();
    await new Promise((r) => setTimeout(r, 500));
    await route.continue();
  });
  await p.evaluate((mac) => {
    (globalThis as unknown as Page).location.hash = `#/devices/${mac}`;
  }, mac);
  await held;
  await p.evaluate(() => {
    (globalThis as unknown as Page).location.hash = '#/events';
  });
  await p.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
  // The device page went on drawing after the click; once it is done, its stream is closed.
  await p.waitForFunction(
    (closed) =>
      (globalThis as unknown as Page).opened.some(
        (source) => source.url.includes('mac=') && source.readyState === closed,
      ),
    CLOSED,
    { timeout: 15_000 },
  );
  const open = await p.evaluate(
    (closed) =>
      (globalThis as unknown as Page).opened
        .filter((source) => source.readyState !== closed)
        .map((source) => source.url),
    CLOSED,
  );
  assert.equal(open.length, 1, open.join(', '));
  assert.doesNotMatch(open[0]!, /mac=/);
  assert.equal(await p.locator('main h1').count(), 1, 'only the events page is drawn');
  assert.equal(await p.getByRole('heading', { name: /^Device / }).count(), 0);
});

test('the devices pager: an offset past the end shows the last page, a negative one the first', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  // Other tests add devices: the fleet's size as the API says it now.
  const total = ((await api('GET', '/fleet/devices?limit=1')).body as { total: number }).total;
  const first = Math.floor((total - 1) / 50) * 50 + 1;
  const shown = (n: number): string => n.toLocaleString('en-US');
  await p.goto(`${ui.server.admin}/console/#/devices?offset=999990`);
  await p.getByText(`${shown(first)}–${shown(total)} of ${shown(total)} devices`).waitFor();
  assert.equal(await p.getByRole('button', { name: 'Next ›' }).isDisabled(), true);
  await p.goto(`${ui.server.admin}/console/#/devices?offset=-50`);
  await p.getByText(`1–50 of ${shown(total)} devices`).waitFor();
  assert.equal(await p.getByRole('button', { name: '‹ Previous' }).isDisabled(), true);
});

test('adding an account names the next one on its button', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.goto(`${ui.server.admin}/console/#/devices/${macOf(43)}`);
  await p.getByRole('heading', { name: /^Device / }).waitFor();
  const accounts = p
    .locator('details', { has: p.locator('summary', { hasText: /^accounts/ }) })
    .first();
  // Open unless the device has accounts of its own, which open it already.
  if ((await accounts.getAttribute('open')) === null) await accounts.locator('summary').click();
  await p.getByRole('button', { name: 'Add accounts 2' }).click();
  await p.getByRole('group', { name: 'accounts 2' }).waitFor();
  await p.getByRole('button', { name: 'Add accounts 3' }).waitFor();
  assert.equal(await p.getByRole('button', { name: 'Add accounts 2' }).count(), 0);
});

test('sign out: the session ends on the server, the console asks for the token again', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  const [cookie] = await ui.context.cookies();
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.getByLabel('Admin token').waitFor();
  assert.equal((await ui.context.cookies()).length, 0, 'the browser forgot the cookie');
  const reused = await fetch(`${ui.server.admin}/api/v1/fleet/overview`, {
    headers: { cookie: `${cookie!.name}=${cookie!.value}` },
  });
  assert.equal(reused.status, 401, 'the old cookie no longer opens the API');
  // A wrong token is refused with a message, in the page.
  await p.getByLabel('Admin token').fill('not-the-token');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'wrong admin token' }).waitFor();
});
