import { describeRules, zoneRules, type DstTransition } from '../../model/dst-rules.ts';
import type { SettingValue } from '../../model/settings.ts';
import { formatUtcOffset, utcOffsetMinutes } from '../../model/time-zone.ts';

/** One parameter the zone becomes. */
export interface ZoneParam {
  name: string;
  value: string;
}

const DST = 'tcpIpApp.sntp.daylightSavings';

/**
 * `time.timezone` as UC Software parameters (SoundPoint IP / SoundStation IP Administrator's
 * Guide, SNTP attributes): `tcpIpApp.sntp.gmtOffset` is the standard offset in seconds; the
 * DST rule is month, `dayOfWeek` (1 Sunday … 7 Saturday) and `date` = the first day it may
 * fall on (1, 8, 15, 22), or `dayOfWeek.lastInMonth`; `time` is the local hour. The phone
 * moves the clock by one hour: a zone saving another amount, or changing at no whole hour,
 * gets the offset in force and DST off.
 */
export function zoneParams(
  value: SettingValue,
  now: Date,
): { params: ZoneParam[]; note: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const rules = zoneRules(value, now);
  if (!rules) return undefined;
  const dst = rules.dst;
  const start = dst && dst.save === 60 ? change(dst.start) : undefined;
  const stop = dst && dst.save === 60 ? change(dst.end) : undefined;
  const offset =
    dst && (!start || !stop)
      ? (utcOffsetMinutes(value, now) ?? rules.standardOffset)
      : rules.standardOffset;
  const params: ZoneParam[] = [
    { name: 'tcpIpApp.sntp.gmtOffset', value: String(offset * 60) },
    { name: 'tcpIpApp.sntp.gmtOffset.overrideDHCP', value: '1' },
  ];
  const described = `time.timezone=${value} → tcpIpApp.sntp.gmtOffset, daylightSavings: `;
  if (!dst || !start || !stop) {
    params.push({ name: `${DST}.enable`, value: '0' });
    const how = dst ? `${formatUtcOffset(offset)} in force, no DST: ` : '';
    return { params, note: `${described}${how}${describeRules(rules)}` };
  }
  params.push(
    { name: `${DST}.enable`, value: '1' },
    { name: `${DST}.fixedDayEnable`, value: '0' },
    ...start.map(([field, v]) => ({ name: `${DST}.start.${field}`, value: v })),
    ...stop.map(([field, v]) => ({ name: `${DST}.stop.${field}`, value: v })),
  );
  return { params, note: `${described}${describeRules(rules)}` };
}

function change(t: DstTransition): [string, string][] | undefined {
  if (t.minutes % 60 !== 0 || t.minutes < 0 || t.minutes >= 24 * 60) return undefined;
  const fields: [string, string][] = [
    ['month', String(t.month)],
    ['dayOfWeek', String(t.weekday + 1)],
  ];
  if (t.week === 5) fields.push(['dayOfWeek.lastInMonth', '1']);
  else fields.push(['dayOfWeek.lastInMonth', '0'], ['date', String((t.week - 1) * 7 + 1)]);
  fields.push(['time', String(t.minutes / 60)]);
  return fields;
}
