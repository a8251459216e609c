import { describeRules, posixTimeZone, zoneRules } from '../../model/dst-rules.ts';
import type { SettingValue } from '../../model/settings.ts';

/** The phone's "Self-Defined Time Zone" value (P64 / `dateTime.timezone`). */
export const CUSTOM_ZONE = 'customize';
/** Grandstream's limit for the self-defined string (its configuration templates). */
const MAX_CUSTOM = 64;

/**
 * `time.timezone` as Grandstream writes a zone: the time zone `customize` and the
 * self-defined zone as a POSIX TZ string (P246 / `dateTime.timezone.custom`), which carries
 * the standard offset and the daylight saving rules, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`.
 * The phone's own list holds POSIX strings too (`CET-1CEST-2,M3.5.0/02:00:00,…`), but only
 * for some zones; the self-defined form says every zone's current rules.
 */
export function zoneValues(
  value: SettingValue,
  now: Date,
): { custom: string; note: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const rules = zoneRules(value, now);
  if (!rules) return undefined;
  const custom = posixTimeZone(rules);
  if (custom.length > MAX_CUSTOM) return undefined;
  return {
    custom,
    note: `time.timezone=${value} → ${CUSTOM_ZONE} ${custom}: ${describeRules(rules)}`,
  };
}
