// The offset computation is vendor-neutral; Yealink only formats it its own way.
export { utcOffsetMinutes } from '../../model/time-zone.ts';

/** Offsets as seed 001 writes them: `+8`, `-5`, `+5:30`, `0`. */
export function formatHoursOffset(minutes: number): string {
  if (minutes === 0) return '0';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hours = Math.floor(abs / 60);
  const rest = abs % 60;
  return rest === 0 ? `${sign}${hours}` : `${sign}${hours}:${String(rest).padStart(2, '0')}`;
}
