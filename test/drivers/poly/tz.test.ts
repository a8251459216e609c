import assert from 'node:assert/strict';
import { test } from 'node:test';

import { polyDriver } from '../../../src/drivers/poly/index.ts';
import { MAC, context, golden, recognised, renderText } from './helpers.ts';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'UTC',
];
const SUMMER = new Date('2025-07-15T12:00:00Z');
const WINTER = new Date('2025-01-15T12:00:00Z');
const FILE = `${MAC}-settings.cfg`;

for (const zone of ZONES) {
  test(`golden: Poly ${zone} is gmtOffset and its DST rules, the same in summer and winter`, () => {
    const summer = renderText(FILE, { 'time.timezone': zone }, { now: SUMMER });
    assert.equal(summer, golden(`tz/${zone.replace(/\//g, '-').toLowerCase()}.cfg`));
    assert.equal(renderText(FILE, { 'time.timezone': zone }, { now: WINTER }), summer);
  });
}

test('a zone the one-hour rule cannot say (Lord Howe saves 30 minutes): the offset in force, DST off', () => {
  const text = renderText(FILE, { 'time.timezone': 'Australia/Lord_Howe' }, { now: WINTER })!;
  // January is Lord Howe's summer: UTC+11.
  assert.match(text, /tcpIpApp\.sntp\.gmtOffset="39600"/);
  assert.match(text, /daylightSavings\.enable="0"/);
  const notes = polyDriver.explain(
    recognised(FILE),
    context({ 'time.timezone': 'Australia/Lord_Howe' }, { now: WINTER }),
  )!.notes!;
  assert.match(notes[0]!, /UTC\+11 in force, no DST/);
});

test('explain names the rule written', () => {
  const notes = polyDriver.explain(
    recognised(FILE),
    context({ 'time.timezone': 'Europe/Berlin' }, { now: SUMMER }),
  )!.notes;
  assert.deepEqual(notes, [
    'time.timezone=Europe/Berlin → tcpIpApp.sntp.gmtOffset, daylightSavings: UTC+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, +60 min',
  ]);
});
