import assert from 'node:assert/strict';
import { test } from 'node:test';

import { snomDriver } from '../../../src/drivers/snom/index.ts';
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
const FILE = `${MAC.toUpperCase()}.xml`;

function slug(zone: string): string {
  return zone.replace(/\//g, '-').toLowerCase();
}

for (const zone of ZONES) {
  test(`golden: Snom ${zone}, the same in summer and winter`, () => {
    const summer = renderText(FILE, { 'time.timezone': zone }, { now: SUMMER });
    assert.equal(summer, golden(`tz/${slug(zone)}.xml`));
    assert.equal(renderText(FILE, { 'time.timezone': zone }, { now: WINTER }), summer);
  });
}

// Snom wiki, dst: "for Germany ... <3600 03.05.07 02:00:00 10.05.07 03:00:00>". Belgrade keeps
// Germany's rules and has no Snom zone name, so it gets them written out.
test("golden: a zone without a Snom name gets the wiki's dst form (Germany's rules, Belgrade)", () => {
  const xml = renderText(FILE, { 'time.timezone': 'Europe/Belgrade' }, { now: SUMMER })!;
  assert.match(xml, /<utc_offset perm="R">3600<\/utc_offset>/);
  assert.match(xml, new RegExp(`<dst perm="R">${golden('seed-dst.txt').trim()}</dst>`));
});

test('explain names the rule written', () => {
  const notes = (zone: string): string[] | undefined =>
    snomDriver.explain(recognised(FILE), context({ 'time.timezone': zone }, { now: SUMMER }))
      ?.notes;
  assert.deepEqual(notes('Europe/Berlin'), [
    "time.timezone=Europe/Berlin → timezone: GER+1 (the phone's own rules for it; IANA: UTC+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, +60 min)",
  ]);
  assert.deepEqual(notes('Asia/Kathmandu'), [
    'time.timezone=Asia/Kathmandu → utc_offset, dst: UTC+5:45, no DST',
  ]);
});

test('a change at a time the dst form cannot take is not guessed: an unknown zone is ignored', () => {
  const explained = snomDriver.explain(
    recognised(FILE),
    context({ 'time.timezone': 'Mars/Olympus' }),
  )!;
  assert.deepEqual(explained.ignored, ['time.timezone']);
});
