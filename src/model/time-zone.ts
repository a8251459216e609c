// Building an Intl formatter costs far more than using one: keep one per zone (bounded).
const FORMATTERS = new Map<string, Intl.DateTimeFormat | null>();
const MAX_FORMATTERS = 1024;

function offsetFormatter(timeZone: string): Intl.DateTimeFormat | null {
  let formatter = FORMATTERS.get(timeZone);
  if (formatter !== undefined) return formatter;
  try {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  } catch {
    formatter = null;
  }
  if (FORMATTERS.size >= MAX_FORMATTERS) FORMATTERS.clear();
  FORMATTERS.set(timeZone, formatter);
  return formatter;
}

/**
 * The UTC offset of an IANA zone at one instant, in minutes, or undefined for an unknown
 * zone or an invalid date. Pure: the instant is given, no clock is read.
 */
export function utcOffsetMinutes(timeZone: string, at: Date): number | undefined {
  const formatter = offsetFormatter(timeZone);
  if (!formatter || Number.isNaN(at.getTime())) return undefined;
  const name = formatter.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value;
  if (name === undefined) return undefined;
  if (name === 'GMT' || name === 'UTC') return 0;
  const match = /^(?:GMT|UTC)([+-])(\d{1,2})(?::(\d{2}))?(?::\d{2})?$/.exec(name);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

/** `UTC+1`, `UTC-3:30`, `UTC`: an offset as people read it. */
export function formatUtcOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  const rest = abs % 60;
  return `UTC${minutes < 0 ? '-' : '+'}${Math.floor(abs / 60)}${rest === 0 ? '' : `:${String(rest).padStart(2, '0')}`}`;
}
