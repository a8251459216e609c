import { maskUserinfo } from './redact.ts';

/**
 * Operator log: one line per event, `time level message key=value…`. Callers pass
 * facts, never secrets; values are quoted when they contain spaces. URL userinfo is masked
 * in the whole line, whichever field carries it.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  (level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export function consoleLogger(
  stream: NodeJS.WritableStream = process.stderr,
  now = (): Date => new Date(),
): Logger {
  return (level, message, fields = {}) => {
    const pairs = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`);
    stream.write(
      maskUserinfo(
        `${now().toISOString()} ${level} ${message}${pairs.length ? ' ' + pairs.join(' ') : ''}\n`,
      ),
    );
  };
}

export const silentLogger: Logger = () => {};

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"]/.test(text) ? JSON.stringify(text) : text;
}
