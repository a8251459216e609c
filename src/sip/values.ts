// Header values: `value;param=x;flag`, name-addr (From, To, Contact), Via and SIP URIs.
// Pure and total; unparseable input gives undefined, never a throw.

import { isIP } from 'node:net';

/** Parameter names in lower case; a flag parameter (`;rport`) has the value ''. Quotes removed. */
export type Params = Readonly<Record<string, string>>;

export interface ValueWithParams {
  value: string;
  params: Params;
}

/** `ua-profile;profile-type="device";vendor="Acme"` → value and parameters. */
export function parseParams(text: string): ValueWithParams {
  const parts = splitOutsideQuotes(text, ';');
  const value = (parts.shift() ?? '').trim();
  return { value, params: paramsOf(parts) };
}

function paramsOf(parts: readonly string[]): Params {
  const params: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name || Object.hasOwn(params, name)) continue;
    params[name] = eq < 0 ? '' : unquote(part.slice(eq + 1).trim());
  }
  return params;
}

export function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return text;
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Splits on a separator outside double quotes and angle brackets. */
export function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') angle = true;
    else if (ch === '>') angle = false;
    else if (ch === separator && !angle) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

export interface NameAddr {
  display?: string;
  uri: string;
  /** Header parameters (e.g. `tag`), not the URI's own. */
  params: Params;
}

/**
 * `"Bob" <sip:bob@example.com;transport=udp>;tag=1` or `sip:bob@example.com;tag=1`. Without
 * angle brackets every parameter belongs to the header (RFC 3261 §20.10).
 */
export function parseNameAddr(text: string): NameAddr | undefined {
  const value = text.trim();
  const open = indexOutsideQuotes(value, '<');
  if (open >= 0) {
    const close = value.indexOf('>', open);
    if (close < 0) return undefined;
    const display = unquote(value.slice(0, open).trim());
    const uri = value.slice(open + 1, close).trim();
    if (!uri) return undefined;
    const rest = value.slice(close + 1);
    const parts = splitOutsideQuotes(rest, ';');
    parts.shift();
    return { uri, params: paramsOf(parts), ...(display ? { display } : {}) };
  }
  const parts = splitOutsideQuotes(value, ';');
  const uri = (parts.shift() ?? '').trim();
  if (!uri || /\s/.test(uri)) return undefined;
  return { uri, params: paramsOf(parts) };
}

function indexOutsideQuotes(text: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (quoted) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') quoted = false;
    } else if (text[i] === '"') quoted = true;
    else if (text[i] === ch) return i;
  }
  return -1;
}

export interface Via {
  /** `UDP`, `TCP`, … in upper case. */
  transport: string;
  host: string;
  port?: number;
  params: Params;
}

/** `SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK77;rport`. */
export function parseVia(text: string): Via | undefined {
  const { value, params } = parseParams(text);
  const match = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9-]+)\s+(\S+)$/i.exec(value);
  if (!match) return undefined;
  const hostPort = parseHostPort(match[2]!);
  if (!hostPort) return undefined;
  return { transport: match[1]!.toUpperCase(), ...hostPort, params };
}

export function parseHostPort(text: string): { host: string; port?: number } | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const host = match[1]!.replace(/^\[|\]$/g, '');
  if (match[1]!.startsWith('[') && isIP(host) !== 6) return undefined;
  if (match[2] === undefined) return { host };
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}

export interface SipUri {
  scheme: 'sip' | 'sips';
  /** Everything before `@`, as written (still percent-encoded): `MAC%3a0021f2000001`, `MAC:0021…`. */
  userinfo?: string;
  host: string;
  port?: number;
  params: Params;
}

/** `sip:user@host:port;param` (headers after `?` are ignored). */
export function parseSipUri(text: string): SipUri | undefined {
  const match = /^(sips?):([^?]*)/i.exec(text.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase() as SipUri['scheme'];
  const [address = '', ...paramParts] = match[2]!.split(';');
  const at = address.lastIndexOf('@');
  const userinfo = at >= 0 ? address.slice(0, at) : undefined;
  const hostPort = parseHostPort(at >= 0 ? address.slice(at + 1) : address);
  if (!hostPort || userinfo === '') return undefined;
  return {
    scheme,
    ...(userinfo !== undefined ? { userinfo } : {}),
    ...hostPort,
    params: paramsOf(paramParts),
  };
}

export function formatHostPort(host: string, port?: number): string {
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}
