import { pndError } from '../errors.ts';
import { parseCidr } from '../model/cidr.ts';
import type { ThrottleLimits } from '../provisioning/throttle.ts';
import { loadDoorLimits, type DoorLimits } from './door-limits.ts';

/** The server-wide half of access control: TLS material, proxies, the miss throttle, FTP ports. */
export interface SecurityConfig {
  tls: {
    /** PEM files; without them a self-signed certificate is made in the data directory. */
    certFile?: string;
    keyFile?: string;
    /** CA bundles client certificates are verified against (`client-certificate` policy). */
    clientCaFiles: string[];
  };
  /** Proxies whose X-Forwarded-For is believed, as networks. */
  trustedProxies: string[];
  throttle: ThrottleLimits;
  /** FTP passive data ports; undefined lets the system pick. */
  ftpPassivePorts?: { from: number; to: number };
  /** Sessions, deadlines and rates per client at the FTP, TFTP and SIP doors. */
  limits: DoorLimits;
}

/** Reads the security flags; `pick` resolves flag ◀ environment ◀ config file. */
export function loadSecurityConfig(pick: (name: string) => string | undefined): SecurityConfig {
  const certFile = pick('tls-cert');
  const keyFile = pick('tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw pndError(
      'PND_CONFIG',
      '--tls-cert and --tls-key go together: give both PEM files, or neither for a self-signed certificate',
    );
  }
  const trustedProxies = list(pick('trusted-proxies')).map((text) => {
    const cidr = parseCidr(text);
    if (!cidr)
      throw pndError(
        'PND_CONFIG',
        `--trusted-proxies: "${text.slice(0, 60)}" is not an address or network such as 10.0.0.0/8`,
      );
    return cidr;
  });
  return {
    tls: {
      ...(certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : {}),
      clientCaFiles: list(pick('client-ca')),
    },
    trustedProxies,
    throttle: {
      misses: whole(pick('miss-limit') ?? '20', 'miss-limit', 0),
      windowMs: whole(pick('miss-window') ?? '60', 'miss-window', 1) * 1000,
      blockMs: whole(pick('miss-block') ?? '300', 'miss-block', 1) * 1000,
    },
    limits: loadDoorLimits(pick),
    ...passivePorts(pick('ftp-passive-ports')),
  };
}

function passivePorts(text: string | undefined): Pick<SecurityConfig, 'ftpPassivePorts'> {
  if (text === undefined) return {};
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from < 1024 || to > 65535 || from > to) {
    throw pndError(
      'PND_CONFIG',
      '--ftp-passive-ports: expected a range FROM-TO of ports from 1024 to 65535, e.g. 30000-30099',
    );
  }
  return { ftpPassivePorts: { from, to } };
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function whole(text: string, name: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > 86_400 * 30)
    throw pndError('PND_CONFIG', `--${name}: expected a whole number of at least ${min}`);
  return n;
}
