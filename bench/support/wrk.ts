import { spawn } from 'node:child_process';

import { exited, track } from './children.ts';

export interface WrkOptions {
  connections: number;
  seconds: number;
  /** Adds `Connection: close`: one TCP connection per request, the way phones fetch files. */
  close: boolean;
  /** A Lua script of wrk's that chooses each request (e.g. a different device each time). */
  script?: string;
}

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p99Ms: number;
  /** connect + read + write + timeout, as wrk counts them. */
  socketErrors: number;
  non2xx: number;
  output: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Runs wrk with one thread (the machine has 2 cores; the server under test needs the other). */
export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  if (options.close) args.push('-H', 'Connection: close');
  if (options.script) args.push('-s', options.script);
  const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close', not 'exit': the last of its output may still be in the pipe at exit.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // Bounded: wrk stops itself after -d; anything far past that is a hang.
  const limitMs = (options.seconds + 15) * 1000;
  if (!(await exited(child, limitMs))) {
    child.kill('SIGKILL');
    throw new Error(`wrk did not finish in ${limitMs} ms:\n${output}`);
  }
  await closed;
  if (child.exitCode !== 0)
    throw new Error(`wrk exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
  return parseWrk(output);
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(output);
  const total = /(\d+) requests in /.exec(output);
  if (!rps || !p99 || !total) throw new Error(`cannot read wrk's output:\n${output}`);
  const sockets = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    requestsPerSecond: Number(rps[1]),
    p99Ms: Number(p99[1]) * UNIT_MS[p99[2]!]!,
    socketErrors: sockets ? sockets.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    output,
  };
}
