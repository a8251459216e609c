// TFTP packets (RFC 1350, RFC 2347 OACK) as pure encode/decode functions: no sockets, no state.

import { fail, ok, pndError } from '../../errors.ts';
import type { Result } from '../../errors.ts';

export const OPCODE = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;

export const TFTP_ERROR = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;

/** RFC 2347: a request, options included, fits in 512 octets. */
export const MAX_REQUEST_SIZE = 512;
/** RFC 2348: the largest block size. */
export const MAX_BLKSIZE = 65464;
export const MIN_BLKSIZE = 8;
export const DEFAULT_BLKSIZE = 512;
export const MAX_PACKET_SIZE = MAX_BLKSIZE + 4;
/** Error messages we decode are cut here; nothing longer is ever useful. */
const MAX_ERROR_MESSAGE = 255;

export type TftpOptions = ReadonlyMap<string, string>;

export type TftpPacket =
  | {
      kind: 'rrq' | 'wrq';
      filename: string;
      /** Lower-cased. */
      mode: string;
      /** Names lower-cased, in the order sent; the first of duplicate names wins. */
      options: TftpOptions;
    }
  | { kind: 'data'; block: number; payload: Buffer }
  | { kind: 'ack'; block: number }
  | { kind: 'error'; code: number; message: string }
  | { kind: 'oack'; options: TftpOptions };

export type TftpPacketKind = TftpPacket['kind'];
export type TftpRequestPacket = Extract<TftpPacket, { kind: 'rrq' | 'wrq' }>;

const KIND_BY_OPCODE: Record<number, TftpPacketKind> = {
  1: 'rrq',
  2: 'wrq',
  3: 'data',
  4: 'ack',
  5: 'error',
  6: 'oack',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function opcodeOf(datagram: Buffer): number | undefined {
  return datagram.length >= 2 ? datagram.readUInt16BE(0) : undefined;
}

export function decodePacket(datagram: Buffer): Result<TftpPacket> {
  const opcode = opcodeOf(datagram);
  if (opcode === undefined) return malformed('truncated');
  const kind = KIND_BY_OPCODE[opcode];
  if (kind === undefined) return malformed('unknown opcode');
  switch (kind) {
    case 'rrq':
    case 'wrq':
      return decodeRequest(kind, datagram);
    case 'data':
      if (datagram.length < 4) return malformed('truncated');
      if (datagram.length > MAX_PACKET_SIZE) return malformed('oversized');
      return ok({ kind, block: datagram.readUInt16BE(2), payload: datagram.subarray(4) });
    case 'ack': {
      if (datagram.length < 4) return malformed('truncated');
      const block = ackBlockOf(datagram);
      return block === undefined ? malformed('oversized') : ok({ kind, block });
    }
    case 'error':
      return decodeError(datagram);
    case 'oack': {
      if (datagram.length > MAX_REQUEST_SIZE) return malformed('oversized');
      const strings = splitStrings(datagram, 2);
      if (strings === undefined) return malformed('missing NUL');
      const options = pairOptions(strings);
      if (options === undefined) return malformed('option without value');
      return ok({ kind, options });
    }
  }
}

/**
 * The block number of a well-formed ACK, else undefined. The hot path of a transfer: one
 * call per ACK, no allocation. Trailing bytes are tolerated: some embedded stacks pad.
 */
export function ackBlockOf(datagram: Buffer): number | undefined {
  if (datagram.length < 4 || datagram.length > MAX_REQUEST_SIZE) return undefined;
  if (datagram[0] !== 0 || datagram[1] !== OPCODE.ack) return undefined;
  return datagram.readUInt16BE(2);
}

function decodeRequest(kind: 'rrq' | 'wrq', datagram: Buffer): Result<TftpPacket> {
  if (datagram.length > MAX_REQUEST_SIZE) return malformed('oversized');
  const strings = splitStrings(datagram, 2);
  if (strings === undefined) return malformed('missing NUL');
  const [rawName, rawMode, ...rest] = strings;
  if (rawName === undefined || rawName.length === 0) return malformed('missing filename');
  if (rawMode === undefined || rawMode.length === 0) return malformed('missing mode');
  const options = pairOptions(rest);
  if (options === undefined) return malformed('option without value');
  return ok({
    kind,
    filename: decodeName(rawName),
    mode: rawMode.toString('latin1').toLowerCase(),
    options,
  });
}

function decodeError(datagram: Buffer): Result<TftpPacket> {
  if (datagram.length < 4) return malformed('truncated');
  // A missing terminator is tolerated: an error ends the transfer either way.
  let end = datagram.indexOf(0, 4);
  if (end < 0) end = datagram.length;
  end = Math.min(end, 4 + MAX_ERROR_MESSAGE);
  const message = datagram.toString('latin1', 4, end).replace(/[^\x20-\x7e]/g, '?');
  return ok({ kind: 'error', code: datagram.readUInt16BE(2), message });
}

/** NUL-terminated strings from `start` to the end; undefined when the last one is unterminated. */
function splitStrings(datagram: Buffer, start: number): Buffer[] | undefined {
  const strings: Buffer[] = [];
  let at = start;
  while (at < datagram.length) {
    const end = datagram.indexOf(0, at);
    if (end < 0) return undefined;
    strings.push(datagram.subarray(at, end));
    at = end + 1;
  }
  return strings;
}

function pairOptions(strings: Buffer[]): Map<string, string> | undefined {
  const options = new Map<string, string>();
  for (let i = 0; i < strings.length; i += 2) {
    const name = strings[i] as Buffer;
    if (name.length === 0) {
      // Some clients pad requests with NULs: empty strings to the end are not options.
      if (strings.slice(i).every((s) => s.length === 0)) break;
      return undefined;
    }
    const value = strings[i + 1];
    if (value === undefined) return undefined;
    const key = name.toString('latin1').toLowerCase();
    if (!options.has(key)) options.set(key, value.toString('latin1'));
  }
  return options;
}

/** Names are bytes on the wire: UTF-8 when they are valid UTF-8, else one byte per character. */
function decodeName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

function malformed(reason: string): Result<TftpPacket> {
  return fail('PND_TFTP_MALFORMED', `malformed TFTP packet: ${reason}`, { reason });
}

export function encodeRequest(
  kind: 'rrq' | 'wrq',
  filename: string,
  mode: string,
  options: Iterable<readonly [string, string]> = [],
): Buffer {
  const strings: string[] = [checked(filename, 'filename'), checked(mode, 'mode')];
  for (const [name, value] of options)
    strings.push(checked(name, 'option'), checked(value, 'option'));
  const packet = opcodeAndStrings(OPCODE[kind], strings);
  if (packet.length > MAX_REQUEST_SIZE) {
    throw pndError('PND_INVALID_ARGUMENT', 'TFTP request too long: use a shorter file name');
  }
  return packet;
}

export function encodeData(block: number, payload: Buffer): Buffer {
  const packet = Buffer.allocUnsafe(4 + payload.length);
  writeDataHeader(packet, block);
  payload.copy(packet, 4);
  return packet;
}

/** Writes the DATA header into the first four bytes of a packet whose payload is already in place. */
export function writeDataHeader(packet: Buffer, block: number): void {
  packet.writeUInt16BE(OPCODE.data, 0);
  packet.writeUInt16BE(block & 0xffff, 2);
}

export function encodeAck(block: number): Buffer {
  const packet = Buffer.allocUnsafe(4);
  packet.writeUInt16BE(OPCODE.ack, 0);
  packet.writeUInt16BE(block & 0xffff, 2);
  return packet;
}

export function encodeError(code: number, message: string): Buffer {
  const text = Buffer.from(
    message.slice(0, MAX_ERROR_MESSAGE).replace(/[^\x20-\x7e]/g, '?'),
    'latin1',
  );
  const packet = Buffer.allocUnsafe(5 + text.length);
  packet.writeUInt16BE(OPCODE.error, 0);
  packet.writeUInt16BE(code & 0xffff, 2);
  text.copy(packet, 4);
  packet[4 + text.length] = 0;
  return packet;
}

export function encodeOack(options: Iterable<readonly [string, string]>): Buffer {
  const strings: string[] = [];
  for (const [name, value] of options)
    strings.push(checked(name, 'option'), checked(value, 'option'));
  return opcodeAndStrings(OPCODE.oack, strings);
}

function checked(value: string, what: string): string {
  if (value.includes('\0'))
    throw pndError('PND_INVALID_ARGUMENT', `TFTP ${what} must not contain NUL`);
  return value;
}

/**
 * An opcode and NUL-terminated UTF-8 strings, written into one buffer from the pool. Every
 * transfer's OACK is built this way; a buffer per string, a zeroed one of its own per NUL and
 * a concat of each pair had left about 2 KB of garbage per OACK (heap sampling, a storm).
 */
function opcodeAndStrings(opcode: number, strings: readonly string[]): Buffer {
  let length = 2;
  for (const value of strings) length += Buffer.byteLength(value, 'utf8') + 1;
  const packet = Buffer.allocUnsafe(length);
  packet.writeUInt16BE(opcode, 0);
  let at = 2;
  for (const value of strings) {
    at += packet.write(value, at, 'utf8');
    packet[at++] = 0;
  }
  return packet;
}
