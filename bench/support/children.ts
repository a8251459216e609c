import type { ChildProcess } from 'node:child_process';

/** A process the bench started and must end, even when the bench itself fails. */
interface Tracked {
  child: ChildProcess;
  /** Spawned detached as the leader of its own group: end the group, so workers go too. */
  group: boolean;
}

const tracked = new Set<Tracked>();
let hooked = false;

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Remembers a child so killAll() (also run at exit and on SIGINT/SIGTERM) ends it. */
export function track(child: ChildProcess, group = false): void {
  hook();
  const entry: Tracked = { child, group };
  tracked.add(entry);
  child.once('exit', () => tracked.delete(entry));
}

/** Ends every tracked child by its own id (or its own group's id); synchronous, so it runs in 'exit'. */
export function killAll(): void {
  for (const { child, group } of tracked) {
    if (child.pid === undefined) continue;
    try {
      if (group) process.kill(-child.pid, 'SIGKILL');
      else if (isRunning(child)) child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  tracked.clear();
}

/** Waits for a child to exit, at most `ms`; true when it did. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Runs a bench's main and exits with its status; a bench that throws says why, ends every
 * child it started and exits 1 (a benchmark leaves no server behind).
 */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      killAll();
      process.exit(1);
    },
  );
}
