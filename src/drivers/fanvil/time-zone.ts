import { describeRules, zoneRules, type DstTransition } from '../../model/dst-rules.ts';
import type { SettingValue } from '../../model/settings.ts';
import { formatUtcOffset, utcOffsetMinutes } from '../../model/time-zone.ts';

/** A `Key :Value` line of the GLOBAL module and the canonical key behind it. */
interface ZoneLine {
  key: string;
  value: string;
}

/**
 * `time.timezone` as Fanvil's GLOBAL lines, and the rule that was written, for `--explain`:
 * `Time Zone` is the standard offset in quarter hours (seed 004's `Time Zone :32` is UTC+8),
 * `Time Zone Name` its `UTC+1` form; with DST, `Enable DST :1` and the rules by week (Fanvil's
 * published templates: week 5 is the last, weekday 0 is Sunday, the local hour of the change).
 * A zone whose offset is no whole quarter hour is not expressed at all.
 */
export function zoneLines(
  value: SettingValue,
  now: Date,
): { lines: ZoneLine[]; note: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const rules = zoneRules(value, now);
  if (!rules) return undefined;
  const described = `time.timezone=${value} → Time Zone Name: `;
  const dst = rules.dst;
  const start = dst && weekRule(dst.start);
  const end = dst && weekRule(dst.end);
  // A change at a time the hour fields cannot say: the offset in force, no DST of the phone's.
  const offset =
    dst && (!start || !end)
      ? (utcOffsetMinutes(value, now) ?? rules.standardOffset)
      : rules.standardOffset;
  if (offset % 15 !== 0) return undefined;
  const lines: ZoneLine[] = [
    { key: 'Time Zone', value: String(offset / 15) },
    { key: 'Time Zone Name', value: formatUtcOffset(offset) },
  ];
  if (!dst || !start || !end) {
    lines.push({ key: 'Enable DST', value: '0' });
    const how = dst ? `${formatUtcOffset(offset)} in force, no DST: ` : '';
    return { lines, note: `${described}${how}${describeRules(rules)}` };
  }
  lines.push(
    { key: 'Enable DST', value: '1' },
    { key: 'DST Min Offset', value: String(dst.save) },
    ...start.map(([field, v]) => ({ key: `DST Start ${field}`, value: v })),
    ...end.map(([field, v]) => ({ key: `DST End ${field}`, value: v })),
  );
  return { lines, note: `${described}${describeRules(rules)}` };
}

function weekRule(t: DstTransition): [string, string][] | undefined {
  if (t.minutes % 60 !== 0) return undefined;
  return [
    ['Mon', String(t.month)],
    ['Week', String(t.week)],
    ['Wday', String(t.weekday)],
    ['Hour', String(t.minutes / 60)],
  ];
}
