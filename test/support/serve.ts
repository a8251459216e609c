import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The sources through tsx: tests need no build step between an edit and a run. The compiled
 * build is tested as it is installed (test/package/install.test.ts).
 */
export const BIN = fileURLToPath(new URL('../../bin/plugndial-dev', import.meta.url));
/** The compiled build in dist/ with plain node, as installed (benchmarks compare the two). */
export const COMPILED_BIN = fileURLToPath(new URL('../../bin/plugndial', import.meta.url));

/** The records of serve's log (JSON lines when not on a terminal); other lines are skipped. */
export function logRecords(output: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut short by the end of the output so far
    }
  }
  return records;
}

/** The port each door listens on, from its "<door> door listening" record. */
export function doorPorts(output: string): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const record of logRecords(output)) {
    const door = /^(\w+) door listening$/.exec(String(record['msg']))?.[1];
    const port = /:(\d+)$/.exec(String(record['address']))?.[1];
    if (door && port) ports[door] = Number(port);
  }
  return ports;
}

export interface ServeProcess {
  child: ChildProcess;
  ports: Record<string, number>;
  log(): string;
  stop(): Promise<number | null>;
}

/** A server of one data directory with its HTTP door alone, on a free loopback port. */
export function httpOnly(dataDir: string): string[] {
  return ['--data-dir', dataDir, '--http', '127.0.0.1:0', '--tftp', 'off', '--sip', 'off'];
}

/** Starts `plugndial serve` as its own process and waits until it says it is ready. */
export function serve(args: string[], timeoutMs = 90_000, bin = BIN): Promise<ServeProcess> {
  // The ACS door (7547) and the admin listener (7080) have fixed default ports; tests running
  // side by side must not all take them.
  const withAcs = args.includes('--acs') ? args : [...args, '--acs', 'off'];
  const doors = withAcs.includes('--admin') ? withAcs : [...withAcs, '--admin', 'off'];
  const child = spawn(bin, ['serve', ...doors], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not become ready in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!output.includes('plugndial ready')) return;
      clearTimeout(timer);
      const ports = doorPorts(output);
      resolve({
        child,
        ports,
        log: () => output,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', (code) => {
              clearTimeout(kill);
              done(code);
            });
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Runs bin/plugndial as a separate process (the way an operator does). */
export function run(
  args: string[],
  timeoutMs = 60_000,
): { code: number | null; out: string; err: string } {
  const result = spawnSync(BIN, args, { encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, out: result.stdout, err: result.stderr };
}
