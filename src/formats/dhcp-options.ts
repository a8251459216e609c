// DHCP option codecs, vendor-neutral: what each option's bytes are, never who reads them.
// Drivers say which options their phones read (src/drivers/<vendor>/dhcp.ts); the
// generators beside this file write them in each DHCP server's syntax.

import { fail, ok, type Result } from '../errors.ts';

/** One DHCP vendor sub-option (option 43 as type-length-value), its text as the phone reads it. */
export interface DhcpSuboption {
  code: number;
  text: string;
}

/**
 * What one option carries: text (66, 67, 114, 160, 128–254, 43 as a string), sub-options (43)
 * or IPv4 addresses, four bytes each (150, a TFTP server list).
 */
export type DhcpValue =
  | { kind: 'text'; text: string }
  | { kind: 'suboptions'; suboptions: readonly DhcpSuboption[]; nulTerminated: boolean }
  | { kind: 'addresses'; addresses: readonly string[] };

export interface DhcpOption {
  code: number;
  value: DhcpValue;
}

/** The options a phone received, by code, as raw bytes (several instances already joined). */
export type DhcpOptions = ReadonlyMap<number, Buffer>;

export const OPTION = {
  vendorSpecific: 43,
  vendorClass: 60,
  tftpServerName: 66,
  bootFileName: 67,
  tftpServerAddresses: 150,
  defaultUrl: 114,
  polycomUrl: 160,
} as const;

/** The range vendors let operators choose a site-specific option from (Fanvil, Yealink). */
export const CUSTOM_MIN = 128;
export const CUSTOM_MAX = 254;

export function isCustomCode(code: number): boolean {
  return Number.isInteger(code) && code >= CUSTOM_MIN && code <= CUSTOM_MAX;
}

/** An option's data is one byte of length: longer values need RFC 3396 splitting. */
export const MAX_OPTION_LENGTH = 255;

/** Text options (66, 67, 114, 160, custom, 43 as a string): bytes as sent, no terminator. */
export function encodeText(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Phones stop at the first NUL; some servers (and seed 003's example) send one. */
export function decodeText(data: Buffer): string {
  const nul = data.indexOf(0);
  return (nul === -1 ? data : data.subarray(0, nul)).toString('utf8');
}

/**
 * Vendor sub-options (option 43 as RFC 2132 §8.4 describes it): code, length, data, repeated.
 * `nulTerminated` appends a NUL to each text, as Auerswald's example in seed 003 does.
 */
export function encodeSuboptions(
  suboptions: readonly DhcpSuboption[],
  nulTerminated: boolean,
): Result<Buffer> {
  const parts: Buffer[] = [];
  for (const sub of suboptions) {
    if (!Number.isInteger(sub.code) || sub.code < 1 || sub.code > 254)
      return fail('PND_DHCP_OPTION', `sub-option code ${sub.code} is outside 1–254`);
    const data = Buffer.concat([encodeText(sub.text), Buffer.alloc(nulTerminated ? 1 : 0)]);
    if (data.length > MAX_OPTION_LENGTH)
      return fail(
        'PND_DHCP_OPTION',
        `sub-option ${sub.code} is ${data.length} bytes; at most ${MAX_OPTION_LENGTH} fit`,
      );
    parts.push(Buffer.from([sub.code, data.length]), data);
  }
  return ok(Buffer.concat(parts));
}

/** Reads sub-options; pad (0) is skipped, end (255) stops, a truncated entry is an error. */
export function decodeSuboptions(data: Buffer): Result<{ code: number; data: Buffer }[]> {
  const out: { code: number; data: Buffer }[] = [];
  let at = 0;
  while (at < data.length) {
    const code = data[at]!;
    if (code === 0) {
      at++;
      continue;
    }
    if (code === 255) break;
    const length = data[at + 1];
    if (length === undefined || at + 2 + length > data.length)
      return fail('PND_DHCP_OPTION', `sub-option ${code} at byte ${at} runs past the option's end`);
    out.push({ code, data: data.subarray(at + 2, at + 2 + length) });
    at += 2 + length;
  }
  return ok(out);
}

/** IPv4 addresses as four bytes each (option 150, RFC 5859). */
export function encodeAddresses(addresses: readonly string[]): Result<Buffer> {
  const parts: Buffer[] = [];
  for (const address of addresses) {
    const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
      .exec(address)
      ?.slice(1)
      .map(Number);
    if (!octets || octets.some((n) => n > 255))
      return fail('PND_DHCP_OPTION', `"${address.slice(0, 40)}" is not an IPv4 address`);
    parts.push(Buffer.from(octets));
  }
  return ok(Buffer.concat(parts));
}

/** Reads four-byte IPv4 addresses; a length that is no multiple of four is not a list. */
export function decodeAddresses(data: Buffer): string[] | undefined {
  if (data.length === 0 || data.length % 4 !== 0) return undefined;
  const out: string[] = [];
  for (let at = 0; at < data.length; at += 4) out.push([...data.subarray(at, at + 4)].join('.'));
  return out;
}

/** The bytes of one option's value, whatever it carries. */
export function encodeValue(value: DhcpValue): Result<Buffer> {
  const data =
    value.kind === 'text'
      ? ok(encodeText(value.text))
      : value.kind === 'addresses'
        ? encodeAddresses(value.addresses)
        : encodeSuboptions(value.suboptions, value.nulTerminated);
  if (data.ok && data.value.length > MAX_OPTION_LENGTH)
    return fail(
      'PND_DHCP_OPTION',
      `the value is ${data.value.length} bytes; one option holds at most ${MAX_OPTION_LENGTH}`,
    );
  return data;
}

/** A whole options field (code, length, data …): instances of one code are joined (RFC 3396). */
export function decodeOptionList(data: Buffer): Result<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  let at = 0;
  while (at < data.length) {
    const code = data[at]!;
    if (code === 0) {
      at++;
      continue;
    }
    if (code === 255) break;
    const length = data[at + 1];
    if (length === undefined || at + 2 + length > data.length)
      return fail('PND_DHCP_OPTION', `option ${code} at byte ${at} runs past the end`);
    const value = data.subarray(at + 2, at + 2 + length);
    const seen = out.get(code);
    out.set(code, seen ? Buffer.concat([seen, value]) : Buffer.from(value));
    at += 2 + length;
  }
  return ok(out);
}

/** Writes options as code, length, data, ending with 255; long values are split (RFC 3396). */
export function encodeOptionList(options: DhcpOptions): Buffer {
  const parts: Buffer[] = [];
  for (const [code, value] of options) {
    let at = 0;
    do {
      const chunk = value.subarray(at, at + MAX_OPTION_LENGTH);
      parts.push(Buffer.from([code, chunk.length]), chunk);
      at += MAX_OPTION_LENGTH;
    } while (at < value.length);
  }
  parts.push(Buffer.from([255]));
  return Buffer.concat(parts);
}

/** `42:0b:68` — the form packet captures and DHCP servers show bytes in. */
export function formatHex(data: Buffer, separator = ':'): string {
  return [...data].map((byte) => byte.toString(16).padStart(2, '0')).join(separator);
}

const COLON_HEX = /^[0-9a-f]{2}(?::[0-9a-f]{2})+$/i;

/**
 * An option value as an operator types it: `hex:…`, `0x…` or colon-separated hex
 * (`42:0b:68:…`, as seed 003 and packet captures show bytes) are bytes; `text:…` and
 * anything else is text.
 */
export function parseOptionValue(text: string): Result<Buffer> {
  if (text.startsWith('text:')) return ok(encodeText(text.slice(5)));
  const hex = text.startsWith('hex:')
    ? text.slice(4)
    : /^0x/i.test(text)
      ? text.slice(2)
      : COLON_HEX.test(text)
        ? text
        : undefined;
  if (hex === undefined) return ok(encodeText(text));
  const digits = hex.replace(/[:\s-]/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(digits))
    return fail('PND_DHCP_OPTION', `"${text.slice(0, 60)}" is not hex: pairs of 0-9a-f digits`);
  return ok(Buffer.from(digits, 'hex'));
}

/** `--option CODE=VALUE`: the code is 1–254 (0 and 255 are pad and end). */
export function parseOptionArgument(text: string): Result<{ code: number; data: Buffer }> {
  const eq = text.indexOf('=');
  const code = Number(eq > 0 ? text.slice(0, eq).trim() : NaN);
  if (!Number.isInteger(code) || code < 1 || code > 254)
    return fail(
      'PND_DHCP_OPTION',
      `"${text.slice(0, 60)}": expected CODE=VALUE with a code from 1 to 254, e.g. 66=tftp://10.0.0.5/`,
    );
  const data = parseOptionValue(text.slice(eq + 1));
  return data.ok ? ok({ code, data: data.value }) : data;
}

/** Many `--option` arguments into one options map; a repeated code is joined (RFC 3396). */
export function parseOptionArguments(texts: readonly string[]): Result<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  for (const text of texts) {
    const parsed = parseOptionArgument(text);
    if (!parsed.ok) return parsed;
    const seen = out.get(parsed.value.code);
    out.set(parsed.value.code, seen ? Buffer.concat([seen, parsed.value.data]) : parsed.value.data);
  }
  return ok(out);
}

/** Option 60 as the phone sent it, compared the way every generated snippet does: a prefix. */
export function vendorClassMatches(sent: string | Buffer, prefix: string): boolean {
  const text = typeof sent === 'string' ? sent : decodeText(sent);
  return prefix.length > 0 && text.startsWith(prefix);
}

/** A MAC prefix as the generators take it: 6 lowercase hex digits (an OUI). */
export function parseMacPrefix(text: string): Result<string> {
  const digits = text.replace(/[:.-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{6}$/.test(digits))
    return fail('PND_DHCP_OPTION', `"${text.slice(0, 40)}" is not a MAC prefix like 00:15:65`);
  return ok(digits);
}

export function macMatchesPrefix(mac: string, prefix: string): boolean {
  return mac.replace(/[:.-]/g, '').toLowerCase().startsWith(prefix);
}

/** Where a URL in an option is a bare host (seed 001: "a host or a full URL"). */
export function hasScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/** Text a phone could take for a URL or a host: printable ASCII, no spaces. */
export function isUrlText(text: string): boolean {
  return /^[\x21-\x7e]+$/.test(text);
}

/**
 * The text without the `/` it ends with, however many. A loop, not `/\/+$/`: that regular
 * expression retries at every `/` of a long run that does not end the text, quadratic in
 * an option a DHCP server sends.
 */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return text.slice(0, end);
}

/** Joins two URL parts with exactly one `/` between them (seed 003: "missing / are inserted"). */
export function joinUrl(head: string, tail: string): string {
  if (tail === '') return head;
  if (head === '') return tail;
  return head.endsWith('/') || tail.startsWith('/') ? head + tail : `${head}/${tail}`;
}
