/**
 * The operator log: pino, one record per event, JSON lines for journald and log shippers or
 * `time level message key=value…` text on a terminal. Callers pass facts, never secrets; the
 * field names that could carry one are redacted as well.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

import { pino, type DestinationStream } from 'pino';

import { requestChannel, type RequestMessage } from './channels.ts';
import { maskUserinfo } from './redact.ts';

/** The operator log's levels (`--log-level`) and forms (`--log-format`). */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Logger {
  (level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** The serving process's log: the level changes on reload. */
export interface OperatorLog extends Logger {
  level(): LogLevel;
  setLevel(level: LogLevel): void;
  enabled(level: LogLevel): boolean;
}

export interface OperatorLogOptions {
  level?: LogLevel;
  /** Default: text when the stream is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Default: standard error. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Field names no record may carry a value for, whoever passed them. */
const REDACTED = ['password', 'token', 'secret', 'key', 'authorization', 'credentials'];

export function operatorLog(options: OperatorLogOptions = {}): OperatorLog {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? (stream.isTTY ? 'text' : 'json');
  // Written at once: a record of the last moments before an exit is not left in a buffer.
  const destination: DestinationStream =
    format === 'text'
      ? textLines(stream)
      : // URL userinfo is masked in the whole record, whichever field carries it.
        { write: (line) => void stream.write(maskUserinfo(line)) };
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED.flatMap((name) => [name, `*.${name}`]), censor: '***' },
    },
    destination,
  );
  const log = ((level, message, fields) => {
    if (fields) logger[level](fields, message);
    else logger[level](message);
  }) as OperatorLog;
  log.level = (): LogLevel => logger.level as LogLevel;
  log.setLevel = (level): void => {
    logger.level = level;
  };
  log.enabled = (level): boolean => logger.isLevelEnabled(level);
  return log;
}

export const silentLogger: Logger = () => {};

/**
 * One debug line per device-facing request, from what the doors publish (src/channels.ts):
 * door, address, MAC, file, status, bytes and milliseconds. Never the query, the agent or
 * anything the request carried as credentials.
 */
export function logRequests(log: OperatorLog): { close(): void } {
  const onRequest = (message: unknown): void => {
    if (!log.enabled('debug')) return;
    const { event } = message as RequestMessage;
    log('debug', 'request', {
      door: event.transport,
      address: event.address,
      mac: event.mac,
      file: event.file,
      status: event.status,
      bytes: event.bytes,
      ms: event.durationMs,
      reason: event.reason,
    });
  };
  subscribe(requestChannel.name, onRequest);
  return { close: () => void unsubscribe(requestChannel.name, onRequest) };
}

/** pino's JSON records as `time level message key=value…` lines. */
function textLines(stream: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        stream.write(maskUserinfo(line));
        return;
      }
      const { time, level, msg, ...fields } = record;
      const pairs = Object.entries(fields).map(([k, v]) => `${k}=${textValue(v)}`);
      stream.write(
        maskUserinfo(
          `${String(time)} ${String(level)} ${String(msg)}${pairs.length ? ' ' + pairs.join(' ') : ''}\n`,
        ),
      );
    },
  };
}

function textValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"]/.test(text) ? JSON.stringify(text) : text;
}
