import { formatUtcOffset, utcOffsetMinutes } from './time-zone.ts';

/**
 * When a zone changes between standard and daylight time, as phones write it: a month, the
 * n-th (or last) weekday of it, and the local wall-clock time in force just before the change.
 */
export interface DstTransition {
  /** 1 January … 12 December. */
  month: number;
  /** 1…4, or 5 for the last such weekday of the month. */
  week: 1 | 2 | 3 | 4 | 5;
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
  /** Minutes after local midnight, in the time in force before the change. */
  minutes: number;
}

/**
 * A zone's current rules, derived from the IANA database behind Intl for one year:
 * `fixed` keeps one offset all year; `rules` has a daylight saving time by month and week;
 * `irregular` changes in ways no month/week rule says (Morocco's Ramadan, a zone moving its
 * standard offset), so only the offset in force at `now` is given, with no DST.
 */
export interface ZoneRules {
  zone: string;
  kind: 'fixed' | 'rules' | 'irregular';
  /** Minutes east of UTC outside daylight saving (irregular: the offset in force now). */
  standardOffset: number;
  dst?: {
    /** Minutes east of UTC during daylight saving. */
    offset: number;
    /** `offset - standardOffset`, usually 60. */
    save: number;
    start: DstTransition;
    end: DstTransition;
  };
  /** Abbreviations for POSIX TZ strings: CLDR's where it has letters, else `<+0545>`. */
  names: { standard: string; daylight?: string };
}

interface Change {
  at: number;
  before: number;
  after: number;
}

const DAY = 86_400_000;
const MINUTE = 60_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ORDINALS = ['', '1st', '2nd', '3rd', '4th', 'last'];
// English locales whose CLDR names carry the letters the tz database uses (CET, EST, AEST, IST).
const NAME_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'en-NZ', 'en-CA', 'en-IE', 'en-ZA'];

// Deriving a zone's year scans it day by day: remember the answers (a pure function's cache).
const CACHE = new Map<string, ZoneRules | null>();
const CHANGES = new Map<string, Change[] | null>();
const MAX_CACHE = 512;

/**
 * The rules of `zone` in the year of `now` (UTC), or undefined for an unknown zone or an
 * invalid instant. Pure: `now` is given; the answer changes only when a new year's rules do.
 */
export function zoneRules(zone: string, now: Date): ZoneRules | undefined {
  if (Number.isNaN(now.getTime())) return undefined;
  const key = `${zone}|${now.getUTCFullYear()}`;
  const cached = CACHE.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const rules = deriveRules(zone, now.getUTCFullYear(), now);
  // An irregular zone's answer is the offset at `now`: not the year's, so not kept.
  if (rules?.kind !== 'irregular') remember(CACHE, key, rules ?? null);
  return rules;
}

function deriveRules(zone: string, year: number, now: Date): ZoneRules | undefined {
  const changes = yearChanges(zone, year);
  if (changes === undefined) return undefined;
  if (changes.length === 0) {
    const offset = utcOffsetMinutes(zone, now)!;
    return { zone, kind: 'fixed', standardOffset: offset, names: { standard: name(zone, now) } };
  }
  const up = changes.filter((c) => c.after > c.before);
  const down = changes.filter((c) => c.after < c.before);
  if (
    changes.length !== 2 ||
    up.length !== 1 ||
    down.length !== 1 ||
    up[0]!.before !== down[0]!.after ||
    up[0]!.after !== down[0]!.before
  ) {
    return irregular(zone, now);
  }
  const start = up[0]!;
  const end = down[0]!;
  const next = yearChanges(zone, year + 1) ?? [];
  const nextStart = next.find((c) => c.after > c.before);
  const nextEnd = next.find((c) => c.after < c.before);
  const rule = { start: transition(start, nextStart), end: transition(end, nextEnd) };
  // A phone applies the rule every year until it is told another: a rule the changes of
  // neither of the next two years follow (Morocco's and Palestine's, which move with
  // Ramadan) is no rule, only this year's dates.
  const later = yearChanges(zone, year + 2) ?? [];
  const followed = (rule: DstTransition, up: boolean): boolean => {
    const pick = (changes: Change[]): Change | undefined =>
      changes.find((c) => (up ? c.after > c.before : c.after < c.before));
    const [first, second] = [pick(next), pick(later)];
    if (repeats(rule, year + 1, first) || repeats(rule, year + 2, second)) return true;
    // A law that changed the rule (the US in 2007): next year's rule holds the year after.
    return first !== undefined && second !== undefined
      ? repeats(transition(first, second), year + 2, second)
      : true;
  };
  if (!followed(rule.start, true) || !followed(rule.end, false)) {
    return irregular(zone, now);
  }
  const names = pairNames(zone, new Date(end.at + DAY), new Date(start.at + DAY));
  return {
    zone,
    kind: 'rules',
    standardOffset: start.before,
    dst: { offset: start.after, save: start.after - start.before, ...rule },
    names,
  };
}

/** A zone no month/week rule describes: the offset in force at `now`, with no DST. */
function irregular(zone: string, now: Date): ZoneRules {
  const offset = utcOffsetMinutes(zone, now)!;
  return { zone, kind: 'irregular', standardOffset: offset, names: { standard: name(zone, now) } };
}

/**
 * Whether a later year's change (if the zone has one) falls within a week of the day the rule
 * gives for it: a week off is a rule months and weeks cannot say exactly (Chile's "Sunday on
 * or after the 2nd", Cairo's "Thursday at 24:00"), not a change that moves with the moon.
 */
function repeats(rule: DstTransition, year: number, change: Change | undefined): boolean {
  if (change === undefined) return true;
  const local = change.at + change.before * MINUTE;
  const ruled = Date.UTC(
    year,
    rule.month - 1,
    nthWeekday(year, rule.month, rule.week, rule.weekday),
  );
  return Math.abs(local - ruled) <= 8 * DAY;
}

/** Every offset change within one UTC year, to the minute; undefined for an unknown zone. */
function yearChanges(zone: string, year: number): Change[] | undefined {
  const key = `${zone}|${year}`;
  const cached = CHANGES.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const from = Date.UTC(year, 0, 1);
  const to = Date.UTC(year + 1, 0, 1);
  let previous = utcOffsetMinutes(zone, new Date(from));
  if (previous === undefined) {
    remember(CHANGES, key, null);
    return undefined;
  }
  const changes: Change[] = [];
  for (let t = from + DAY; t <= to; t += DAY) {
    const offset = utcOffsetMinutes(zone, new Date(t))!;
    if (offset === previous) continue;
    // The first minute of the new offset lies in (t - DAY, t].
    let low = t - DAY;
    let high = t;
    while (high - low > MINUTE) {
      const middle = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
      if (utcOffsetMinutes(zone, new Date(middle)) === previous) low = middle;
      else high = middle;
    }
    if (high < to) changes.push({ at: high, before: previous, after: offset });
    previous = offset;
  }
  remember(CHANGES, key, changes);
  return changes;
}

/**
 * A change as month, week and weekday in local time before it. A weekday in the last seven
 * days of a month is "last" unless next year's change shows the rule counts from the start
 * (a 4th Sunday that happened to be the last one).
 */
function transition(change: Change, nextYear: Change | undefined): DstTransition {
  const local = new Date(change.at + change.before * MINUTE);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() + 1;
  const day = local.getUTCDate();
  const weekday = local.getUTCDay();
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const counted = Math.ceil(day / 7) as DstTransition['week'];
  let week: DstTransition['week'] = day + 7 > daysIn(year, month) ? 5 : counted;
  if (week === 5 && counted === 4 && nextYear) {
    const next = new Date(nextYear.at + nextYear.before * MINUTE);
    const nextDay = next.getUTCDate();
    if (
      next.getUTCMonth() + 1 === month &&
      nextDay !== nthWeekday(year + 1, month, 5, weekday) &&
      nextDay === nthWeekday(year + 1, month, 4, weekday)
    ) {
      week = 4;
    }
  }
  return { month, week, weekday, minutes };
}

/** The day of the month of the n-th (5: last) `weekday` of a month. */
function nthWeekday(year: number, month: number, week: number, weekday: number): number {
  if (week === 5) {
    const last = daysIn(year, month);
    const lastWeekday = new Date(Date.UTC(year, month - 1, last)).getUTCDay();
    return last - ((lastWeekday - weekday + 7) % 7);
  }
  const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((weekday - firstWeekday + 7) % 7) + (week - 1) * 7;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pairNames(zone: string, standard: Date, daylight: Date): ZoneRules['names'] {
  for (const locale of NAME_LOCALES) {
    const s = shortName(zone, standard, locale);
    const d = shortName(zone, daylight, locale);
    if (s && d && s !== d) return { standard: s, daylight: d };
  }
  return {
    standard: numericName(utcOffsetMinutes(zone, standard)!),
    daylight: numericName(utcOffsetMinutes(zone, daylight)!),
  };
}

function name(zone: string, at: Date): string {
  for (const locale of NAME_LOCALES) {
    const found = shortName(zone, at, locale);
    if (found) return found;
  }
  return numericName(utcOffsetMinutes(zone, at)!);
}

/** CLDR's short name when it is letters only (not `GMT+1`), else undefined. */
function shortName(zone: string, at: Date, locale: string): string | undefined {
  const value = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  return value !== undefined && /^[A-Z]{3,5}$/.test(value) ? value : undefined;
}

/** `<+0545>`, `<+01>`, `<-03>`: POSIX's quoted form for a zone without a lettered name. */
function numericName(offset: number): string {
  const abs = Math.abs(offset);
  const minutes = abs % 60;
  const hours = String(Math.floor(abs / 60)).padStart(2, '0');
  return `<${offset < 0 ? '-' : '+'}${hours}${minutes ? String(minutes).padStart(2, '0') : ''}>`;
}

/**
 * The POSIX TZ string of the rules (IEEE 1003.1 §8.3), e.g. `CET-1CEST,M3.5.0,M10.5.0/3`:
 * offsets are west-positive, times default to 02:00 and a one-hour DST needs no offset.
 */
export function posixTimeZone(rules: ZoneRules): string {
  const standard = `${rules.names.standard}${posixOffset(-rules.standardOffset)}`;
  const dst = rules.dst;
  if (!dst) return standard;
  const daylight = `${rules.names.daylight ?? numericName(dst.offset)}${dst.save === 60 ? '' : posixOffset(-dst.offset)}`;
  return `${standard}${daylight},${posixRule(dst.start)},${posixRule(dst.end)}`;
}

function posixOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const rest = abs % 60;
  return `${minutes < 0 ? '-' : ''}${Math.floor(abs / 60)}${rest ? `:${String(rest).padStart(2, '0')}` : ''}`;
}

function posixRule(t: DstTransition): string {
  const date = `M${t.month}.${t.week}.${t.weekday}`;
  return t.minutes === 120 ? date : `${date}/${posixOffset(t.minutes)}`;
}

/** `UTC+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, +60 min`: for `render --explain`. */
export function describeRules(rules: ZoneRules): string {
  const offset = formatUtcOffset(rules.standardOffset);
  if (rules.kind === 'irregular') {
    return `${offset} now, no DST written: its changes this year follow no month/week rule`;
  }
  if (!rules.dst) return `${offset}, no DST`;
  const { start, end, save } = rules.dst;
  return `${offset}, DST ${describeTransition(start)} → ${describeTransition(end)}, +${save} min`;
}

export function describeTransition(t: DstTransition): string {
  const time = `${String(Math.floor(t.minutes / 60)).padStart(2, '0')}:${String(t.minutes % 60).padStart(2, '0')}`;
  return `${MONTHS[t.month - 1]} ${ORDINALS[t.week]} ${WEEKDAYS[t.weekday]} ${time}`;
}

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(key, value);
}
