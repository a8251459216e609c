import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { drivers } from '../../src/drivers/registry.ts';

const PAGE = readFileSync(new URL('../../docs/dhcp/README.md', import.meta.url), 'utf8');

/** The rows of "Telling phone families apart": vendor → the MAC prefixes and vendor classes shown. */
function familyRows(): Map<string, { prefixes: string[]; classes: string[] }> {
  const section = PAGE.slice(PAGE.indexOf('### Telling phone families apart'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| Vendor')));
  const rows = new Map<string, { prefixes: string[]; classes: string[] }>();
  for (const line of table
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Vendor'))) {
    const [vendorCell, classCell, prefixCell] = line
      .split('|')
      .slice(1, 4)
      .map((c) => c.trim());
    // "cisco (MPP)" is the vendor cisco.
    const vendor = vendorCell!.split(' ')[0]!;
    rows.set(vendor, {
      prefixes: [...prefixCell!.matchAll(/\b([0-9A-F]{2}):([0-9A-F]{2}):([0-9A-F]{2})\b/g)].map(
        (m) => `${m[1]}${m[2]}${m[3]}`.toLowerCase(),
      ),
      // What a cell says in brackets explains a class; it is not one.
      classes: [...classCell!.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    });
  }
  return rows;
}

test('docs/dhcp: the table of phone families shows every MAC prefix and vendor class the drivers match', () => {
  const rows = familyRows();
  let vendors = 0;
  for (const driver of drivers) {
    const dhcp = driver.dhcp;
    if (!dhcp) continue;
    for (const [vendor, prefixes] of Object.entries(dhcp.macPrefixes)) {
      vendors++;
      const row = rows.get(vendor);
      assert.ok(row, `docs/dhcp/README.md has no row for ${vendor}`);
      assert.deepEqual([...row.prefixes].sort(), [...prefixes].sort(), `${vendor}'s MAC prefixes`);
      assert.deepEqual(
        [...row.classes].sort(),
        [...(dhcp.vendorClasses[vendor] ?? [])].sort(),
        `${vendor}'s vendor classes`,
      );
    }
  }
  assert.ok(vendors >= 10, `only ${vendors} vendors with DHCP knowledge`);
});
