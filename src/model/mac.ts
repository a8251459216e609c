import { fail, ok, type Result } from '../errors.ts';

/** A MAC address in canonical form: 12 lowercase hex digits, no separators. */
export type Mac = string & { readonly __mac: unique symbol };

const FORMS = [
  /^([0-9a-f]{2})[:]([0-9a-f]{2})[:]([0-9a-f]{2})[:]([0-9a-f]{2})[:]([0-9a-f]{2})[:]([0-9a-f]{2})$/i,
  /^([0-9a-f]{2})[-]([0-9a-f]{2})[-]([0-9a-f]{2})[-]([0-9a-f]{2})[-]([0-9a-f]{2})[-]([0-9a-f]{2})$/i,
  /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i,
  /^([0-9a-f]{12})$/i,
];

/**
 * Accepts `00:21:F2:00:00:01`, `00-21-f2-00-00-01`, `0021.f200.0001` and `0021f2000001`.
 * Anything else is a typed error naming the accepted forms.
 */
export function parseMac(input: string): Result<Mac> {
  const mac = readMac(input);
  if (mac) return ok(mac);
  const text = input.trim();
  return fail(
    'PND_INVALID_MAC',
    `"${text.slice(0, 40)}" is not a MAC address; use 12 hex digits, e.g. 0021f2000001, 00:21:f2:00:00:01, 00-21-f2-00-00-01 or 0021.f200.0001`,
  );
}

/**
 * The MAC in one of parseMac's forms, or undefined: for recognisers, which try every file
 * name a phone asks for, and an error made (with its stack) for each name that is not a MAC
 * cost more than the rest of the request.
 */
export function readMac(input: string): Mac | undefined {
  const text = input.trim();
  for (const form of FORMS) {
    const match = form.exec(text);
    if (match) return match.slice(1).join('').toLowerCase() as Mac;
  }
  return undefined;
}

export function isMac(input: string): input is Mac {
  return /^[0-9a-f]{12}$/.test(input);
}

/** Finds a bare 12-hex-digit MAC anywhere in a string, e.g. a User-Agent or file name. */
export function findMac(text: string): Mac | undefined {
  const colon = /\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b/i.exec(text);
  if (colon?.[1]) return colon[1].replace(/:/g, '').toLowerCase() as Mac;
  const bare = /(?:^|[^0-9a-f])([0-9a-f]{12})(?:$|[^0-9a-f])/i.exec(text);
  return bare?.[1] ? (bare[1].toLowerCase() as Mac) : undefined;
}

export type MacStyle = 'bare' | 'BARE' | 'colon' | 'COLON' | 'dash';

export function formatMac(mac: Mac, style: MacStyle = 'bare'): string {
  const pairs = mac.match(/../g) ?? [];
  switch (style) {
    case 'bare':
      return mac;
    case 'BARE':
      return mac.toUpperCase();
    case 'colon':
      return pairs.join(':');
    case 'COLON':
      return pairs.join(':').toUpperCase();
    case 'dash':
      return pairs.join('-');
  }
}
