import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fanvilDriver } from '../../../src/drivers/fanvil/index.ts';
import { MAC, context, golden, recognised, renderText } from './helpers.ts';

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

for (const zone of ZONES) {
  test(`golden: Fanvil ${zone} is the standard offset and its DST rules, the same in summer and winter`, () => {
    const settings = { 'time.timezone': zone };
    const summer = renderText(`${MAC}.cfg`, settings, { now: SUMMER });
    assert.equal(summer, golden(`tz/${slug(zone)}.cfg`));
    assert.equal(renderText(`${MAC}.cfg`, settings, { now: WINTER }), summer);
  });
}

test('explain says which rule was written', () => {
  const notes = (zone: string): string[] | undefined =>
    fanvilDriver.explain(
      recognised(`${MAC}.cfg`),
      context({ 'time.timezone': zone }, { now: SUMMER }),
    )?.notes;
  assert.deepEqual(notes('Europe/Berlin'), [
    'time.timezone=Europe/Berlin → Time Zone Name: UTC+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, +60 min',
  ]);
  assert.deepEqual(notes('Asia/Kolkata'), [
    'time.timezone=Asia/Kolkata → Time Zone Name: UTC+5:30, no DST',
  ]);
});

test('the XML form carries the same DST lines', () => {
  const xml = renderText(`${MAC}.xml`, { 'time.timezone': 'Europe/Berlin' }, { now: SUMMER })!;
  for (const line of [
    '<Time_Zone>4</Time_Zone>',
    '<Enable_DST>1</Enable_DST>',
    '<DST_Start_Mon>3</DST_Start_Mon>',
    '<DST_Start_Week>5</DST_Start_Week>',
    '<DST_End_Hour>3</DST_End_Hour>',
  ]) {
    assert.ok(xml.includes(line), line);
  }
});

test('a change at a time the hour fields cannot say (Chatham, 02:45): the offset in force, DST off', () => {
  const lines = renderText(`${MAC}.cfg`, { 'time.timezone': 'Pacific/Chatham' }, { now: WINTER })!;
  assert.match(lines, /^Time Zone +:55\r$/m);
  assert.match(lines, /^Enable DST +:0\r$/m);
  assert.doesNotMatch(lines, /DST Start/);
});
