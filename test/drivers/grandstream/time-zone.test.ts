import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseGsXml } from '../../../src/drivers/grandstream/format.ts';
import { grandstreamDriver } from '../../../src/drivers/grandstream/index.ts';
import { MAC, SUMMER, WINTER, assertGolden, context, recognised, renderText } from './helpers.ts';

/**
 * Grandstream's own time zone list (the configuration templates' "Time Zone" table, e.g.
 * the GXP21xx template for firmware 1.0.11.79 as FusionPBX redistributes it): POSIX TZ
 * strings. Ours must mean the same offsets and rules; names may differ.
 */
const GRANDSTREAM_LIST: Readonly<Record<string, string>> = {
  'Europe/Berlin': 'CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00',
  // The list writes `EST5EDT` and lets the phone's default US rules apply.
  'America/New_York': 'EST5EDT,M3.2.0,M11.1.0',
  'Australia/Sydney': 'EST-10EDT-11,M10.1.0/02:00:00,M4.1.0/03:00:00',
  'Asia/Kolkata': 'TZT-5:30',
  'Asia/Kathmandu': 'TZU-5:45',
  UTC: 'TZN+0',
};

interface PosixZone {
  standard: number;
  daylight?: number;
  start?: string;
  end?: string;
}

/** Offsets east of UTC in minutes, rules with their times made explicit (default 02:00). */
function parsePosix(text: string): PosixZone {
  const name = String.raw`(?:<[^>]+>|[A-Za-z]{3,})`;
  const offset = String.raw`([+-]?\d{1,2}(?::\d{2}){0,2})`;
  const rule = String.raw`(M\d{1,2}\.\d\.\d)(?:/(\d{1,2}(?::\d{2}){0,2}))?`;
  const match = new RegExp(`^${name}${offset}(?:${name}${offset}?,${rule},${rule})?$`).exec(text);
  assert.ok(match, `not a POSIX TZ string: ${text}`);
  const minutes = (value: string): number => {
    const sign = value.startsWith('-') ? -1 : 1;
    const [h = 0, m = 0] = value.replace(/^[+-]/, '').split(':').map(Number);
    return sign * (h * 60 + m);
  };
  const clock = (value: string | undefined): string => {
    const total = minutes(value ?? '2');
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  };
  const standard = -minutes(match[1]!);
  if (!match[3]) return { standard };
  return {
    standard,
    daylight: match[2] ? -minutes(match[2]) : standard + 60,
    start: `${match[3]}/${clock(match[4])}`,
    end: `${match[5]}/${clock(match[6])}`,
  };
}

function slug(zone: string): string {
  return zone.replace(/\//g, '-').toLowerCase();
}

for (const zone of Object.keys(GRANDSTREAM_LIST)) {
  test(`golden: Grandstream ${zone} is a self-defined POSIX zone meaning what Grandstream's list says`, () => {
    const text = renderText(`cfg${MAC}.xml`, { 'time.timezone': zone }, { now: SUMMER })!;
    assertGolden(`tz/${slug(zone)}.xml`, text);
    // Rules, not the offset of the day: winter renders the same file.
    assert.equal(renderText(`cfg${MAC}.xml`, { 'time.timezone': zone }, { now: WINTER }), text);
    const parsed = parseGsXml(text);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.values.get('dateTime.timezone'), 'customize');
    const custom = parsed.value.values.get('dateTime.timezone.custom')!;
    assert.ok(custom.length <= 64);
    assert.deepEqual(parsePosix(custom), parsePosix(GRANDSTREAM_LIST[zone]!));
  });
}

test('explain says which rule was written', () => {
  const notes = grandstreamDriver.explain(
    recognised(`cfg${MAC}.xml`),
    context({ 'time.timezone': 'Australia/Sydney' }, { now: SUMMER }),
  )?.notes;
  assert.deepEqual(notes, [
    'time.timezone=Australia/Sydney → customize AEST-10AEDT,M10.1.0,M4.1.0/3: UTC+10, DST Oct 1st Sun 02:00 → Apr 1st Sun 03:00, +60 min',
  ]);
});
