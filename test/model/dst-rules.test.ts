import assert from 'node:assert/strict';
import { test } from 'node:test';

import { describeRules, posixTimeZone, zoneRules } from '../../src/model/dst-rules.ts';

const IN_2025 = new Date('2025-06-01T12:00:00Z');

test('Europe/Berlin: UTC+1, DST from the last Sunday of March 02:00 to the last Sunday of October 03:00', () => {
  const rules = zoneRules('Europe/Berlin', IN_2025)!;
  assert.equal(rules.kind, 'rules');
  assert.equal(rules.standardOffset, 60);
  assert.deepEqual(rules.dst, {
    offset: 120,
    save: 60,
    start: { month: 3, week: 5, weekday: 0, minutes: 120 },
    end: { month: 10, week: 5, weekday: 0, minutes: 180 },
  });
  assert.equal(describeRules(rules), 'UTC+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, +60 min');
});

test('America/New_York: second Sunday of March to first Sunday of November, 02:00 both', () => {
  const rules = zoneRules('America/New_York', IN_2025)!;
  assert.equal(rules.standardOffset, -300);
  assert.deepEqual(rules.dst?.start, { month: 3, week: 2, weekday: 0, minutes: 120 });
  assert.deepEqual(rules.dst?.end, { month: 11, week: 1, weekday: 0, minutes: 120 });
});

test('Australia/Sydney, southern hemisphere: DST starts in October and ends in April of the next year', () => {
  const rules = zoneRules('Australia/Sydney', IN_2025)!;
  assert.equal(rules.standardOffset, 600);
  assert.equal(rules.dst?.offset, 660);
  assert.deepEqual(rules.dst?.start, { month: 10, week: 1, weekday: 0, minutes: 120 });
  assert.deepEqual(rules.dst?.end, { month: 4, week: 1, weekday: 0, minutes: 180 });
  assert.ok(rules.dst!.start.month > rules.dst!.end.month);
});

test('zones without DST: half and quarter hours, UTC', () => {
  for (const [zone, offset] of [
    ['Asia/Kolkata', 330],
    ['Asia/Kathmandu', 345],
    ['UTC', 0],
    ['Asia/Shanghai', 480],
    ['America/Phoenix', -420],
  ] as const) {
    const rules = zoneRules(zone, IN_2025)!;
    assert.equal(rules.kind, 'fixed', zone);
    assert.equal(rules.standardOffset, offset, zone);
    assert.equal(rules.dst, undefined, zone);
  }
  assert.equal(describeRules(zoneRules('Asia/Kathmandu', IN_2025)!), 'UTC+5:45, no DST');
});

test('a DST of 30 minutes (Lord Howe) and a half-hour standard offset with DST (St. Johns)', () => {
  const lordHowe = zoneRules('Australia/Lord_Howe', IN_2025)!;
  assert.equal(lordHowe.standardOffset, 630);
  assert.equal(lordHowe.dst?.save, 30);
  const stJohns = zoneRules('America/St_Johns', IN_2025)!;
  assert.equal(stJohns.standardOffset, -210);
  assert.equal(stJohns.dst?.save, 60);
});

test('the rules are those of the year of `now`, whatever the season it is in', () => {
  const winter = zoneRules('Europe/Berlin', new Date('2025-01-10T00:00:00Z'))!;
  const summer = zoneRules('Europe/Berlin', new Date('2025-07-10T00:00:00Z'))!;
  assert.deepEqual(winter, summer);
  // 2026's last Sunday of March is the 29th, not the 31st: still "last", not "week 4".
  assert.equal(zoneRules('Europe/Berlin', new Date('2026-02-01T00:00:00Z'))?.dst?.start.week, 5);
});

test('a zone whose changes follow no month/week rule is irregular: the offset in force, no DST', () => {
  // Kazakhstan moved Almaty from UTC+6 to UTC+5 on 1 March 2024: one change, no DST.
  const rules = zoneRules('Asia/Almaty', new Date('2024-06-10T12:00:00Z'))!;
  assert.equal(rules.kind, 'irregular');
  assert.equal(rules.dst, undefined);
  assert.equal(rules.standardOffset, 300);
  assert.equal(zoneRules('Asia/Almaty', new Date('2024-01-10T12:00:00Z'))?.standardOffset, 360);
  assert.match(describeRules(rules), /no month\/week rule/);
});

test('a zone whose two changes move with Ramadan (Morocco) is irregular; a rule a week off some years is still a rule', () => {
  // 2026: UTC+0 from 15 February to 22 March; 2027 from 7 February: no month/week rule says both.
  const morocco = zoneRules('Africa/Casablanca', new Date('2026-06-01T00:00:00Z'))!;
  assert.equal(morocco.kind, 'irregular');
  assert.equal(morocco.dst, undefined);
  assert.equal(morocco.standardOffset, 60);
  // Chile's "Sunday on or after the 2nd" and Cairo's "Thursday at 24:00" come out a week off
  // in some years, and Greenland's "Saturday before the last Sunday"; they stay rules.
  for (const zone of ['America/Santiago', 'Africa/Cairo', 'America/Nuuk', 'Europe/Berlin'])
    for (const year of [2024, 2026, 2028, 2029, 2030])
      assert.equal(
        zoneRules(zone, new Date(Date.UTC(year, 5, 1)))?.kind,
        'rules',
        `${zone} ${year}`,
      );
});

test('unknown zones and invalid instants give nothing', () => {
  assert.equal(zoneRules('Mars/Olympus_Mons', IN_2025), undefined);
  assert.equal(zoneRules('Europe/Berlin', new Date(Number.NaN)), undefined);
});

test('POSIX TZ strings match the footers of the tz database for the same zones', () => {
  for (const [zone, posix] of [
    ['Europe/Berlin', 'CET-1CEST,M3.5.0,M10.5.0/3'],
    ['America/New_York', 'EST5EDT,M3.2.0,M11.1.0'],
    ['Australia/Sydney', 'AEST-10AEDT,M10.1.0,M4.1.0/3'],
    ['Asia/Kolkata', 'IST-5:30'],
    ['Asia/Kathmandu', '<+0545>-5:45'],
    ['UTC', 'UTC0'],
    ['Europe/London', 'GMT0BST,M3.5.0/1,M10.5.0'],
    ['America/St_Johns', 'NST3:30NDT,M3.2.0,M11.1.0'],
    ['America/Sao_Paulo', '<-03>3'],
  ] as const) {
    assert.equal(posixTimeZone(zoneRules(zone, IN_2025)!), posix, zone);
  }
  // A DST that is not one hour names its offset; abbreviations come from CLDR, else numbers.
  assert.match(
    posixTimeZone(zoneRules('Australia/Lord_Howe', IN_2025)!),
    /^(?:[A-Z]{3,5}|<\+1030>)-10:30(?:[A-Z]{3,5}|<\+11>)-11,M10\.1\.0,M4\.1\.0$/,
  );
});
