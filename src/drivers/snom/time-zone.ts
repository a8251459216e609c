import { describeRules, zoneRules, type DstTransition } from '../../model/dst-rules.ts';
import type { SettingValue } from '../../model/settings.ts';
import { formatUtcOffset, utcOffsetMinutes } from '../../model/time-zone.ts';

/** A `<phone-settings>` entry the zone becomes. */
export interface ZoneEntry {
  name: string;
  value: string;
}

/**
 * Snom's named zones for IANA zones whose rules they were made for (the `timezone` values
 * of Snom's setting list: `GER+1`, `USA-5`, `ITA+1` in the wiki's own examples). Each name
 * carries the phone's own DST rules; only zones with long-stable rules are listed, and a name
 * is used only while the zone's standard offset is still the one the name states.
 */
const NAMED: Readonly<Record<string, string>> = {
  'Europe/Berlin': 'GER+1',
  'Europe/Vienna': 'AUT+1',
  'Europe/Brussels': 'BEL+1',
  'Europe/Prague': 'CZE+1',
  'Europe/Copenhagen': 'DNK+1',
  'Europe/Paris': 'FRA+1',
  'Europe/Budapest': 'HUN+1',
  'Europe/Rome': 'ITA+1',
  'Europe/Luxembourg': 'LUX+1',
  'Europe/Amsterdam': 'NLD+1',
  'Europe/Oslo': 'NOR+1',
  'Europe/Warsaw': 'POL+1',
  'Europe/Madrid': 'ESP+1',
  'Europe/Stockholm': 'SWE+1',
  'Europe/Zurich': 'CHE+1',
  'Europe/London': 'GBR-0',
  'Europe/Dublin': 'IRL-0',
  'Europe/Lisbon': 'PRT-0',
  'Europe/Helsinki': 'FIN+2',
  'Europe/Athens': 'GRC+2',
  'Europe/Bucharest': 'ROU+2',
  'America/New_York': 'USA-5',
  'America/Chicago': 'USA-6',
  'America/Denver': 'USA-7',
  'America/Los_Angeles': 'USA-8',
  'America/Anchorage': 'USA-9',
  'Pacific/Honolulu': 'USA-10',
  'America/Toronto': 'CAN-5',
  'America/Winnipeg': 'CAN-6',
  'America/Edmonton': 'CAN-7',
  'America/Vancouver': 'CAN-8',
  'America/Halifax': 'CAN-4',
  'Australia/Sydney': 'AUS+10',
  'Australia/Melbourne': 'AUS+10',
  'Australia/Brisbane': 'AUS2+10',
  'Australia/Hobart': 'AUS3+10',
  'Australia/Adelaide': 'AUS+9.5',
  'Australia/Darwin': 'AUS2+9.5',
  'Australia/Perth': 'AUS+8',
  'Asia/Kolkata': 'IND+5.5',
  'Asia/Calcutta': 'IND+5.5',
  'Asia/Tokyo': 'JPN+9',
  'Asia/Seoul': 'KOR+8',
  'Asia/Singapore': 'SGP+8',
  'Pacific/Auckland': 'NZL+12',
};

/** `+5.5` in `IND+5.5` is the standard offset in hours. */
function statedOffset(name: string): number | undefined {
  const match = /[+-]\d+(?:\.\d+)?$/.exec(name);
  return match ? Math.round(Number(match[0]) * 60) : undefined;
}

/**
 * `time.timezone` as Snom settings, and the rule written, for `--explain`: the named zone
 * when there is one, else the explicit form the `dst` setting documents — `utc_offset` in
 * seconds and `dst` as `<save s> <MM>.<WW>.<DD> <hh:mm:ss> <MM>.<WW>.<DD> <hh:mm:ss>` (week 05
 * the last, day 01 Monday … 07 Sunday), empty for a zone without DST.
 */
export function zoneEntries(
  value: SettingValue,
  now: Date,
): { entries: ZoneEntry[]; note: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const rules = zoneRules(value, now);
  if (!rules) return undefined;
  const named = NAMED[value];
  if (
    named !== undefined &&
    statedOffset(named) === rules.standardOffset &&
    rules.kind !== 'irregular'
  ) {
    return {
      entries: [{ name: 'timezone', value: named }],
      note: `time.timezone=${value} → timezone: ${named} (the phone's own rules for it; IANA: ${describeRules(rules)})`,
    };
  }
  const dst = rules.dst;
  const start = dst && dstDate(dst.start);
  const end = dst && dstDate(dst.end);
  // A change the rule cannot say: the offset in force, without DST of the phone's.
  const offset =
    dst && (!start || !end)
      ? (utcOffsetMinutes(value, now) ?? rules.standardOffset)
      : rules.standardOffset;
  const entries: ZoneEntry[] = [{ name: 'utc_offset', value: String(offset * 60) }];
  if (!dst || !start || !end) {
    entries.push({ name: 'dst', value: '' });
    const how = dst ? `${formatUtcOffset(offset)} in force, no DST: ` : '';
    return {
      entries,
      note: `time.timezone=${value} → utc_offset, dst: ${how}${describeRules(rules)}`,
    };
  }
  entries.push({ name: 'dst', value: `${dst.save * 60} ${start} ${end}` });
  return { entries, note: `time.timezone=${value} → utc_offset, dst: ${describeRules(rules)}` };
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function dstDate(t: DstTransition): string | undefined {
  if (t.minutes < 0 || t.minutes >= 24 * 60) return undefined;
  const day = t.weekday === 0 ? 7 : t.weekday;
  const time = `${two(Math.floor(t.minutes / 60))}:${two(t.minutes % 60)}:00`;
  return `${two(t.month)}.${two(t.week)}.${two(day)} ${time}`;
}
