/**
 * The UTC offset of an IANA zone at one instant, in minutes, or undefined for an unknown
 * zone or an invalid date. Pure: the instant is given, no clock is read.
 */
export function utcOffsetMinutes(timeZone: string, at: Date): number | undefined {
  let name: string | undefined;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value;
  } catch {
    return undefined;
  }
  if (name === undefined) return undefined;
  if (name === 'GMT' || name === 'UTC') return 0;
  const match = /^(?:GMT|UTC)([+-])(\d{1,2})(?::(\d{2}))?(?::\d{2})?$/.exec(name);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

/** Offsets as seed 001 writes them: `+8`, `-5`, `+5:30`, `0`. */
export function formatHoursOffset(minutes: number): string {
  if (minutes === 0) return '0';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hours = Math.floor(abs / 60);
  const rest = abs % 60;
  return rest === 0 ? `${sign}${hours}` : `${sign}${hours}:${String(rest).padStart(2, '0')}`;
}
