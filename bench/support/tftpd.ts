import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { tftpCodeOf, tftpGet } from '../../src/simulate/tftp-client.ts';
import { exited, isRunning, track } from './children.ts';

export const TFTPD = '/usr/sbin/in.tftpd';

export interface TftpdProcess {
  port: number;
  /** The directory it serves: files written here are read at each request. */
  root: string;
  stop(): Promise<void>;
}

/**
 * Starts tftpd-hpa's in.tftpd in the foreground on 127.0.0.1, serving `<dir>/root` read-only
 * (`--secure`: chrooted there, the request's path taken inside it). As root it drops to
 * `nobody` after the chroot, so the root is made readable by all.
 */
export async function startTftpd(dir: string): Promise<TftpdProcess> {
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const asRoot = userInfo().uid === 0 ? ['--user', 'nobody'] : [];
  // The free port is found by binding and releasing it: a few bounded attempts.
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freeUdpPort();
    // detached: in.tftpd forks a child per transfer; the group ends with it.
    const child = spawn(
      TFTPD,
      ['--foreground', '--address', `127.0.0.1:${port}`, '--secure', ...asRoot, root],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    track(child, true);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => (stderr += error.message));
    if (await answers(child, port)) return { port, root, stop: () => stop(child) };
    await stop(child);
    last = stderr;
  }
  throw new Error(`in.tftpd did not start:\n${last}`);
}

/** Polls until in.tftpd answers a read of a file that is not there: at most 50 tries. */
async function answers(child: ChildProcess, port: number): Promise<boolean> {
  for (let i = 0; i < 50 && isRunning(child); i++) {
    try {
      await tftpGet(`tftp://127.0.0.1:${port}/plugndial-probe`, { timeoutMs: 100, retries: 1 });
      return true;
    } catch (error) {
      if (tftpCodeOf(error) !== undefined) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || !isRunning(child)) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  if (await exited(child, 5000)) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await exited(child, 2000);
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
