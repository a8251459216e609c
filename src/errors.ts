// The one error catalogue. Every error plugndial reports has a stable code, an HTTP
// status for the admin API and a message that says what happened and what to do.
// Messages never carry secrets: callers pass key names and row numbers, not values
// of secret settings.

export const ERRORS = {
  PND_INVALID_MAC: { status: 400, title: 'not a MAC address' },
  PND_INVALID_SETTING: { status: 400, title: 'invalid setting' },
  PND_UNKNOWN_SETTING: { status: 400, title: 'unknown setting' },
  PND_INVALID_ARGUMENT: { status: 400, title: 'invalid argument' },
  PND_UNKNOWN_FIELD: { status: 400, title: 'unknown field or parameter' },
  PND_INVALID_CSV: { status: 400, title: 'invalid CSV' },
  PND_INVALID_CFG: { status: 400, title: 'invalid key=value configuration file' },
  PND_INVALID_BOOT: { status: 400, title: 'invalid boot file' },
  PND_INVALID_XML: { status: 400, title: 'invalid XML' },
  PND_INVALID_CONTACTS: { status: 400, title: 'invalid contact list' },
  PND_PHONEBOOK_NOT_FOUND: { status: 404, title: 'phonebook not found' },
  PND_FIRMWARE_EXISTS: { status: 409, title: 'firmware exists' },
  PND_FIRMWARE_NOT_FOUND: { status: 404, title: 'firmware not found' },
  PND_FIRMWARE_REFUSED: { status: 422, title: 'firmware upload refused' },
  PND_UNKNOWN_VENDOR: { status: 400, title: 'unknown vendor' },
  PND_DEVICE_EXISTS: { status: 409, title: 'device exists' },
  PND_DEVICE_NOT_FOUND: { status: 404, title: 'device not found' },
  PND_PROFILE_EXISTS: { status: 409, title: 'profile exists' },
  PND_PROFILE_NOT_FOUND: { status: 404, title: 'profile not found' },
  PND_PROFILE_IN_USE: { status: 409, title: 'profile in use' },
  PND_FILE_NOT_FOUND: { status: 404, title: 'file not found' },
  PND_FILE_WITHHELD: { status: 409, title: 'file not served as configured' },
  PND_INVALID_PATH: { status: 400, title: 'invalid path' },
  PND_UNAUTHORIZED: { status: 401, title: 'unauthorized' },
  PND_FOREIGN_ORIGIN: { status: 403, title: 'console session used from another origin' },
  PND_CSRF: { status: 403, title: 'missing or wrong CSRF token' },
  PND_SIGN_IN_THROTTLED: { status: 429, title: 'too many wrong sign-ins' },
  PND_TOO_MANY_STREAMS: { status: 503, title: 'too many event streams' },
  PND_RESYNC_JOB_NOT_FOUND: { status: 404, title: 'resync job not found' },
  PND_NOT_FOUND: { status: 404, title: 'not found' },
  PND_DATA_DIR_LOCKED: { status: 409, title: 'data directory in use' },
  PND_DATA_DIR: { status: 500, title: 'data directory unusable' },
  PND_DATABASE: { status: 503, title: 'database error' },
  PND_STORE_NOT_EMPTY: { status: 409, title: 'store not empty' },
  PND_ARCHIVE_INVALID: { status: 400, title: 'not a usable plugndial archive' },
  PND_CONFIG: { status: 400, title: 'invalid server configuration' },
  PND_CONFIG_FILE: { status: 400, title: 'configuration file unusable' },
  PND_CONFIG_UNKNOWN_KEY: { status: 400, title: 'unknown configuration key' },
  PND_TLS_FILE: { status: 400, title: 'TLS file unusable' },
  PND_LISTEN: { status: 500, title: 'cannot listen' },
  PND_SERVER_UNREACHABLE: { status: 503, title: 'server unreachable' },
  PND_SIMULATE_STEP: { status: 502, title: 'phone step failed' },
  PND_TFTP_ILLEGAL_OPERATION: { status: 400, title: 'TFTP illegal operation' },
  PND_TFTP_MALFORMED: { status: 400, title: 'malformed TFTP packet' },
  PND_TFTP_TRANSFER: { status: 502, title: 'TFTP transfer failed' },
  PND_TFTP_FILE_NOT_FOUND: { status: 404, title: 'TFTP file not found' },
  PND_TFTP_ACCESS_VIOLATION: { status: 403, title: 'TFTP access violation' },
  PND_TFTP_OPTION_REFUSED: { status: 400, title: 'TFTP option refused' },
  PND_TFTP_TIMEOUT: { status: 504, title: 'TFTP transfer timed out' },
  PND_TFTP_TOO_LARGE: { status: 413, title: 'TFTP file too large' },
  PND_SIP_MALFORMED: { status: 400, title: 'malformed SIP message' },
  PND_SIP_TOO_LARGE: { status: 413, title: 'SIP message too large' },
  PND_SIP_NO_ADDRESS: { status: 409, title: 'no SIP address for the device' },
  PND_SIP_UNSUPPORTED: { status: 409, title: 'the phone cannot be told to resync' },
  PND_SIP_RESYNC_DISABLED: { status: 409, title: 'resync from SIP disabled' },
  PND_DHCP_OPTION: { status: 400, title: 'invalid DHCP option' },
  PND_DHCP_NO_DOOR: { status: 409, title: 'no door phones can be pointed at' },
  PND_DHCP_CLIENT: { status: 502, title: 'DHCP client failed' },
  PND_INTERNAL: { status: 500, title: 'internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class PlugndialError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'PlugndialError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function pndError(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): PlugndialError {
  return new PlugndialError(code, message, details);
}

export function isPlugndialError(value: unknown): value is PlugndialError {
  return value instanceof PlugndialError;
}

/**
 * Wraps anything thrown into a catalogued error. Its text is not echoed: a driver's or a
 * database's message may quote a value that is a secret. What kind of failure it was (a
 * system error code such as ENOSPC, or the error's class) is kept, which is never a secret.
 */
export function asPlugndialError(value: unknown): PlugndialError {
  if (value instanceof PlugndialError) return value;
  const code = (value as { code?: unknown } | undefined)?.code;
  const kind =
    typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)
      ? code
      : value instanceof Error
        ? value.constructor.name.slice(0, 40)
        : typeof value;
  return new PlugndialError(
    'PND_INTERNAL',
    `internal error (${kind}); its text is not shown, as it may quote a secret`,
  );
}

/** A parse result for pure parsers: they return typed errors instead of throwing. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: PlugndialError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): Result<T> => ({ ok: false, error: new PlugndialError(code, message, details) });
