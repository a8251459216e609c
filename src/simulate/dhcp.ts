// The phone's side of DHCP for `plugndial simulate --via dhcp`: a real DHCP client (busybox
// udhcpc) obtains a lease on an interface, sending the phone's vendor class and asking for
// the options it reads; its script hands back what the server sent.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pndError } from '../errors.ts';
import { OPTION, encodeText } from '../formats/dhcp-options.ts';

export interface DhcpLease {
  address: string;
  /** Prefix length of the leased address. */
  prefix: number;
  server?: string;
  /** What the server sent, by option code, as bytes. */
  options: Map<number, Buffer>;
  /** Options the client received but would not hand on (udhcpc checks 66 as a host name). */
  refused: number[];
}

export interface LeaseOptions {
  interfaceName: string;
  /** Option 60; empty sends none. */
  vendorClass: string;
  /** Option codes to ask for (the phone's parameter request list). */
  requested: readonly number[];
  /** Put the leased address on the interface, as the phone would (default true). */
  configure?: boolean;
  timeoutMs?: number;
  /** The busybox binary (tests may point elsewhere). */
  busybox?: string;
}

const BEGIN = 'PND-LEASE-BEGIN';
const END = 'PND-LEASE-END';

// udhcpc decodes the options it knows by name; everything else it gives as optNNN=<hex>.
const NAMED_TEXT: Readonly<Record<string, number>> = {
  tftp: OPTION.tftpServerName,
  bootfile: OPTION.bootFileName,
  pxeconffile: 209,
  pxepathprefix: 210,
  wpad: 252,
};

const SCRIPT = `#!/bin/sh
# Written by plugndial simulate --via dhcp: report the lease, and configure it if asked.
case "$1" in
  bound|renew)
    if [ "$PND_CONFIGURE" = 1 ]; then
      ip addr replace "$ip/\${mask:-24}" dev "$interface" || exit 1
    fi
    echo ${BEGIN}
    env | grep -E '^(ip|mask|serverid|tftp|bootfile|pxeconffile|pxepathprefix|wpad|opt[0-9]+)='
    echo ${END}
    ;;
esac
exit 0
`;

/** Runs udhcpc once (`-q -n`: exit after a lease, or after the last discover goes unanswered). */
export async function obtainLease(options: LeaseOptions): Promise<DhcpLease> {
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(options.interfaceName))
    throw pndError('PND_INVALID_ARGUMENT', '--interface: expected an interface name like eth0');
  const dir = await mkdtemp(join(tmpdir(), 'pnd-udhcpc-'));
  try {
    const script = join(dir, 'lease.sh');
    await writeFile(script, SCRIPT, { mode: 0o700 });
    const args = ['udhcpc', '-i', options.interfaceName, '-f', '-q', '-n', '-t', '3', '-T', '1'];
    args.push('-V', options.vendorClass, '-s', script);
    for (const code of new Set(options.requested)) args.push('-O', String(code));
    const output = await run(options.busybox ?? 'busybox', args, {
      timeoutMs: options.timeoutMs ?? 15_000,
      env: { ...process.env, PND_CONFIGURE: options.configure === false ? '0' : '1' },
    });
    return readLease(output.stdout, output.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses the script's report. Exported for tests. */
export function readLease(stdout: string, stderr = ''): DhcpLease {
  const begin = stdout.lastIndexOf(BEGIN);
  const end = stdout.indexOf(END, begin);
  if (begin === -1 || end === -1)
    throw pndError(
      'PND_DHCP_CLIENT',
      `no lease obtained: ${stderr.trim().split('\n').slice(-2).join('; ').slice(0, 300) || 'udhcpc said nothing'}`,
    );
  const env = new Map<string, string>();
  for (const line of stdout.slice(begin + BEGIN.length, end).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const lease: DhcpLease = {
    address: env.get('ip') ?? '',
    prefix: Number(env.get('mask') ?? 24),
    options: new Map(),
    refused: [],
  };
  const server = env.get('serverid');
  if (server) lease.server = server;
  for (const [name, value] of env) {
    // Option codes are 1–254 (0 and 255 are pad and end): optNNN beyond them is no option.
    const numbered = /^opt([1-9]\d{0,2})$/.exec(name);
    const numberedCode = Number(numbered?.[1]);
    if (numbered && numberedCode <= 254 && /^(?:[0-9a-f]{2})*$/i.test(value)) {
      lease.options.set(numberedCode, Buffer.from(value, 'hex'));
      continue;
    }
    const code = NAMED_TEXT[name];
    if (code === undefined) continue;
    // udhcpc replaces a value that fails its host-name check with "bad".
    if (value === 'bad') lease.refused.push(code);
    else lease.options.set(code, encodeText(value));
  }
  return lease;
}

function run(
  command: string,
  args: string[],
  options: { timeoutMs: number; env: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < 65_536) stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 65_536) stderr += chunk.toString();
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        pndError(
          'PND_DHCP_CLIENT',
          error.code === 'ENOENT'
            ? `${command} is missing: apt-get install busybox`
            : `cannot run ${command}: ${error.message}`,
        ),
      );
    });
    child.once('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
}
