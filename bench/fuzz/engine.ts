// The fuzz engine: runs one target's parser on N generated inputs from a seed and reports
// crashes (an exception outside the parser's error contract, or a broken round trip), hangs
// (one input over HANG_MS) and speed. fast-check generates the inputs; the same seed gives the
// same inputs in the same order, so input #k of a report is reproduced by the same seed.

import { performance } from 'node:perf_hooks';

import fc from 'fast-check';

import { PlugndialError, type ErrorCode } from '../../src/errors.ts';

/** One input slower than this is a hang: every parser here reads a phone's bytes inline. */
export const HANG_MS = 100;
/** Failures kept per target; the rest are counted. */
const KEPT = 5;

export interface Target<T> {
  name: string;
  /** What the parser answers bad input with; anything else it throws is a crash. */
  contract: string;
  input: fc.Arbitrary<T>;
  /**
   * Calls the parser (and checks a round trip); a throw is a crash unless `allowed` names it.
   * A phone script reads its answers through promises: such a target returns one, and says so
   * with `async`, so that only its inputs pay for awaiting.
   */
  run(input: T): void | Promise<void>;
  async?: true;
  /** PlugndialError codes the parser throws by design. */
  allowed?: readonly ErrorCode[];
}

export interface Failure {
  kind: 'crash' | 'hang';
  /** 0-based input number: `--seed S --parser NAME --inputs index+1` reproduces it. */
  index: number;
  message: string;
  /** The input, exactly: `hex:` bytes, `utf16le:` a string, `json:` anything else (hex). */
  input: string;
  ms?: number;
}

export interface Report {
  name: string;
  inputs: number;
  crashes: number;
  hangs: number;
  slowestMs: number;
  inputsPerSecond: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Heap in use after the target, after a collection when `--expose-gc` allows one. */
  heapAfterMb: number;
  failures: Failure[];
}

export function target<T>(t: Target<T>): Target<unknown> {
  return t as Target<unknown>;
}

export async function runTarget(
  t: Target<unknown>,
  options: { inputs: number; seed: number },
): Promise<Report> {
  collect();
  const rssBefore = process.memoryUsage.rss();
  const failures: Failure[] = [];
  let crashes = 0;
  let hangs = 0;
  let slowest = 0;
  let index = 0;
  const record = (at: number, value: unknown, ms: Timing): void => {
    if (typeof ms !== 'number') {
      crashes++;
      if (failures.length < KEPT)
        failures.push({ kind: 'crash', index: at, message: ms.message, input: show(value) });
      return;
    }
    slowest = Math.max(slowest, ms);
    if (ms > HANG_MS) {
      hangs++;
      if (failures.length < KEPT)
        failures.push({
          kind: 'hang',
          index: at,
          message: `${ms.toFixed(1)} ms`,
          input: show(value),
          ms,
        });
    }
  };
  const started = performance.now();
  const parameters = { seed: options.seed, numRuns: options.inputs };
  if (t.async) {
    await fc.check(
      fc.asyncProperty(t.input, async (value) => {
        const at = index++;
        let ms = await timedAsync(t, value);
        if (typeof ms === 'number' && ms > HANG_MS) {
          ms = Math.min(ms, Number(await timedAsync(t, value)), Number(await timedAsync(t, value)));
        }
        record(at, value, ms);
        return true;
      }),
      parameters,
    );
  } else {
    fc.check(
      fc.property(t.input, (value) => {
        const at = index++;
        let ms = timed(t, value);
        if (typeof ms === 'number' && ms > HANG_MS) {
          // A collector pause or the other core's work is not a hang: the best of three is.
          ms = Math.min(ms, Number(timed(t, value)), Number(timed(t, value)));
        }
        record(at, value, ms);
        return true;
      }),
      parameters,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  collect();
  const memory = process.memoryUsage();
  return {
    name: t.name,
    inputs: index,
    crashes,
    hangs,
    slowestMs: slowest,
    inputsPerSecond: seconds > 0 ? index / seconds : 0,
    rssBeforeMb: rssBefore / 2 ** 20,
    rssAfterMb: memory.rss / 2 ** 20,
    heapAfterMb: memory.heapUsed / 2 ** 20,
    failures,
  };
}

/**
 * A full collection between targets (`node --expose-gc`), so that RSS and heap say what a
 * target keeps, not what the collector has not reached yet; without the flag, nothing.
 */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Milliseconds one input took, or the error that is a crash. */
type Timing = number | { message: string };

function timed(t: Target<unknown>, value: unknown): Timing {
  const start = performance.now();
  try {
    void t.run(value);
  } catch (error) {
    return outcome(t, error, start);
  }
  return performance.now() - start;
}

async function timedAsync(t: Target<unknown>, value: unknown): Promise<Timing> {
  const start = performance.now();
  try {
    await t.run(value);
  } catch (error) {
    return outcome(t, error, start);
  }
  return performance.now() - start;
}

function outcome(t: Target<unknown>, error: unknown, start: number): Timing {
  if (error instanceof PlugndialError && t.allowed?.includes(error.code)) {
    return performance.now() - start;
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { message: text.slice(0, 500) };
}

export function show(value: unknown): string {
  if (Buffer.isBuffer(value)) return `hex:${value.toString('hex')}`;
  if (typeof value === 'string') return `utf16le:${Buffer.from(value, 'utf16le').toString('hex')}`;
  // The holder's own value: a Buffer has already been through its toJSON when `v` is seen.
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = key === '' ? v : this[key];
    if (raw instanceof Uint8Array) return { hex: Buffer.from(raw).toString('hex') };
    if (raw instanceof Map) return { map: [...(raw as Map<unknown, unknown>).entries()] };
    return v;
  });
  return `json:${Buffer.from(json ?? 'undefined', 'utf8').toString('hex')}`;
}

export function table(reports: readonly Report[]): string {
  const rows = [
    [
      'parser',
      'inputs',
      'crashes',
      'hangs',
      'slowest ms',
      'inputs/s',
      'RSS MB before→after',
      'heap MB after',
    ],
    ...reports.map((r) => [
      r.name,
      String(r.inputs),
      String(r.crashes),
      String(r.hangs),
      r.slowestMs.toFixed(2),
      String(Math.round(r.inputsPerSecond)),
      `${r.rssBeforeMb.toFixed(0)}→${r.rssAfterMb.toFixed(0)}`,
      r.heapAfterMb.toFixed(0),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)]
    .map((l) => `${l}\n`)
    .join('');
}

// ---- Input generation shared by targets ----------------------------------------------------

/** Bytes that break parsers: separators, terminators, quoting, encodings, big numbers. */
const TOKENS = [
  '\0',
  '\r',
  '\n',
  '\r\n',
  '\r\n\r\n',
  '\n\n',
  ' ',
  '\t',
  ':',
  ';',
  ',',
  '"',
  "'",
  '<',
  '>',
  '/',
  '\\',
  '=',
  '?',
  '&',
  '%',
  '%00',
  '%2e%2e',
  '%ZZ',
  '..',
  '&#0;',
  '&#x110000;',
  '&#xD800;',
  '&amp;',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?',
  '?>',
  '<!DOCTYPE',
  '\u00e9',
  '\u2028',
  '\ufeff',
  '\ufffd',
  '-1',
  '0',
  '65535',
  '65536',
  '99999999999999999999',
  '1e309',
  'NaN',
].map((t) => Buffer.from(t, 'utf8'));

/** Invalid UTF-8 and raw high bytes, which a `utf8` decode turns into U+FFFD. */
const RAW = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80])];

type Edit =
  | { op: 'set'; at: number; byte: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'token'; at: number; token: Buffer }
  | { op: 'delete'; at: number; length: number }
  | { op: 'repeat'; at: number; length: number; times: number }
  | { op: 'truncate'; at: number }
  | { op: 'run'; at: number; byte: number; times: number };

function edits(dictionary: readonly Buffer[]): fc.Arbitrary<Edit[]> {
  const at = fc.nat();
  const tokens = [...TOKENS, ...RAW, ...dictionary];
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ op: fc.constant('set' as const), at, byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ maxLength: 8 }) }),
    fc.record({ op: fc.constant('token' as const), at, token: fc.constantFrom(...tokens) }),
    fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 32 }) }),
    fc.record({
      op: fc.constant('repeat' as const),
      at,
      length: fc.integer({ min: 1, max: 16 }),
      times: fc.integer({ min: 2, max: 200 }),
    }),
    fc.record({ op: fc.constant('truncate' as const), at }),
    // Long runs of one byte: what makes a backtracking regex or a quadratic loop show.
    fc.record({
      op: fc.constant('run' as const),
      at,
      byte: fc.constantFrom(0x20, 0x09, 0x30, 0x61, 0x2c, 0x22, 0x3c, 0x25, 0x2e, 0x2f, 0x0a),
      times: fc.integer({ min: 100, max: 4000 }),
    }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 8 });
}

function apply(seed: Buffer, list: readonly Edit[]): Buffer {
  let bytes = Buffer.from(seed);
  for (const edit of list) {
    const at = bytes.length === 0 ? 0 : edit.at % (bytes.length + 1);
    switch (edit.op) {
      case 'set':
        if (at < bytes.length) bytes[at] = edit.byte;
        break;
      case 'flip':
        if (at < bytes.length) bytes[at] = bytes[at]! ^ (1 << edit.bit);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), edit.bytes, bytes.subarray(at)]);
        break;
      case 'token':
        bytes = Buffer.concat([bytes.subarray(0, at), edit.token, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
        break;
      case 'repeat': {
        const piece = bytes.subarray(at, at + edit.length);
        const parts = [bytes.subarray(0, at)];
        for (let i = 0; i < edit.times; i++) parts.push(piece);
        parts.push(bytes.subarray(at));
        bytes = Buffer.concat(parts);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'run':
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          Buffer.alloc(edit.times, edit.byte),
          bytes.subarray(at),
        ]);
        break;
    }
  }
  return bytes;
}

/** Valid seed inputs with a few byte-level edits each. */
export function mutatedBytes(
  seeds: readonly Buffer[],
  dictionary: readonly string[] = [],
): fc.Arbitrary<Buffer> {
  const words = dictionary.map((d) => Buffer.from(d, 'utf8'));
  return fc.tuple(fc.constantFrom(...seeds), edits(words)).map(([seed, list]) => apply(seed, list));
}

/** Bytes of no structure at all. */
export function randomBytes(maxLength = 600): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
}

/** Any UTF-16 code unit, lone surrogates included: what a JSON body or a decoded path holds. */
const CODE_UNIT = fc
  .oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }) },
    { weight: 1, arbitrary: fc.integer({ min: 0x7f, max: 0xffff }) },
  )
  .map((code) => String.fromCharCode(code));

export function anyString(maxLength = 80): fc.Arbitrary<string> {
  return fc.string({ unit: CODE_UNIT, maxLength });
}

/** Seeds as text: mutated bytes read as UTF-8 (U+FFFD for bad bytes) or as Latin-1. */
export function mutatedText(
  seeds: readonly string[],
  dictionary: readonly string[] = [],
): fc.Arbitrary<string> {
  const buffers = seeds.map((s) => Buffer.from(s, 'utf8'));
  return fc
    .tuple(mutatedBytes(buffers, dictionary), fc.boolean())
    .map(([bytes, latin1]) => bytes.toString(latin1 ? 'latin1' : 'utf8'));
}

/** Strings made of the given pieces, which a grammar-aware target picks from its language. */
export function pieces(words: readonly string[], maxLength = 12): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...words), anyString(4)), { maxLength })
    .map((parts) => parts.join(''));
}

export function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual, bufferAsHex);
  const e = JSON.stringify(expected, bufferAsHex);
  if (a !== e)
    throw new Error(`round trip: ${what}: got ${a?.slice(0, 200)}, want ${e?.slice(0, 200)}`);
}

function bufferAsHex(this: unknown, _key: string, value: unknown): unknown {
  if (
    value !== null &&
    typeof value === 'object' &&
    (value as { type?: unknown }).type === 'Buffer'
  )
    return Buffer.from((value as { data: number[] }).data).toString('hex');
  if (value instanceof Map) return [...(value as Map<unknown, unknown>).entries()];
  return value;
}

export function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`property: ${what}`);
}
