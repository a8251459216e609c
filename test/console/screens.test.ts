import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import type { Page } from 'playwright-core';

import { TestPhone, subscribeText } from '../sip/support.ts';
import { ConsoleUnderTest, followFetches, macOf, signIn } from './support.ts';

// The console's other screens, each driven as an operator would: click, type, read what the
// page says, and check it against the API and the phones' doors. PND_SCREENSHOTS=<dir> keeps
// a picture of each screen there, to be looked at.
const ui = new ConsoleUnderTest({ devices: 40, sip: true });

const CONSOLE_SOURCE = fileURLToPath(new URL('../../src/console/', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/plugndial-dev', import.meta.url));

/** Keeps a picture of the page when PND_SCREENSHOTS names a directory. */
async function picture(p: Page, name: string, fullPage = true): Promise<void> {
  const dir = process.env['PND_SCREENSHOTS'];
  if (dir) await p.screenshot({ path: join(dir, `${name}.png`), fullPage });
}

async function open(p: Page, hash: string, heading: string | RegExp): Promise<void> {
  await p.goto(`${ui.server.admin}/console/#${hash}`);
  await p.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

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

test('files: upload an overlay file, the phones get it, the list shows it, remove it', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Files', exact: true }).click();
  await p.getByRole('heading', { name: 'Files', level: 1 }).waitFor();
  await p.getByText('No file is stored.').waitFor();
  const logo = Buffer.from('BM-a-small-logo-for-the-phones'.repeat(200));
  await p.getByLabel('File', { exact: true }).setInputFiles({
    name: 'logo.bmp',
    mimeType: 'image/bmp',
    buffer: logo,
  });
  const path = p.getByLabel('Path phones ask for');
  assert.equal(await path.inputValue(), 'logo.bmp', 'the path starts as the file name');
  await path.fill('images/logo.bmp');
  await p.getByRole('button', { name: 'Upload' }).click();
  await p.getByText('Stored images/logo.bmp').waitFor();
  const row = p.getByRole('row', { name: /images\/logo\.bmp/ });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /6 KiB/);
  await picture(p, 'files');
  const served = await fetch(`${ui.server.http}/images/logo.bmp`);
  assert.equal(served.status, 200);
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), logo);
  // Removing asks first; a "no" keeps the file.
  p.once('dialog', (dialog) => void dialog.dismiss());
  await p.getByRole('button', { name: 'Remove images/logo.bmp' }).click();
  await p.waitForTimeout(200);
  assert.equal((await api('GET', '/files')).body.length, 1, 'dismissed: the file stays');
  p.once('dialog', (dialog) => void dialog.accept());
  await p.getByRole('button', { name: 'Remove images/logo.bmp' }).click();
  await p.getByText('No file is stored.').waitFor();
  assert.equal((await fetch(`${ui.server.http}/images/logo.bmp`)).status, 404);
});

test('pending phones: claim one with a profile and settings, it becomes a device', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  // A phone nobody added asks by plug-and-play.
  const mac = '0021f2fe0001';
  const phone = await TestPhone.open();
  try {
    phone.send(subscribeText(`MAC${mac}`, phone.port), ui.server.server.addresses.sip!.port);
    for (let i = 0; i < 50 && (await api('GET', '/pending')).body.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    await phone.close();
  }
  await api('POST', '/profiles', { name: 'lobby', settings: {} });
  await p.getByRole('link', { name: 'Pending', exact: true }).click();
  await p.getByRole('heading', { name: 'Pending phones', level: 1 }).waitFor();
  const row = p.getByRole('row', { name: /00:21:f2:fe:00:01/ });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /flyingvoice.*FIP14G.*127\.0\.0\.1/);
  await picture(p, 'pending');
  await row.getByRole('button', { name: 'Claim' }).click();
  await p.getByRole('heading', { name: 'Claim 00:21:f2:fe:00:01' }).waitFor();
  assert.equal(await p.getByLabel('Vendor').inputValue(), 'flyingvoice', 'what the phone said');
  await p.getByLabel('Profiles').selectOption(['lobby']);
  await p.getByLabel('accounts.1.user').fill('4001');
  await p.getByLabel('accounts.1.password').fill('lobby-secret');
  await picture(p, 'pending-claim');
  await p.getByRole('button', { name: 'Claim', exact: true }).last().click();
  await p.getByRole('heading', { name: 'Device 00:21:f2:fe:00:01' }).waitFor();
  const device = await api('GET', `/devices/${mac}?secrets=true`);
  assert.equal(device.status, 200);
  assert.deepEqual(device.body.profiles, ['lobby']);
  assert.equal(device.body.settings['accounts.1.user'], '4001');
  assert.equal(device.body.settings['accounts.1.password'], 'lobby-secret');
  // It left the pending list.
  await p.getByRole('link', { name: 'Pending', exact: true }).click();
  await p.getByText('No phone is waiting.').waitFor();
  assert.deepEqual((await api('GET', '/pending')).body, []);
});

test('phonebooks: a CSV is previewed row by row; a bad file names its rows and stores nothing', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Phonebooks' }).click();
  await p.getByRole('heading', { name: 'Phonebooks', level: 1 }).waitFor();
  await p.getByLabel('For').selectOption('profile');
  await p.getByLabel('Profile name or MAC').fill('floor1');
  const good = [
    'name,office,mobile,group',
    'Reception,100,,Office',
    'Kitchen,101,+4915112345,Office',
  ];
  await p
    .getByLabel('or paste the CSV')
    .fill([...good, 'Nobody,,,', 'Fax,not a number!,,'].join('\n'));
  await p.getByRole('button', { name: 'Preview' }).click();
  const rows = p.getByRole('list', { name: 'Bad rows' });
  await rows.waitFor();
  const items = await rows.getByRole('listitem').allTextContents();
  assert.equal(items.length, 2, items.join('\n'));
  assert.match(items[0]!, /^Row 4: .*Nobody.*no number/);
  assert.match(items[1]!, /^Row 5: .*office/);
  await p.getByText('Nothing was stored').waitFor();
  assert.equal(await p.getByRole('button', { name: 'Import these contacts' }).isVisible(), false);
  await picture(p, 'phonebooks-bad');
  assert.equal((await api('GET', '/phonebooks/profiles/floor1')).status, 404);
  // The good rows alone: a preview of what was read, still nothing stored, then the import.
  await p.getByLabel('or paste the CSV').fill(good.join('\n'));
  await p.getByRole('button', { name: 'Preview' }).click();
  const parsed = p.getByRole('table', { name: 'Parsed contacts' });
  await parsed.waitFor();
  await p.getByText('2 contacts read for profile floor1; nothing is stored yet.').waitFor();
  assert.deepEqual(
    (await parsed.locator('tbody tr').allTextContents()).map((r) => r.trim()),
    ['Reception100Office', 'Kitchen101+4915112345Office'],
  );
  await picture(p, 'phonebooks-preview');
  assert.equal(
    (await api('GET', '/phonebooks/profiles/floor1')).status,
    404,
    'a preview stores nothing',
  );
  await p.getByRole('button', { name: 'Import these contacts' }).click();
  await p.getByRole('link', { name: 'profile floor1' }).waitFor();
  assert.match(
    (await p.getByRole('row', { name: /profile floor1/ }).textContent()) ?? '',
    /profile floor1\s*2/,
  );
  const stored = await api('GET', '/phonebooks/profiles/floor1');
  assert.deepEqual(
    stored.body.contacts.map((c: Json) => c.name),
    ['Reception', 'Kitchen'],
  );
});

/** Records a progress bar's fill as it changes (browser code, as text: no DOM types here). */
async function watchProgress(p: Page, label: string): Promise<void> {
  await p.evaluate(`(() => {
    const seen = (window.progressSeen = []);
    const bar = document.querySelector('progress[aria-label="${label}"]');
    new MutationObserver(() => seen.push(bar.value / bar.max)).observe(bar, { attributes: true });
    setInterval(() => seen.push(bar.value / bar.max), 50);
  })()`);
}

test('bulk resync of a profile at a rate: the bar fills, phones without an address are counted', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  await p.getByRole('link', { name: 'Bulk' }).click();
  await p.getByRole('heading', { name: 'Bulk', level: 1 }).waitFor();
  // Only the field the chosen way reads is shown.
  assert.equal(await p.getByLabel('Profile', { exact: true }).isVisible(), false);
  await p.getByLabel('Resync', { exact: true }).selectOption('profile');
  assert.equal(await p.getByLabel('MACs').isVisible(), false);
  await p.getByLabel('Profile', { exact: true }).fill('floor1');
  await p.getByLabel('Phones a second').fill('10');
  await watchProgress(p, 'Resync progress');
  await p.getByRole('button', { name: 'Start resync' }).click();
  await p
    .getByText(/0 accepted · 0 failed or no answer \(408\) · 20 not reachable · finished/)
    .waitFor({
      timeout: 20_000,
    });
  await p.getByText('20 of 20 phones told').waitFor();
  const seen = (await p.evaluate('window.progressSeen')) as number[];
  assert.ok(
    seen.some((f) => f > 0 && f < 1),
    `the bar showed only ${[...new Set(seen)].join(', ')}`,
  );
  await p.locator('summary', { hasText: '20 phones were not resynced' }).click();
  const first = p.locator('details li').first();
  assert.match(
    (await first.textContent()) ?? '',
    /^00:21:f2(:[0-9a-f]{2}){3}: .*never contacted plugndial and has no sip\.contact/,
  );
  await picture(p, 'bulk-resync');
  // A selection from the devices table: three phones.
  await p.getByRole('link', { name: 'Devices', exact: true }).click();
  await p.getByText(/ of \d+ devices/).waitFor();
  for (const n of [3, 5, 7]) {
    const mac = macOf(n).replace(/(..)(?!$)/g, '$1:');
    await p
      .getByRole('row', { name: new RegExp(mac) })
      .getByRole('checkbox')
      .check();
  }
  await p.getByRole('link', { name: /Resync selected \(3/ }).click();
  await p.getByRole('heading', { name: 'Bulk', level: 1 }).waitFor();
  assert.equal(await p.getByLabel('Resync', { exact: true }).inputValue(), 'selection');
  await p.getByRole('button', { name: 'Start resync' }).click();
  await p.getByText('3 of 3 phones told').waitFor({ timeout: 20_000 });
});

test('device credentials: masked, revealed, rotated; the preview masks secrets until revealed', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  const mac = macOf(5);
  await api('PATCH', `/devices/${mac}`, { settings: { 'accounts.1.password': 'desk5-secret' } });
  await open(p, `/devices/${mac}`, /^Device /);
  const credentials = p.locator('section', {
    has: p.getByRole('heading', { name: 'Credentials' }),
  });
  const password = credentials.locator('[data-secret]');
  await password.waitFor();
  assert.equal(await password.textContent(), '********');
  await credentials.getByRole('button', { name: 'Reveal' }).click();
  await credentials.getByRole('button', { name: 'Mask' }).waitFor();
  const shown = (await api('GET', `/devices/${mac}/credentials?secrets=true`)).body.password;
  assert.equal(await password.textContent(), shown);
  assert.match(shown, /^[A-Za-z2-9]{24}$/);
  await credentials.getByRole('button', { name: 'Rotate' }).click();
  await p.getByText('New credentials; the old password is still accepted').waitFor();
  await p.waitForFunction(
    `document.querySelector('[data-secret]').textContent !== ${JSON.stringify(shown)}`,
  );
  const rotated = (await api('GET', `/devices/${mac}/credentials?secrets=true`)).body;
  assert.notEqual(rotated.password, shown);
  assert.equal(await password.textContent(), rotated.password);
  assert.ok(rotated.previousPasswordUntil, 'the old password has a grace period');
  await credentials.getByRole('button', { name: 'Mask' }).click();
  await credentials.getByRole('button', { name: 'Reveal' }).waitFor();
  assert.equal(await password.textContent(), '********');
  // The served file: the SIP password masked, shown on demand.
  await p.getByLabel('File', { exact: true }).selectOption(`${mac}.cfg`);
  const preview = p.locator('pre.file').first();
  await preview.waitFor();
  await p.waitForFunction(`document.querySelector('pre.file')?.textContent.includes('account')`);
  assert.doesNotMatch((await preview.textContent()) ?? '', /desk5-secret/);
  await picture(p, 'device');
  await p.getByRole('checkbox', { name: 'Reveal secrets' }).check();
  await p.locator('pre.file', { hasText: 'desk5-secret' }).waitFor();
  // The effective settings table masks it too, and reveals it on demand.
  const effective = p.locator('section', {
    has: p.getByRole('heading', { name: 'Effective settings' }),
  });
  const cell = effective.getByRole('row', { name: /accounts\.1\.password/ });
  assert.doesNotMatch((await cell.textContent()) ?? '', /desk5-secret/);
  await effective.getByRole('button', { name: 'Reveal secrets' }).click();
  await effective.getByRole('row', { name: /desk5-secret/ }).waitFor();
});

test('the settings form is generated from the schema: every key of `plugndial settings` is a field', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  const schema = JSON.parse(
    execFileSync(CLI, ['settings', '--json'], { encoding: 'utf8', env: { ...process.env } }),
  ) as { pattern: string }[];
  const keys = schema.map((s) => s.pattern.replace('.N.', '.1.'));
  assert.ok(keys.length > 20, `${keys.length} keys`);
  // No console code names the keys: the last of the schema, say, is nowhere in it.
  const source = readdirSync(CONSOLE_SOURCE, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(CONSOLE_SOURCE, f), 'utf8'))
    .join('\n');
  const last = keys.at(-1)!;
  assert.ok(!source.includes(last), `${last} is written in the console`);
  await open(p, '/profiles/floor1', 'Profile floor1');
  const missing = [];
  for (const key of keys)
    if ((await p.locator(`form.settings-form [data-key="${key}"]`).count()) !== 1)
      missing.push(key);
  assert.deepEqual(missing, [], 'keys of the schema without a field');
  // A field of it works like any other: the server stores what was typed.
  await p.locator('summary', { hasText: last.split('.')[0]! }).click();
  const input = p.getByLabel(new RegExp(`^${last.replaceAll('.', '\\.')}`));
  await input.waitFor();
  await picture(p, 'profile');
});

test('a phone-sized screen: no page scrolls sideways at 390x844', async (t) => {
  if (!(await ui.page(t))) return;
  // Wide tables to fit: a firmware target and an image in the catalogue.
  await api('PATCH', '/profiles/floor1', { settings: { 'firmware.version': '2.4.1' } });
  const image = await fetch(
    `${ui.server.http}/api/v1/firmware?vendor=flyingvoice&model=FIP14G&version=2.4.1&file=fip14g-241.rom`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ui.server.token}`,
        'content-type': 'application/octet-stream',
      },
      body: Buffer.alloc(4096, 1),
    },
  );
  assert.equal(image.status, 201, await image.text());
  const phone = await ui.browser!.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  try {
    const p = await phone.newPage();
    const fetches = followFetches(p);
    await signIn(p, ui.server);
    const screens: [string, string | RegExp][] = [
      ['/', 'Overview'],
      ['/devices', 'Devices'],
      [`/devices/${macOf(5)}`, /^Device /],
      ['/profiles', 'Profiles'],
      ['/profiles/floor1', 'Profile floor1'],
      ['/firmware', 'Firmware'],
      ['/phonebooks', 'Phonebooks'],
      ['/files', 'Files'],
      ['/pending', 'Pending phones'],
      ['/events', 'Events'],
      ['/security', 'Security events'],
      ['/bulk', 'Bulk'],
    ];
    const wide = [];
    for (const [hash, heading] of screens) {
      await p.goto(`${ui.server.admin}/console/#${hash}`);
      await p.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await fetches.settled();
      const { scroll, client } = (await p.evaluate(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      )) as { scroll: number; client: number };
      if (scroll > client) wide.push(`${hash}: ${scroll} > ${client}`);
      await picture(p, `phone${hash.replaceAll('/', '-')}`, hash.startsWith('/devices/'));
    }
    assert.deepEqual(wide, [], 'pages wider than the phone');
  } finally {
    await phone.close();
  }
});

/** A sign-in at the console's door with this token; answers the status. */
async function signInWith(token: string): Promise<number> {
  const response = await fetch(`${ui.server.admin}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ui.server.admin },
    body: JSON.stringify({ token }),
  });
  await response.arrayBuffer();
  return response.status;
}

// Last: it gets loopback blocked on the phones' door.
test('security events: a refused admin token and a throttled address, filtered by kind', async (t) => {
  const p = await ui.page(t);
  if (!p) return;
  // Someone tries a wrong token at the console's door.
  assert.equal(await signInWith('guessed-token'), 401);
  // A scanner walks MACs on the phones' door until it is blocked.
  for (let i = 0; i < 25; i++)
    await fetch(`${ui.server.http}/0021f2ee${String(i).padStart(4, '0')}.cfg`);
  // Guessing on is one event a minute, however fast: the tally counts the rest; from the
  // tenth wrong token in the minute the form stops taking any.
  const guesses: number[] = [];
  for (let i = 0; i < 20; i++) guesses.push(await signInWith('guess-' + i));
  assert.deepEqual(guesses, [...Array(9).fill(401), ...Array(11).fill(429)]);
  // Then the operator rotates a phone's credentials again and again: the block is no longer
  // among the newest.
  for (let i = 0; i < 210; i++) {
    const rotated = await fetch(
      `${ui.server.admin}/api/v1/devices/${macOf(5)}/credentials/rotate`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${ui.server.token}` },
      },
    );
    await rotated.arrayBuffer();
    assert.equal(rotated.status, 200);
  }
  await p.getByRole('link', { name: 'Security' }).click();
  await p.getByRole('heading', { name: 'Security events', level: 1 }).waitFor();
  await p.getByRole('cell', { name: 'credentials-rotated' }).first().waitFor();
  // Filtered by kind, the blocked address shows up, and only it.
  await p.getByLabel('Kind').fill('address-blocked');
  await p.getByRole('button', { name: 'Filter' }).click();
  await p.getByRole('cell', { name: 'address-blocked' }).waitFor();
  await picture(p, 'security');
  const kinds = await p.locator('tbody td[data-label="Kind"]').allTextContents();
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 'address-blocked'), kinds.join(', '));
  assert.match(
    (await p
      .getByRole('row', { name: /address-blocked/ })
      .first()
      .textContent()) ?? '',
    /127\.0\.0\.1.*refusals without credentials/,
  );
  assert.match(p.url(), /kind=address-blocked/, 'the filter is in the address, to share');
  // That address opens the same view.
  await p.reload();
  await p.getByRole('cell', { name: 'address-blocked' }).waitFor();
  assert.equal(await p.getByLabel('Kind').inputValue(), 'address-blocked');
  // And the refused sign-ins by their kind.
  await p.getByLabel('Kind').fill('console-sign-in-refused');
  await p.getByRole('button', { name: 'Filter' }).click();
  await p.getByRole('cell', { name: 'address-blocked' }).waitFor({ state: 'detached' });
  assert.equal(await p.getByRole('cell', { name: 'console-sign-in-refused' }).count(), 1);
});
