import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import type { Driver, PhoneIdentity } from '../drivers/driver.ts';
import { pndError } from '../errors.ts';
import { runCpe, type CpeDownload, type CpeMemory } from '../simulate/cwmp.ts';
import { phoneFetcher } from '../simulate/fetch.ts';
import type { PhoneTls } from '../simulate/http-client.ts';
import { CWMP_NAMESPACES, type CwmpNamespace } from '../tr069/soap.ts';
import type { Parsed } from './args.ts';
import type { CommandIO } from './io.ts';

export const TR069_OPTIONS = {
  acs: { type: 'string' },
  'acs-user': { type: 'string' },
  'acs-password': { type: 'string' },
  cwmp: { type: 'string' },
  event: { type: 'string', multiple: true },
} as const;

/**
 * `simulate --via tr069`: the phone's CWMP client informs the ACS, takes its Downloads,
 * fetches each file over HTTP with the one-time credentials and reports TransferComplete.
 */
export async function simulateTr069(
  values: Parsed['values'],
  driver: Driver,
  identity: PhoneIdentity,
  tls: PhoneTls,
  io: CommandIO,
): Promise<number> {
  const describe = driver.phone.tr069;
  if (!describe)
    throw pndError('PND_INVALID_ARGUMENT', `${identity.vendor} phones have no TR-069 emulation`);
  const acsUrl = String(values['acs'] ?? '');
  if (!/^https?:\/\/[^/]+/i.test(acsUrl))
    throw pndError(
      'PND_INVALID_ARGUMENT',
      '--acs: expected the ACS URL, e.g. http://127.0.0.1:7547/ (with --via tr069)',
    );
  const user = values['acs-user'];
  const password = values['acs-password'] ?? process.env['PLUGNDIAL_ACS_PASSWORD'];
  const version = values['cwmp'] === undefined ? '1-0' : String(values['cwmp']);
  const namespace = CWMP_NAMESPACES.find((ns) => ns.endsWith(`cwmp-${version}`));
  if (!namespace)
    throw pndError('PND_INVALID_ARGUMENT', '--cwmp: expected 1-0, 1-1, 1-2, 1-3 or 1-4');
  const state = values['state'] === undefined ? undefined : String(values['state']);
  const events = values['event'] as string[] | undefined;
  const run = await runCpe({
    acsUrl,
    mac: identity.mac,
    description: describe(identity),
    namespace: namespace as CwmpNamespace,
    fetch: phoneFetcher(tls),
    tls,
    ...(user !== undefined && password !== undefined
      ? { credentials: { username: String(user), password: String(password) } }
      : {}),
    ...(events && events.length > 0 ? { events } : {}),
    ...(state ? { memory: readMemory(state) } : {}),
  });
  // What the CPE remembers holds the connection request password: the file is the user's alone.
  if (state) writeFileSync(state, `${JSON.stringify(run.memory, null, 2)}\n`, { mode: 0o600 });
  const files = Object.fromEntries(
    Object.entries(run.files).map(([name, body]) => [name, body.length]),
  );
  if (values['json']) {
    const { memory: _secret, ...shown } = run;
    io.out(`${JSON.stringify({ ...shown, files }, null, 2)}\n`);
  } else {
    for (const line of run.exchanges) io.err(`${line}\n`);
    for (const d of run.downloads)
      io.out(
        `${d.faultCode === 0 ? 'ok' : `fault ${d.faultCode}`} ${d.fileType} ${d.url} ${d.bytes} bytes\n`,
      );
    if (run.rebooted) io.out('rebooted\n');
  }
  if (!run.ok) io.err('the CPE could not complete its CWMP sessions\n');
  // A file the ACS sent the phone for and the phone could not fetch is a failed run too: the
  // phone goes on with what it had.
  const faulted = lastAttempts(run.downloads).filter((d) => d.faultCode !== 0);
  for (const d of faulted)
    io.err(`${d.fileType} from ${d.url} failed (fault ${d.faultCode}, status ${d.status})\n`);
  return run.ok && faulted.length === 0 ? 0 : 1;
}

/** Each file's last download: one offered again and fetched in a later session counts as done. */
function lastAttempts(downloads: readonly CpeDownload[]): CpeDownload[] {
  const last = new Map<string, CpeDownload>();
  for (const d of downloads) last.set(`${d.fileType}|${d.url}`, d);
  return [...last.values()];
}

function readMemory(file: string): CpeMemory | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const memory: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof memory === 'object' && memory !== null && !Array.isArray(memory)) {
      return Object.fromEntries(
        Object.entries(memory).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      );
    }
  } catch {
    // Reported below.
  }
  throw pndError('PND_INVALID_ARGUMENT', `--state: ${file} is not a CPE's saved state`);
}
