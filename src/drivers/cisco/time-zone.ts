import { describeRules, zoneRules, type DstTransition } from '../../model/dst-rules.ts';
import type { SettingValue } from '../../model/settings.ts';

/**
 * `time.timezone` as the flat profile's regional parameters (SPA and MPP administration
 * guides, "Daylight Saving Time Rule"): `Time_Zone` is the standard offset as `GMT+01:00`;
 * `Daylight_Saving_Time_Rule` is `start=<month>/<day>/<weekday>[/HH[:mm]];end=…;save=<h[:mm]>`,
 * where weekday 1–7 is Monday–Sunday, a positive day means that weekday on or after the
 * date and `-1` the last one of the month, and the time is the local time in force before
 * the change (the guides' US example ends at 2 in daylight time).
 */
export interface ZoneParameters {
  timeZone: string;
  dst: boolean;
  rule?: string;
  note: string;
}

export function zoneParameters(value: SettingValue, now: Date): ZoneParameters | undefined {
  if (typeof value !== 'string') return undefined;
  const rules = zoneRules(value, now);
  if (!rules) return undefined;
  const note = `time.timezone=${value} → `;
  const dst = rules.dst;
  if (!dst) {
    const timeZone = gmtOffset(rules.standardOffset);
    return { timeZone, dst: false, note: `${note}${timeZone}, no DST: ${describeRules(rules)}` };
  }
  const rule = `start=${transition(dst.start)};end=${transition(dst.end)};save=${clock(dst.save)}`;
  const timeZone = gmtOffset(rules.standardOffset);
  return {
    timeZone,
    dst: true,
    rule,
    note: `${note}${timeZone}, ${rule}: ${describeRules(rules)}`,
  };
}

/** `GMT+01:00`, `GMT-05:00`, `GMT+05:45`, `GMT+00:00`. */
export function gmtOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const hours = String(Math.floor(abs / 60)).padStart(2, '0');
  const rest = String(abs % 60).padStart(2, '0');
  return `GMT${minutes < 0 ? '-' : '+'}${hours}:${rest}`;
}

function transition(t: DstTransition): string {
  // The n-th weekday is the first one on or after day 1, 8, 15 or 22; the last is -1.
  const day = t.week === 5 ? -1 : 1 + (t.week - 1) * 7;
  const weekday = t.weekday === 0 ? 7 : t.weekday;
  return `${t.month}/${day}/${weekday}/${clock(t.minutes)}`;
}

/** Minutes as the rule's `H` or `H:mm` (`save=1`, `save=0:30`, `/2`, `/2:30`). */
function clock(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? String(hours) : `${hours}:${String(rest).padStart(2, '0')}`;
}
