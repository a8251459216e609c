import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/plugndial', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  ports: Record<string, number>;
  log(): string;
  stop(): Promise<number | null>;
}

/** Starts `plugndial serve` as its own process and waits until it says it is ready. */
export function serve(args: string[], timeoutMs = 90_000): Promise<ServeProcess> {
  // The ACS door (7547) and the admin listener (7080) have fixed default ports; tests running
  // side by side must not all take them.
  const withAcs = args.includes('--acs') ? args : [...args, '--acs', 'off'];
  const doors = withAcs.includes('--admin') ? withAcs : [...withAcs, '--admin', 'off'];
  const child = spawn(BIN, ['serve', ...doors], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      const ports: Record<string, number> = {};
      for (const m of output.matchAll(/(\w+) door listening address=\S*:(\d+)/g))
        ports[m[1]!] = Number(m[2]);
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
