import { pndError } from '../errors.ts';
import { DEFAULT_SESSION_LIMITS } from '../tr069/session-table.ts';

/**
 * What one client may hold of a door, and for how long: the brakes on locking a door out.
 * Each is a `plugndial serve` flag and config key of the same name (see docs/security.md).
 */
export interface DoorLimits {
  /** Connections at once at each HTTP door (HTTP, HTTPS, ACS: each its own count). */
  httpConnections: number;
  /** Of those, from one address (trusted proxies excepted). */
  httpConnectionsPerAddress: number;
  /** From accepting a connection (TLS handshake included) to its request head's end. */
  httpHeaderTimeoutMs: number;
  /** FTP control connections at once; the last eighth only for addresses holding none. */
  ftpSessions: number;
  ftpSessionsPerAddress: number;
  /** From a command line's first byte to its end. */
  ftpLineTimeoutMs: number;
  /** From connecting to a successful login. */
  ftpLoginTimeoutMs: number;
  /** TFTP transfers at once; the last eighth only for addresses holding none. */
  tftpTransfers: number;
  tftpTransfersPerAddress: number;
  /** The largest `timeout` option honoured; a larger one is left out of the OACK. */
  tftpMaxTimeoutMs: number;
  /** How long one transfer may last, whatever its progress. */
  tftpMaxHoldMs: number;
  /** Where a plug-and-play NOTIFY goes: the SUBSCRIBE's source, or what its Contact/Via name. */
  sipNotifyTo: 'source' | 'contact';
  /** NOTIFYs to one destination address in a minute (a burst of this many, then refilled). */
  sipNotifiesPerMinute: number;
  /** TR-069 sessions open at once; a full table refuses newcomers with 503. */
  acsSessions: number;
  /** Of those, from one address (trusted proxies excepted). */
  acsSessionsPerAddress: number;
}

/** The flags (and config keys) that set them. */
export const LIMIT_FLAGS = [
  'http-connections',
  'http-connections-per-address',
  'http-header-timeout',
  'ftp-sessions',
  'ftp-sessions-per-address',
  'ftp-line-timeout',
  'ftp-login-timeout',
  'tftp-transfers',
  'tftp-transfers-per-address',
  'tftp-max-timeout',
  'tftp-max-hold',
  'sip-notify-to',
  'sip-notifies-per-minute',
  'acs-sessions',
  'acs-sessions-per-address',
] as const;

export const DEFAULT_DOOR_LIMITS: DoorLimits = {
  httpConnections: 2048,
  httpConnectionsPerAddress: 256,
  httpHeaderTimeoutMs: 20_000,
  ftpSessions: 256,
  ftpSessionsPerAddress: 8,
  ftpLineTimeoutMs: 30_000,
  ftpLoginTimeoutMs: 30_000,
  tftpTransfers: 512,
  tftpTransfersPerAddress: 16,
  tftpMaxTimeoutMs: 10_000,
  tftpMaxHoldMs: 600_000,
  sipNotifyTo: 'source',
  sipNotifiesPerMinute: 60,
  acsSessions: DEFAULT_SESSION_LIMITS.sessions,
  acsSessionsPerAddress: DEFAULT_SESSION_LIMITS.perAddress,
};

/** Reads the limits; `pick` resolves flag ◀ environment ◀ config file. */
export function loadDoorLimits(pick: (name: string) => string | undefined): DoorLimits {
  const d = DEFAULT_DOOR_LIMITS;
  const count = (name: string, fallback: number, max: number): number =>
    whole(pick(name), name, fallback, 1, max);
  const seconds = (name: string, fallbackMs: number, max: number): number =>
    whole(pick(name), name, fallbackMs / 1000, 1, max) * 1000;
  const notifyTo = pick('sip-notify-to') ?? d.sipNotifyTo;
  if (notifyTo !== 'source' && notifyTo !== 'contact') {
    throw pndError(
      'PND_CONFIG',
      '--sip-notify-to: expected source (the SUBSCRIBE came from there) or contact (what it names)',
    );
  }
  const limits: DoorLimits = {
    httpConnections: count('http-connections', d.httpConnections, 100_000),
    httpConnectionsPerAddress: count(
      'http-connections-per-address',
      d.httpConnectionsPerAddress,
      100_000,
    ),
    httpHeaderTimeoutMs: seconds('http-header-timeout', d.httpHeaderTimeoutMs, 300),
    ftpSessions: count('ftp-sessions', d.ftpSessions, 100_000),
    ftpSessionsPerAddress: count('ftp-sessions-per-address', d.ftpSessionsPerAddress, 100_000),
    ftpLineTimeoutMs: seconds('ftp-line-timeout', d.ftpLineTimeoutMs, 3600),
    ftpLoginTimeoutMs: seconds('ftp-login-timeout', d.ftpLoginTimeoutMs, 3600),
    tftpTransfers: count('tftp-transfers', d.tftpTransfers, 100_000),
    tftpTransfersPerAddress: count(
      'tftp-transfers-per-address',
      d.tftpTransfersPerAddress,
      100_000,
    ),
    tftpMaxTimeoutMs: seconds('tftp-max-timeout', d.tftpMaxTimeoutMs, 255),
    tftpMaxHoldMs: seconds('tftp-max-hold', d.tftpMaxHoldMs, 86_400),
    sipNotifyTo: notifyTo,
    sipNotifiesPerMinute: count('sip-notifies-per-minute', d.sipNotifiesPerMinute, 100_000),
    acsSessions: count('acs-sessions', d.acsSessions, 100_000),
    acsSessionsPerAddress: count('acs-sessions-per-address', d.acsSessionsPerAddress, 100_000),
  };
  return limits;
}

function whole(
  text: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw pndError('PND_CONFIG', `--${name}: expected a whole number from ${min} to ${max}`);
  }
  return n;
}

/**
 * Descriptors the process holds besides its doors' clients: the store, logs, listeners, and
 * the TFTP door's spare transfer ports (at most 32).
 */
const OWN_DESCRIPTORS = 64;

/**
 * The open files the doors may hold at their limits: each HTTP door (HTTP, HTTPS, the ACS)
 * its own connections, an FTP session a control and a data connection, a TFTP transfer its
 * socket. Below this, a crowd exhausts the process's descriptors before the limits apply,
 * and then every door refuses phones and the store cannot open a file.
 */
export function descriptorsNeeded(
  limits: Pick<DoorLimits, 'httpConnections' | 'ftpSessions' | 'tftpTransfers'>,
  doors: readonly string[],
): number {
  const http = doors.filter((door) => door === 'http' || door === 'https' || door === 'acs');
  return (
    http.length * limits.httpConnections +
    (doors.includes('ftp') ? 2 * limits.ftpSessions : 0) +
    (doors.includes('tftp') ? limits.tftpTransfers : 0) +
    OWN_DESCRIPTORS
  );
}

/** The soft limit of open files, from `/proc/self/limits`' text; undefined if unlimited or unknown. */
export function openFilesLimit(limitsText: string): number | undefined {
  const line = /^Max open files\s+(\S+)/m.exec(limitsText)?.[1];
  return line === undefined || !/^\d+$/.test(line) ? undefined : Number(line);
}
