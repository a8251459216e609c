import assert from 'node:assert/strict';
import { test } from 'node:test';

import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import { YEALINK_ZONE_NAMES } from '../../../src/drivers/yealink/time-zone.ts';
import { zoneRules } from '../../../src/model/dst-rules.ts';
import { context, golden, recognised, renderText } from './helpers.ts';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'UTC',
] as const;

const SUMMER = new Date('2025-07-15T12:00:00Z');
const WINTER = new Date('2025-01-15T12:00:00Z');

function slug(zone: string): string {
  return zone.replace(/\//g, '-').toLowerCase();
}

for (const vendor of ['yealink', 'flyingvoice'] as const) {
  for (const zone of ZONES) {
    test(`golden: ${vendor} ${zone} is the standard offset and its DST, the same in summer and winter`, () => {
      const settings = { 'time.timezone': zone };
      const options = { vendor, withDevice: false } as const;
      const summer = renderText('y000000000000.cfg', settings, { ...options, now: SUMMER });
      const winter = renderText('y000000000000.cfg', settings, { ...options, now: WINTER });
      assert.equal(summer, golden(`tz/${vendor}-${slug(zone)}.cfg`));
      assert.equal(winter, summer);
    });
  }
}

test('explain says which rule was written', () => {
  const explain = (vendor: string, zone: string): string[] | undefined =>
    yealinkDriver.explain(
      recognised('y000000000000.cfg'),
      context({ 'time.timezone': zone }, { vendor, withDevice: false, now: SUMMER }),
    )?.notes;
  assert.deepEqual(explain('yealink', 'Europe/Berlin'), [
    "time.timezone=Europe/Berlin → Germany(Berlin), the phone's own DST for it (IANA: UTC+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, +60 min)",
  ]);
  assert.deepEqual(explain('flyingvoice', 'Europe/Berlin'), [
    'time.timezone=Europe/Berlin → UTC+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, +60 min',
  ]);
  assert.deepEqual(explain('yealink', 'Australia/Sydney'), [
    'time.timezone=Australia/Sydney → UTC+10, DST Oct 1st Sun 02:00 → Apr 1st Sun 03:00, +60 min',
  ]);
  assert.deepEqual(explain('yealink', 'Asia/Kathmandu'), [
    'time.timezone=Asia/Kathmandu → Nepal(Katmandu), UTC+5:45, no DST',
  ]);
});

test("every Yealink zone name's offset is its zones' standard offset today", () => {
  for (const entry of YEALINK_ZONE_NAMES) {
    for (const zone of entry.zones) {
      const rules = zoneRules(zone, SUMMER);
      assert.ok(rules, zone);
      const minutes = rules.standardOffset;
      const abs = Math.abs(minutes);
      const text =
        minutes === 0
          ? '0'
          : `${minutes < 0 ? '-' : '+'}${Math.floor(abs / 60)}${abs % 60 ? `:${abs % 60}` : ''}`;
      assert.equal(
        text,
        entry.offset,
        `${zone} is ${text}, listed as ${entry.offset} ${entry.name}`,
      );
      // "no DST" in the name must hold.
      if (/no DST/.test(entry.name)) assert.equal(rules.dst, undefined, zone);
    }
  }
});

test('a change at a time the hour field cannot say (Chatham, 02:45): the offset in force, no DST', () => {
  const values = (now: Date): string =>
    renderText(
      'y000000000000.cfg',
      { 'time.timezone': 'Pacific/Chatham' },
      {
        vendor: 'flyingvoice',
        withDevice: false,
        now,
      },
    )!;
  assert.match(values(SUMMER), /^local_time\.time_zone=\+12:45\nlocal_time\.summer_time=0$/m);
  assert.match(values(WINTER), /^local_time\.time_zone=\+13:45\nlocal_time\.summer_time=0$/m);
});
