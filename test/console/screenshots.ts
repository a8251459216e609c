// Takes the screenshots of docs/console/ from a seeded server, in Debian's Chromium:
//   node --import tsx test/console/screenshots.ts [docs/console]
// A program, not a test: the pictures are looked at, not asserted on.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Page } from 'playwright-core';

import type { Mac } from '../../src/model/mac.ts';
import { CHROMIUM, followFetches, macOf, signIn, startConsoleServer } from './support.ts';

const out = process.argv[2] ?? 'docs/console';
mkdirSync(out, { recursive: true });
const server = await startConsoleServer({ devices: 2000 });
const store = server.server.runtime.store;
const token = { authorization: `Bearer ${server.token}` };
const now = Date.now();

// A fleet with a past: a firmware target, phones seen, some on the old image, failures.
await fetch(`${server.http}/api/v1/profiles/floor1`, {
  method: 'PATCH',
  headers: { ...token, 'content-type': 'application/json' },
  body: JSON.stringify({ settings: { 'firmware.version': '2.4.1' }, description: 'second floor' }),
});
const contacts = [];
for (let i = 1; i <= 1400; i++) {
  contacts.push({
    mac: macOf(i),
    lastContact: {
      at: new Date(now - (i % 7) * 600_000 - (i > 900 ? 7_200_000 : 0)).toISOString(),
      address: `10.1.${Math.floor(i / 250)}.${i % 250}`,
      file: `${macOf(i)}.cfg`,
      transport: i % 5 === 0 ? 'tftp' : 'http',
      status: 200,
    },
    reported: { firmware: i % 2 === 0 && i % 8 !== 0 ? '2.4.1' : '2.3.9' },
  });
}
await store.recordContacts(contacts);
for (let i = 1601; i <= 1630; i++) await fetch(`${server.http}/${macOf(i)}.cfg`);
for (let i = 0; i < 6; i++)
  await fetch(`${server.http}/0021f2ff00${String(i).padStart(2, '0')}.cfg`);
await store.recordPendingPhone({
  mac: '0021f2fe0001' as Mac,
  vendor: 'flyingvoice',
  model: 'FIP14G',
  firmware: '2.4.1',
  address: '10.1.9.20',
  lastSeen: new Date(now - 120_000).toISOString(),
});
await fetch(`${server.http}/api/v1/phonebooks/profiles/floor1`, {
  method: 'PUT',
  headers: { ...token, 'content-type': 'text/csv' },
  body: 'name,office,mobile,group\nReception,100,,Office\nKitchen,101,+4915112345,Office\n',
});
await fetch(`${server.http}/api/v1/files/images/logo.bmp`, {
  method: 'PUT',
  headers: { ...token, 'content-type': 'application/octet-stream' },
  body: Buffer.alloc(6000, 66),
});
await fetch(`${server.http}/api/v1/devices/${macOf(12)}/credentials/rotate`, {
  method: 'POST',
  headers: token,
});
await fetch(`${server.admin}/api/v1/session`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: server.admin },
  body: JSON.stringify({ token: 'a-guess' }),
});
await server.server.runtime.recorder.flush();

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const followed = new Map<Page, ReturnType<typeof followFetches>>();
const shoot = async (page: Page, hash: string, name: string, wait: string): Promise<void> => {
  await page.goto(`${server.admin}/console/#${hash}`);
  await page.getByRole('heading', { name: wait, level: 1 }).waitFor();
  await followed.get(page)?.settled();
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
};
const desktop = await browser.newPage({ viewport: { width: 1280, height: 860 } });
followed.set(desktop, followFetches(desktop));
await desktop.goto(`${server.admin}/console/`);
await desktop.getByLabel('Admin token').waitFor();
await desktop.screenshot({ path: join(out, 'sign-in.png') });
await signIn(desktop, server);
await shoot(desktop, '/', 'overview', 'Overview');
await shoot(desktop, '/devices', 'devices', 'Devices');
await shoot(desktop, `/devices/${macOf(12)}`, 'device', `Device 00:21:f2:00:00:0c`);
await shoot(desktop, '/profiles/floor1', 'profile', 'Profile floor1');
await shoot(desktop, '/firmware', 'firmware', 'Firmware');
await shoot(desktop, '/events', 'events', 'Events');
await shoot(desktop, '/pending', 'pending', 'Pending phones');
await shoot(desktop, '/files', 'files', 'Files');
await shoot(desktop, '/security', 'security', 'Security events');
await desktop.goto(`${server.admin}/console/#/phonebooks`);
await desktop
  .getByLabel('or paste the CSV')
  .fill('name,office,mobile\nFront desk,200,\nNobody,,\nFax,not a number!,\n');
await desktop.getByRole('button', { name: 'Preview' }).click();
await desktop.getByRole('list', { name: 'Bad rows' }).waitFor();
await desktop.screenshot({ path: join(out, 'phonebooks.png') });
await desktop.goto(`${server.admin}/console/#/bulk`);
await desktop
  .getByLabel('or paste the CSV')
  .fill(
    'mac,vendor,accounts.1.user\n0021f2fd0001,flyingvoice,3001\nnot-a-mac,flyingvoice,3002\n0021f2fd0003,nosuch,3003\n',
  );
await desktop.getByRole('button', { name: 'Check (dry run)' }).click();
await desktop.getByRole('list', { name: 'Bad rows' }).waitFor();
await desktop.screenshot({ path: join(out, 'bulk.png') });
const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
followed.set(phone, followFetches(phone));
await signIn(phone, server);
await shoot(phone, '/devices', 'devices-phone', 'Devices');
await browser.close();
await server.close();
console.log(`screenshots in ${out}`);
