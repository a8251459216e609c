/**
 * The UTC offset of an IANA zone at one instant, in minutes, or undefined for an unknown
 * zone or an invalid date. Pure: the instant is given, no clock is read. Phones that take
 * an offset rather than a zone get the offset in force when the file is rendered; their
 * periodic resync carries a daylight-saving change to them.
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
