import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { drivers, knownVendors } from '../../src/drivers/registry.ts';

// Every family the server speaks is one an operator can find: a row of the README's supported
// phones table under each vendor name a device may carry, a guide in docs/vendors/, and a
// README beside the driver that names its sources and what is still uncertain.
const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const table = readme.slice(readme.indexOf('## Supported phones'));
const rows = table
  .split('\n')
  .slice(
    0,
    table.split('\n').findIndex((line, i) => i > 2 && !line.startsWith('|')),
  )
  .filter((line) => line.startsWith('| `'));

test('every vendor name is a row of the README’s supported phones, with its guide', () => {
  assert.ok(rows.length > 0, 'the README has a supported phones table');
  for (const vendor of knownVendors()) {
    const row = rows.find((line) => line.split('|')[1]?.includes(`\`${vendor}\``));
    assert.ok(row, `${vendor} has a row`);
    const guide = /\]\((docs\/vendors\/[a-z-]+\.md)\)/.exec(row)?.[1];
    assert.ok(guide && existsSync(new URL(guide, root)), `${vendor}: its guide exists (${guide})`);
  }
});

test('every driver folder has a README with its sources and what is uncertain', () => {
  for (const driver of drivers) {
    const file = new URL(`src/drivers/${driver.name}/README.md`, root);
    assert.ok(existsSync(file), `${driver.name} has a README`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^(#+ )?Sources\b/im, `${driver.name}: its sources`);
    assert.match(text, /^#+ .*Uncertain/im, `${driver.name}: what is uncertain`);
  }
});
