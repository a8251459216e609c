import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { pndError } from '../errors.ts';
import { maskUserinfo } from '../redact.ts';
import { parseInterfaceChoice, type InterfaceChoice } from '../sip/interfaces.ts';
import { UNKNOWN_POLICIES, type UnknownPolicy } from '../sip/policy.ts';
import { parseListen, type ListenAddress } from './listen.ts';
import { loadSecurityConfig, type SecurityConfig } from './security-config.ts';

export type DoorName = 'http' | 'https' | 'tftp' | 'ftp' | 'sip' | 'acs';

export interface DoorSpec {
  name: DoorName;
  defaultPort: number;
  /** Off unless asked for (HTTPS and FTP are opt-in). */
  offByDefault?: boolean;
}

export const DOORS: readonly DoorSpec[] = [
  { name: 'http', defaultPort: 80 },
  { name: 'https', defaultPort: 443, offByDefault: true },
  { name: 'tftp', defaultPort: 69 },
  { name: 'ftp', defaultPort: 21, offByDefault: true },
  { name: 'sip', defaultPort: 5060 },
  { name: 'acs', defaultPort: 7547 },
];

export interface ServerConfig {
  dataDir: string;
  databaseUrl?: string;
  /** The URL phones are told to use, when it differs from the address they reached us on. */
  publicUrl?: string;
  doors: Partial<Record<DoorName, ListenAddress>>;
  /** The admin listener: the admin API and the operator console, off the phones' doors. */
  admin?: ListenAddress;
  events: { retentionDays: number; maxEvents: number };
  /** How long the TFTP door polls for an ACK after each block, in ms (0: sleeps at once). */
  tftp?: { ackPollMs: number };
  /** Plug-and-play: where the group is joined (`--sip-interface`), what unknown phones get. */
  sip: { interfaces: InterfaceChoice; unknown: UnknownPolicy };
  /** TLS material, trusted proxies, the miss throttle, FTP passive ports (defaults if absent). */
  security?: SecurityConfig;
}

export const DEFAULT_DATA_DIR = 'data';
export const DEFAULT_ADMIN = '127.0.0.1:7080';

/** Flags, environment (`PLUGNDIAL_*`) and an optional JSON file, in that order of precedence. */
export interface ConfigSources {
  flags: Record<string, string | undefined>;
  env: NodeJS.ProcessEnv;
}

export function loadServerConfig({ flags, env }: ConfigSources): ServerConfig {
  const file = flags['config'] ?? env['PLUGNDIAL_CONFIG'];
  const fromFile = file ? readConfigFile(file) : {};
  const pick = (name: string): string | undefined =>
    flags[name] ?? env[`PLUGNDIAL_${name.toUpperCase().replace(/-/g, '_')}`] ?? fromFile[name];

  const doors: ServerConfig['doors'] = {};
  for (const door of DOORS) {
    const given = pick(door.name) ?? (door.offByDefault ? 'off' : String(door.defaultPort));
    // `on` is the door's default port on every address (`--acs on` is 0.0.0.0:7547).
    const text = given.trim() === 'on' ? String(door.defaultPort) : given;
    const parsed = parseListen(text, '0.0.0.0');
    if (!parsed.ok) throw pndError('PND_CONFIG', `--${door.name}: ${parsed.error.message}`);
    if (parsed.value) doors[door.name] = parsed.value;
  }

  // Loopback by default: the console is for the operator's machine, not the phones' network.
  const admin = parseListen(pick('admin') ?? DEFAULT_ADMIN, '127.0.0.1');
  if (!admin.ok) throw pndError('PND_CONFIG', `--admin: ${admin.error.message}`);

  const publicUrl = pick('public-url');
  if (publicUrl !== undefined) {
    try {
      const url = new URL(publicUrl);
      if (!/^(https?|tftp|ftp):$/.test(url.protocol)) throw new Error('scheme');
    } catch {
      throw pndError(
        'PND_CONFIG',
        `--public-url: "${maskUserinfo(publicUrl).slice(0, 80)}" is not an http(s), tftp or ftp URL`,
      );
    }
  }
  const unknown = pick('sip-unknown') ?? 'pending-answer';
  if (!(UNKNOWN_POLICIES as readonly string[]).includes(unknown)) {
    throw pndError('PND_CONFIG', `--sip-unknown: expected one of ${UNKNOWN_POLICIES.join(', ')}`);
  }
  const databaseUrl = pick('database');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw pndError('PND_CONFIG', '--database: expected a postgres:// URL');
  }
  return {
    dataDir: resolve(pick('data-dir') ?? DEFAULT_DATA_DIR),
    doors,
    ...(admin.value ? { admin: admin.value } : {}),
    events: {
      retentionDays: positive(pick('event-retention-days') ?? '30', 'event-retention-days'),
      maxEvents: positive(pick('event-max') ?? '1000000', 'event-max'),
    },
    tftp: { ackPollMs: ackPoll(pick('tftp-ack-poll') ?? '1') },
    sip: {
      interfaces: parseInterfaceChoice([pick('sip-interface') ?? '']),
      unknown: unknown as UnknownPolicy,
    },
    security: loadSecurityConfig(pick),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(publicUrl ? { publicUrl: publicUrl.replace(/\/+$/, '') } : {}),
  };
}

function ackPoll(text: string): number {
  const ms = Number(text);
  if (text.trim() === '' || !Number.isFinite(ms) || ms < 0 || ms > 100)
    throw pndError('PND_CONFIG', '--tftp-ack-poll: expected milliseconds from 0 to 100');
  return ms;
}

function positive(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw pndError('PND_CONFIG', `--${name}: expected a positive whole number`);
  return n;
}

function readConfigFile(path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw pndError('PND_CONFIG', `cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw pndError(
      'PND_CONFIG',
      `config file ${path}: expected a JSON object of option names to values`,
    );
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}
