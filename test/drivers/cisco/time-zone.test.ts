import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseFlatProfile } from '../../../src/drivers/cisco/format.ts';
import { utcOffsetMinutes } from '../../../src/model/time-zone.ts';
import { MAC, SUMMER, WINTER, assertGolden, renderText } from './helpers.ts';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'UTC',
] as const;

const OFFSETS: Readonly<Record<string, string>> = {
  'Europe/Berlin': 'GMT+01:00',
  'America/New_York': 'GMT-05:00',
  'Australia/Sydney': 'GMT+10:00',
  'Asia/Kolkata': 'GMT+05:30',
  'Asia/Kathmandu': 'GMT+05:45',
  UTC: 'GMT+00:00',
};

/**
 * The day a rule's `month/day/weekday` names in a year, as the administration guides define
 * it: weekday 1–7 is Monday–Sunday, 0 the date itself; a positive day the weekday on or
 * after it, a negative one on or before the month's last day plus one less it.
 */
function ruleDay(part: string, year: number): { month: number; day: number; hour: number } {
  const [month, day, weekday = 0, time = '0'] = part.split('/') as [
    string,
    string,
    string?,
    string?,
  ];
  const m = Number(month);
  const d = Number(day);
  const w = Number(weekday) % 7; // JavaScript: 0 Sunday
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  let date = d > 0 ? d : last + d + 1;
  if (Number(weekday) !== 0) {
    const step = d > 0 ? 1 : -1;
    while (new Date(Date.UTC(year, m - 1, date)).getUTCDay() !== w) date += step;
  }
  return { month: m, day: date, hour: Number(time.split(':')[0]) };
}

function parseRule(rule: string): { start: string; end: string; save: string } {
  const fields = Object.fromEntries(
    rule.split(';').map((f) => f.split('=').map((s) => s.trim()) as [string, string]),
  );
  return { start: fields['start']!, end: fields['end']!, save: fields['save']! };
}

/** The local days a zone's offset changes in a year, from the IANA data behind Intl. */
function changeDays(zone: string, year: number): string[] {
  const out: string[] = [];
  let previous = utcOffsetMinutes(zone, new Date(Date.UTC(year, 0, 1)))!;
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 3_600_000) {
    const offset = utcOffsetMinutes(zone, new Date(t))!;
    if (offset !== previous) {
      const local = new Date(t + previous * 60_000);
      out.push(`${local.getUTCMonth() + 1}/${local.getUTCDate()}`);
      previous = offset;
    }
  }
  return out;
}

test("the rule evaluator reads the guides' own examples as the guides say", () => {
  // Cisco SPA and Wireless IP Phone Administration Guide, "Daylight Saving Time Examples":
  // forms of the (2006) US rule, first Sunday in April to last Sunday in October. The
  // guide's third form, `end=10/31/7`, contradicts its own definition (the Sunday on or
  // after 31 October is in November): plugndial writes `-1` for a last weekday.
  for (const rule of ['start=4/1/7;end=10/-1/7;save=1', 'start=4/1/7/0;end=10/-1/7/0;save=1']) {
    const { start, end } = parseRule(rule);
    assert.deepEqual(
      [ruleDay(start, 2006), ruleDay(end, 2006)].map((d) => `${d.month}/${d.day}`),
      changeDays('America/New_York', 2006),
      rule,
    );
  }
  // The 8800 MPP administration guide's default rule is Europe's last Sundays.
  const { start, end } = parseRule('start=3/-1/7/2;end=10/-1/7/2;save=1');
  assert.deepEqual(
    [ruleDay(start, 2026), ruleDay(end, 2026)].map((d) => `${d.month}/${d.day}`),
    changeDays('Europe/Berlin', 2026),
  );
});

function slug(zone: string): string {
  return zone.replace(/\//g, '-').toLowerCase();
}

for (const zone of ZONES) {
  test(`golden: Cisco ${zone} is its GMT offset and a DST rule that names this year's changes`, () => {
    const text = renderText(`${MAC}.xml`, { 'time.timezone': zone }, { now: SUMMER })!;
    assertGolden(`tz/${slug(zone)}.xml`, text);
    assert.equal(renderText(`${MAC}.xml`, { 'time.timezone': zone }, { now: WINTER }), text);
    const parsed = parseFlatProfile(text);
    assert.ok(parsed.ok);
    const values = parsed.value;
    assert.equal(values.get('Time_Zone'), OFFSETS[zone]);
    const days = changeDays(zone, 2026);
    assert.equal(values.get('Daylight_Saving_Time_Enable'), days.length > 0 ? 'Yes' : 'No');
    if (days.length === 0) {
      assert.equal(values.has('Daylight_Saving_Time_Rule'), false);
      return;
    }
    const { start, end, save } = parseRule(values.get('Daylight_Saving_Time_Rule')!);
    const changes = [ruleDay(start, 2026), ruleDay(end, 2026)].map((d) => `${d.month}/${d.day}`);
    // The start month may come after the end month (southern zones): same two days.
    assert.deepEqual([...changes].sort(), [...days].sort());
    assert.equal(save, '1');
  });
}
