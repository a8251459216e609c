/**
 * The storm's anchor: what a static server does with nothing to decide. The files plugndial
 * rendered for the fleet, recorded during its storm, are written to disk for nginx (HTTP)
 * and tftpd-hpa (TFTP), and the same phones boot against them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { DoorUrls } from '../../src/drivers/driver.ts';
import { NGINX, startNginx, type NginxProcess } from './nginx.ts';
import { startTftpd, TFTPD, type TftpdProcess } from './tftpd.ts';

export interface StaticAnchor {
  doors: DoorUrls;
  /** Which servers, their versions and how many files each holds. */
  name: string;
  stop(): Promise<void>;
}

export interface RecordedFiles {
  /** Files fetched over HTTP, by path; served by nginx. */
  http: Map<string, Buffer>;
  /** Files fetched over TFTP, by name; served by tftpd-hpa. Absent: no TFTP door. */
  tftp?: Map<string, Buffer>;
  /** The ports plugndial's doors had: the files name them (Gigaset's chain, Cisco's rules). */
  httpPort: number;
  tftpPort?: number;
}

/**
 * Starts nginx (and tftpd-hpa when TFTP files were recorded) in `dir`, the recorded files
 * on disk with plugndial's ports in them replaced by the anchor's. The servers read the
 * files at each request, so they are written once the ports are known.
 */
export async function startStaticAnchor(
  dir: string,
  recorded: RecordedFiles,
): Promise<StaticAnchor> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const one of stops.splice(0).reverse()) await one();
  };
  try {
    const nginx: NginxProcess = await startNginx(join(dir, 'nginx'), {});
    stops.push(() => nginx.stop());
    let tftpd: TftpdProcess | undefined;
    if (recorded.tftp) {
      tftpd = await startTftpd(join(dir, 'tftpd'));
      stops.push(() => tftpd!.stop());
    }
    const ports = new Map<number, number>([[recorded.httpPort, nginx.port]]);
    if (tftpd && recorded.tftpPort !== undefined) ports.set(recorded.tftpPort, tftpd.port);
    writeFiles(join(dir, 'nginx', 'root'), recorded.http, ports);
    const doors: DoorUrls = { http: `http://127.0.0.1:${nginx.port}/` };
    const names = [`nginx (${version(NGINX, ['-v'])}, ${recorded.http.size} files on disk)`];
    if (tftpd && recorded.tftp) {
      writeFiles(tftpd.root, recorded.tftp, ports);
      doors.tftp = `tftp://127.0.0.1:${tftpd.port}/`;
      names.push(`tftpd-hpa (${version(TFTPD, ['-V'])}, ${recorded.tftp.size} files on disk)`);
    }
    return { doors, name: names.join(' and '), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function writeFiles(root: string, files: Map<string, Buffer>, ports: Map<number, number>): void {
  for (const [path, body] of files) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, rehost(body, ports), { mode: 0o644 });
  }
}

/**
 * `127.0.0.1:PORT` with the anchor's port for plugndial's, wherever a file names it (with
 * a scheme or, as option-66-style hosts are, without). Latin-1 keeps every byte as it was.
 */
export function rehost(body: Buffer, ports: Map<number, number>): Buffer {
  const text = body.toString('latin1');
  const changed = text.replace(/127\.0\.0\.1:(\d+)(?!\d)/g, (whole, port: string) => {
    const to = ports.get(Number(port));
    return to === undefined ? whole : `127.0.0.1:${to}`;
  });
  return changed === text ? body : Buffer.from(changed, 'latin1');
}

function version(binary: string, args: string[]): string {
  const run = spawnSync(binary, args, { encoding: 'utf8', timeout: 5000 });
  const text = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  return text.replace(/^nginx version: /, '') || 'version unknown';
}
