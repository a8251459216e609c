import { hostname } from 'node:os';
import { resolve } from 'node:path';

import { isPlugndialError, pndError, PlugndialError } from '../errors.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log.ts';
import { inUrlCharacters } from '../model/url-characters.ts';
import { maskUserinfo } from '../redact.ts';
import { DEFAULT_DATA_DIR } from './data-dir.ts';
import { parseInterfaceChoice, type InterfaceChoice } from '../sip/interfaces.ts';
import { UNKNOWN_POLICIES, type UnknownPolicy } from '../sip/policy.ts';
import { parseListen, type ListenAddress } from './listen.ts';
import { envName, resolveOptions, type ConfigSources, type ResolvedOptions } from './options.ts';
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
  /**
   * This node's name in the events it records (`--node`), for a store several nodes share:
   * which node served a phone. Its host name unless set; none on the embedded store.
   */
  node?: string;
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
  /** The operator log: its level, and its form (text on a terminal, JSON otherwise, unless set). */
  log?: { level: LogLevel; format?: LogFormat };
  /** GET /metrics without the admin token. */
  metricsPublic?: boolean;
  /** How long SIGTERM waits for transfers under way before it cuts them off. */
  stopTimeoutMs?: number;
}

export { DEFAULT_DATA_DIR };

/** A node's name, as host names are written. */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
export const DEFAULT_ADMIN = '127.0.0.1:7080';

export type { ConfigSources };

/** Flags, environment (`PLUGNDIAL_*`) and an optional JSON file, in that order of precedence. */
export function loadServerConfig(sources: ConfigSources): ServerConfig {
  return serverConfigOf(resolveOptions(sources));
}

/**
 * The configuration from resolved settings. A value that does not parse is refused naming
 * where it came from: the flag, the environment variable or the file's key.
 */
export function serverConfigOf(resolved: ResolvedOptions): ServerConfig {
  try {
    return build((name) => resolved.values.get(name)?.value);
  } catch (error) {
    throw renamed(error, resolved);
  }
}

function renamed(error: unknown, resolved: ResolvedOptions): unknown {
  if (!isPlugndialError(error) || error.code !== 'PND_CONFIG') return error;
  const flag = /^--([a-z-]+): /.exec(error.message);
  const source = flag ? resolved.values.get(flag[1]!)?.source : undefined;
  if (!flag || (source !== 'environment' && source !== 'file')) return error;
  const name = flag[1]!;
  const where =
    source === 'environment' ? envName(name) : `config file ${resolved.file}, key "${name}"`;
  return new PlugndialError(
    error.code,
    `${where}: ${error.message.slice(flag[0].length)}`,
    error.details,
  );
}

function build(pick: (name: string) => string | undefined): ServerConfig {
  const doors: ServerConfig['doors'] = {};
  for (const door of DOORS) {
    const given = pick(door.name) ?? 'off';
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
    if (!inUrlCharacters(publicUrl))
      throw pndError(
        'PND_CONFIG',
        '--public-url: a URL has no spaces, quotes, control characters or line breaks; percent-encode them',
      );
    try {
      const url = new URL(publicUrl);
      if (!/^(https?|tftp|ftp):$/.test(url.protocol)) throw new Error('scheme');
    } catch {
      throw pndError(
        'PND_CONFIG',
        `--public-url: ${shownUrl(publicUrl)} is not an http(s), tftp or ftp URL`,
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
  const named = pick('node');
  if (named !== undefined && !NODE_NAME.test(named)) {
    throw pndError(
      'PND_CONFIG',
      '--node: a name of letters, digits, dots, dashes or underscores (at most 253), e.g. prov-b',
    );
  }
  const node = named ?? (databaseUrl !== undefined ? hostname().slice(0, 253) : undefined);
  return {
    dataDir: resolve(pick('data-dir') ?? DEFAULT_DATA_DIR),
    doors,
    ...(admin.value ? { admin: admin.value } : {}),
    events: {
      retentionDays: positive(pick('event-retention-days') ?? '30', 'event-retention-days'),
      maxEvents: positive(pick('event-max') ?? '1000000', 'event-max'),
    },
    tftp: { ackPollMs: ackPoll(pick('tftp-ack-poll') ?? '1') },
    log: logConfig(pick),
    metricsPublic: yes(pick('metrics-public') ?? 'false', 'metrics-public'),
    stopTimeoutMs: whole(pick('stop-timeout') ?? '30', 'stop-timeout', 0, 3600) * 1000,
    sip: {
      interfaces: parseInterfaceChoice([pick('sip-interface') ?? '']),
      unknown: unknown as UnknownPolicy,
    },
    security: loadSecurityConfig(pick),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(node !== undefined ? { node } : {}),
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

/** A URL for an error message: never the userinfo, which may hold a password. */
function shownUrl(text: string): string {
  const masked = maskUserinfo(text);
  return masked.includes('@') && masked === text ? 'the URL' : `"${masked.slice(0, 80)}"`;
}

function logConfig(pick: (name: string) => string | undefined): NonNullable<ServerConfig['log']> {
  const level = pick('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw pndError('PND_CONFIG', `--log-level: expected one of ${LOG_LEVELS.join(', ')}`);
  const format = pick('log-format');
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format))
    throw pndError(
      'PND_CONFIG',
      `--log-format: expected ${LOG_FORMATS.join(' or ')} (default: text on a terminal, else json)`,
    );
  return { level: level as LogLevel, ...(format ? { format: format as LogFormat } : {}) };
}

function yes(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  throw pndError('PND_CONFIG', `--${name}: expected true or false`);
}

function whole(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw pndError('PND_CONFIG', `--${name}: expected a whole number from ${min} to ${max}`);
  return n;
}
