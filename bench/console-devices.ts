// The console's devices table at 100,000 devices, in Debian's Chromium:
//   node --import tsx bench/console-devices.ts [devices]
// Prints the page load (navigation to the first page of rows shown, median of 5) and, for
// scale, the API answer the page waits for, for the default order, a sort and two searches.
import { performance } from 'node:perf_hooks';

import { chromium } from 'playwright-core';

import { CHROMIUM, signIn, startConsoleServer } from '../test/console/support.ts';

const devices = Number(process.argv[2] ?? 100_000);
const started = performance.now();
const server = await startConsoleServer({ devices });
console.log(`${devices} devices stored in ${Math.round(performance.now() - started)} ms`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function apiMs(query: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const response = await fetch(`${server.http}/api/v1/fleet/devices?${query}`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    await response.json();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await signIn(page, server);
const total = devices.toLocaleString('en');
const loads: number[] = [];
for (let i = 0; i < 6; i++) {
  await page.goto(`${server.admin}/console/#/`);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  const t0 = performance.now();
  await page.goto(`${server.admin}/console/#/devices`);
  await page.getByText(`1–50 of ${total} devices`).waitFor({ timeout: 60_000 });
  await page.locator('table.devices tbody tr').nth(49).waitFor();
  if (i > 0) loads.push(performance.now() - t0); // the first warms the caches
}
const search: number[] = [];
for (const text of ['00:00:1c:a3', '1099', '00:0a']) {
  await page.getByLabel('Search').fill('');
  await page.getByText(`1–50 of ${total} devices`).waitFor({ timeout: 60_000 });
  const t0 = performance.now();
  await page.getByLabel('Search').fill(text);
  await page
    .locator('.summary', { hasNotText: `of ${total} devices` })
    .waitFor({ timeout: 60_000 });
  search.push(performance.now() - t0 - 250); // less the typing pause before the search is sent
}
await browser.close();
console.log(
  `device list page load: median ${Math.round(median(loads))} ms (${loads.map(Math.round).join(', ')})`,
);
console.log(
  `search typed → rows shown, less the 250 ms pause: ${search.map(Math.round).join(', ')} ms`,
);
for (const [label, query] of [
  ['first page, MAC order', 'limit=50'],
  ['first page, sorted by user', 'limit=50&sort=user&order=desc'],
  ['last page, MAC order', `limit=50&offset=${devices - 50}`],
  ['search a MAC part', 'q=00:1c:a3&limit=50'],
  ['search a user', 'q=1099&limit=50'],
] as const) {
  console.log(`API ${label}: median ${Math.round(await apiMs(query))} ms`);
}
await server.close();
