import type { Mac } from '../../model/mac.ts';
import type { GsValue } from './format.ts';

/**
 * The legacy binary `cfg<mac>` (described by public encoders of it; Grandstream's own
 * guides say only that its tools generate it): a 16-byte header, then the P-values as one
 * URL-encoded `P30=pool.ntp.org&P64=…&gnkey=0b82`, NUL-padded to an even length.
 *
 *   bytes 0–3   the file's length in 16-bit words, big-endian (8 for the header + body/2)
 *   bytes 4–5   a checksum: the sum of all big-endian 16-bit words of the file is 0 mod 2^16
 *   bytes 6–11  the phone's MAC
 *   bytes 12–15 CR LF CR LF
 *
 * It is not encrypted, whatever the guides call it: it carries passwords in the clear.
 */
const HEADER = 16;
const TRAILER = 'gnkey=0b82';

export function encodeBinary(values: readonly GsValue[], mac: Mac): Buffer {
  const pairs = values
    .filter((v) => /^P\d+$/.test(v.name))
    .map((v) => `${v.name}=${encodeURIComponent(wellFormed(v.value))}`);
  let body = Buffer.from([...pairs, TRAILER].join('&'), 'latin1');
  if (body.length % 2 === 1) body = Buffer.concat([body, Buffer.alloc(1)]);
  const file = Buffer.alloc(HEADER + body.length);
  file.writeUInt32BE(file.length / 2, 0);
  Buffer.from(mac, 'hex').copy(file, 6);
  file.write('\r\n\r\n', 12, 'latin1');
  body.copy(file, HEADER);
  file.writeUInt16BE((0x10000 - wordSum(file)) & 0xffff, 4);
  return file;
}

/**
 * The text with each lone surrogate (a JSON body may carry `"\ud800"`) as U+FFFD, as every
 * UTF-8 file gets it; encodeURIComponent would throw a URIError on it instead.
 */
function wellFormed(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

export type BinaryProblem = 'short' | 'length' | 'checksum' | 'trailer';

/** Reads a binary file as a phone does: header, checksum and MAC checked, values decoded. */
export function decodeBinary(
  file: Buffer,
): { ok: true; mac: Mac; values: Map<string, string> } | { ok: false; problem: BinaryProblem } {
  if (file.length < HEADER + TRAILER.length || file.length % 2 === 1)
    return { ok: false, problem: 'short' };
  if (file.readUInt32BE(0) * 2 !== file.length) return { ok: false, problem: 'length' };
  if (wordSum(file) !== 0) return { ok: false, problem: 'checksum' };
  let end = file.length;
  while (end > HEADER && file[end - 1] === 0) end--;
  const text = file.subarray(HEADER, end).toString('latin1');
  if (!text.endsWith(TRAILER)) return { ok: false, problem: 'trailer' };
  const values = new Map<string, string>();
  for (const pair of text.slice(0, -TRAILER.length).split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      values.set(pair.slice(0, eq), decodeURIComponent(pair.slice(eq + 1)));
    } catch {
      values.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  return { ok: true, mac: file.subarray(6, 12).toString('hex') as Mac, values };
}

function wordSum(file: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < file.length; i += 2) sum = (sum + file.readUInt16BE(i)) & 0xffff;
  return sum;
}
