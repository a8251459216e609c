import { describeRules, zoneRules, type DstTransition } from '../../model/dst-rules.ts';
import { utcOffsetMinutes } from '../../model/time-zone.ts';
import type { SettingValue } from '../../model/settings.ts';
import type { NativeEntry } from '../driver.ts';
import type { Dialect } from './dialect.ts';

/**
 * Yealink's own zone names (`local_time.time_zone_name`), as its phones list them with their
 * offsets (see README.md: sources), for IANA zones whose rules have held for years: with
 * `local_time.summer_time = 2` the phone applies its built-in DST for the name. Zones with
 * DST that are not here get explicit rules; names the phone's table may date (Turkey, Novosibirsk,
 * Venezuela, Greenland, Kazakhstan) are left out. Every entry's offset is checked against the
 * IANA database by the tests.
 */
export const YEALINK_ZONE_NAMES: readonly { offset: string; name: string; zones: string[] }[] = [
  { offset: '-11', name: 'Samoa', zones: ['Pacific/Pago_Pago'] },
  { offset: '-10', name: 'United States-Hawaii-Aleutian', zones: ['Pacific/Honolulu'] },
  { offset: '-10', name: 'United States-Alaska-Aleutian', zones: ['America/Adak'] },
  { offset: '-9:30', name: 'French Polynesia', zones: ['Pacific/Marquesas'] },
  {
    offset: '-9',
    name: 'United States-Alaska Time',
    zones: ['America/Anchorage', 'America/Juneau', 'America/Sitka', 'America/Nome'],
  },
  { offset: '-8', name: 'Canada(Vancouver,Whitehorse)', zones: ['America/Vancouver'] },
  { offset: '-8', name: 'Mexico(Tijuana,Mexicali)', zones: ['America/Tijuana'] },
  { offset: '-8', name: 'United States-Pacific Time', zones: ['America/Los_Angeles'] },
  { offset: '-7', name: 'Canada(Edmonton,Calgary)', zones: ['America/Edmonton'] },
  { offset: '-7', name: 'United States-MST no DST', zones: ['America/Phoenix'] },
  { offset: '-7', name: 'United States-Mountain Time', zones: ['America/Denver', 'America/Boise'] },
  { offset: '-6', name: 'Canada-Manitoba(Winnipeg)', zones: ['America/Winnipeg'] },
  { offset: '-6', name: 'Mexico(Mexico City,Acapulco)', zones: ['America/Mexico_City'] },
  {
    offset: '-6',
    name: 'United States-Central Time',
    zones: ['America/Chicago', 'America/Indiana/Knox', 'America/Menominee'],
  },
  { offset: '-5', name: 'Bahamas(Nassau)', zones: ['America/Nassau'] },
  { offset: '-5', name: 'Canada(Montreal,Ottawa,Quebec)', zones: ['America/Toronto'] },
  {
    offset: '-5',
    name: 'United States-Eastern Time',
    zones: [
      'America/New_York',
      'America/Detroit',
      'America/Indiana/Indianapolis',
      'America/Kentucky/Louisville',
    ],
  },
  {
    offset: '-4',
    name: 'Canada(Halifax,Saint John)',
    zones: ['America/Halifax', 'America/Moncton'],
  },
  { offset: '-3:30', name: 'Canada-New Foundland(St.Johns)', zones: ['America/St_Johns'] },
  { offset: '-3', name: 'Argentina(Buenos Aires)', zones: ['America/Argentina/Buenos_Aires'] },
  { offset: '-3', name: 'Brazil(no DST)', zones: ['America/Sao_Paulo'] },
  { offset: '-1', name: 'Portugal(Azores)', zones: ['Atlantic/Azores'] },
  { offset: '0', name: 'GMT', zones: ['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT'] },
  { offset: '0', name: 'Denmark-Faroe Islands(Torshavn)', zones: ['Atlantic/Faroe'] },
  { offset: '0', name: 'Ireland(Dublin)', zones: ['Europe/Dublin'] },
  {
    offset: '0',
    name: 'Portugal(Lisboa,Porto,Funchal)',
    zones: ['Europe/Lisbon', 'Atlantic/Madeira'],
  },
  { offset: '0', name: 'Spain-Canary Islands(Las Palmas)', zones: ['Atlantic/Canary'] },
  { offset: '0', name: 'United Kingdom(London)', zones: ['Europe/London'] },
  { offset: '+1', name: 'Albania(Tirane)', zones: ['Europe/Tirane'] },
  { offset: '+1', name: 'Austria(Vienna)', zones: ['Europe/Vienna'] },
  { offset: '+1', name: 'Belgium(Brussels)', zones: ['Europe/Brussels'] },
  { offset: '+1', name: 'Croatia(Zagreb)', zones: ['Europe/Zagreb'] },
  { offset: '+1', name: 'Czech Republic(Prague)', zones: ['Europe/Prague'] },
  { offset: '+1', name: 'Denmark(Kopenhagen)', zones: ['Europe/Copenhagen'] },
  { offset: '+1', name: 'France(Paris)', zones: ['Europe/Paris'] },
  { offset: '+1', name: 'Germany(Berlin)', zones: ['Europe/Berlin'] },
  { offset: '+1', name: 'Hungary(Budapest)', zones: ['Europe/Budapest'] },
  { offset: '+1', name: 'Italy(Rome)', zones: ['Europe/Rome'] },
  { offset: '+1', name: 'Luxembourg(Luxembourg)', zones: ['Europe/Luxembourg'] },
  { offset: '+1', name: 'Macedonia(Skopje)', zones: ['Europe/Skopje'] },
  { offset: '+1', name: 'Netherlands(Amsterdam)', zones: ['Europe/Amsterdam'] },
  { offset: '+1', name: 'Spain(Madrid)', zones: ['Europe/Madrid'] },
  { offset: '+2', name: 'Estonia(Tallinn)', zones: ['Europe/Tallinn'] },
  { offset: '+2', name: 'Finland(Helsinki)', zones: ['Europe/Helsinki'] },
  { offset: '+2', name: 'Greece(Athens)', zones: ['Europe/Athens'] },
  { offset: '+2', name: 'Latvia(Riga)', zones: ['Europe/Riga'] },
  { offset: '+2', name: 'Romania(Bucharest)', zones: ['Europe/Bucharest'] },
  { offset: '+2', name: 'Russia(Kaliningrad)', zones: ['Europe/Kaliningrad'] },
  { offset: '+2', name: 'Ukraine(Kyiv, Odessa)', zones: ['Europe/Kyiv', 'Europe/Kiev'] },
  { offset: '+3', name: 'East Africa Time', zones: ['Africa/Nairobi'] },
  { offset: '+3', name: 'Iraq(Baghdad)', zones: ['Asia/Baghdad'] },
  { offset: '+3', name: 'Russia(Moscow)', zones: ['Europe/Moscow'] },
  { offset: '+3:30', name: 'Iran(Teheran)', zones: ['Asia/Tehran'] },
  { offset: '+4', name: 'Armenia(Yerevan)', zones: ['Asia/Yerevan'] },
  { offset: '+4', name: 'Azerbaijan(Baku)', zones: ['Asia/Baku'] },
  { offset: '+4', name: 'Georgia(Tbilisi)', zones: ['Asia/Tbilisi'] },
  { offset: '+4', name: 'Russia(Samara)', zones: ['Europe/Samara'] },
  { offset: '+4:30', name: 'Afghanistan(Kabul)', zones: ['Asia/Kabul'] },
  { offset: '+5', name: 'Pakistan(Islamabad)', zones: ['Asia/Karachi'] },
  { offset: '+5', name: 'Russia(Chelyabinsk)', zones: ['Asia/Yekaterinburg'] },
  { offset: '+5:30', name: 'India(Calcutta)', zones: ['Asia/Kolkata', 'Asia/Calcutta'] },
  { offset: '+5:45', name: 'Nepal(Katmandu)', zones: ['Asia/Kathmandu', 'Asia/Katmandu'] },
  { offset: '+6:30', name: 'Myanmar(Naypyitaw)', zones: ['Asia/Yangon'] },
  { offset: '+7', name: 'Russia(Krasnoyarsk)', zones: ['Asia/Krasnoyarsk'] },
  { offset: '+7', name: 'Thailand(Bangkok)', zones: ['Asia/Bangkok'] },
  { offset: '+8', name: 'Australia(Perth)', zones: ['Australia/Perth'] },
  { offset: '+8', name: 'China(Beijing)', zones: ['Asia/Shanghai'] },
  { offset: '+8', name: 'Russia(Irkutsk, Ulan-Ude)', zones: ['Asia/Irkutsk'] },
  { offset: '+8', name: 'Singapore(Singapore)', zones: ['Asia/Singapore'] },
  { offset: '+8:45', name: 'Eucla', zones: ['Australia/Eucla'] },
  { offset: '+9', name: 'Japan(Tokyo)', zones: ['Asia/Tokyo'] },
  { offset: '+9', name: 'Korea(Seoul)', zones: ['Asia/Seoul'] },
  { offset: '+9', name: 'Russia(Yakutsk,Chita)', zones: ['Asia/Yakutsk', 'Asia/Chita'] },
  { offset: '+9:30', name: 'Australia(Adelaide)', zones: ['Australia/Adelaide'] },
  { offset: '+9:30', name: 'Australia(Darwin)', zones: ['Australia/Darwin'] },
  { offset: '+10', name: 'Australia(Brisbane)', zones: ['Australia/Brisbane'] },
  { offset: '+10', name: 'Australia(Hobart)', zones: ['Australia/Hobart'] },
  { offset: '+10', name: 'Russia(Vladivostok)', zones: ['Asia/Vladivostok'] },
  { offset: '+11', name: 'New Caledonia(Noumea)', zones: ['Pacific/Noumea'] },
  { offset: '+12', name: 'New Zealand(Wellington,Auckland)', zones: ['Pacific/Auckland'] },
  { offset: '+12', name: 'Russia(Kamchatka Time)', zones: ['Asia/Kamchatka'] },
  { offset: '+13', name: 'Tonga(Nukualofa)', zones: ['Pacific/Tongatapu'] },
  { offset: '+14', name: 'Kiribati', zones: ['Pacific/Kiritimati'] },
];

const NAME_BY_ZONE = new Map(YEALINK_ZONE_NAMES.flatMap((e) => e.zones.map((z) => [z, e.name])));

// `local_time.summer_time`: 0 off, 1 the rules below, 2 the phone's own table for the name.
const SUMMER_OFF = '0';
const SUMMER_RULES = '1';
const SUMMER_AUTOMATIC = '2';
// `local_time.dst_time_type = 1`: Month/Week of Month/Day of Week/Hour of Day.
const BY_WEEK = '1';

/** Offsets as seed 001 writes them: `+8`, `-5`, `+5:30`, `0`. */
export function formatHoursOffset(minutes: number): string {
  if (minutes === 0) return '0';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hours = Math.floor(abs / 60);
  const rest = abs % 60;
  return rest === 0 ? `${sign}${hours}` : `${sign}${hours}:${String(rest).padStart(2, '0')}`;
}

/**
 * `time.timezone` as `local_time.*` lines, and the rule that was written, for `--explain`.
 * The standard offset, and: Yealink's zone name with automatic DST where the phone has one;
 * otherwise (and always for Flyingvoice, whose name table is not public) the IANA rules by
 * week; no DST where the zone has none or its rules fit no week form (the offset in force).
 */
export function zoneLines(
  value: SettingValue,
  dialect: Dialect,
  now: Date,
): { entries: NativeEntry[]; note: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const rules = zoneRules(value, now);
  if (!rules) return undefined;
  const from = 'time.timezone';
  const line = (key: string, v: string): NativeEntry => ({
    key: `local_time.${key}`,
    value: v,
    from,
  });
  const entries = [line('time_zone', formatHoursOffset(rules.standardOffset))];
  const name = dialect === 'yealink' ? NAME_BY_ZONE.get(value) : undefined;
  if (name !== undefined) entries.push(line('time_zone_name', name));
  const dst = rules.dst;
  const start = dst && weekRule(dst.start);
  const end = dst && weekRule(dst.end);
  const described = `time.timezone=${value} → `;
  if (!dst) {
    entries.push(line('summer_time', SUMMER_OFF));
    const shown = name === undefined ? '' : `${name}, `;
    return { entries, note: `${described}${shown}${describeRules(rules)}` };
  }
  if (name !== undefined) {
    entries.push(line('summer_time', SUMMER_AUTOMATIC));
    return {
      entries,
      note: `${described}${name}, the phone's own DST for it (IANA: ${describeRules(rules)})`,
    };
  }
  if (start === undefined || end === undefined) {
    // A change at a time the hour field cannot say: the offset in force, no DST of the phone's.
    entries[0] = line(
      'time_zone',
      formatHoursOffset(utcOffsetMinutes(value, now) ?? rules.standardOffset),
    );
    entries.push(line('summer_time', SUMMER_OFF));
    return { entries, note: `${described}the offset in force, no DST: ${describeRules(rules)}` };
  }
  entries.push(
    line('summer_time', SUMMER_RULES),
    line('dst_time_type', BY_WEEK),
    line('start_time', start),
    line('end_time', end),
    line('offset_time', String(dst.save)),
  );
  return { entries, note: `${described}${describeRules(rules)}` };
}

/** `3/5/7/2`: month, week (5 last), weekday (1 Monday … 7 Sunday), hour; whole hours only. */
function weekRule(t: DstTransition): string | undefined {
  if (t.minutes % 60 !== 0) return undefined;
  return `${t.month}/${t.week}/${t.weekday === 0 ? 7 : t.weekday}/${t.minutes / 60}`;
}
