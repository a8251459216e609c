import { isPlugndialError, pndError } from '../errors.ts';
import { parseMac } from '../model/mac.ts';
import type { ResyncOutcome } from '../model/resync.ts';
import { dataDirOf, parse, strings } from './args.ts';
import { connect, type ApiClient } from './client.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial resync <mac>… | --profile P | --all [--via sip|tr069] [--reboot] [--rate N/s] [--json]
Sends each phone the check-sync NOTIFY its driver wants (with reboot=true if --reboot and
the phone supports it), at most N phones a second (default 5/s), and prints how each answered.
--via tr069 sends a TR-069 connection request (HTTP GET with digest) to the URL the phone
gave in its last Inform instead: the phone opens a session with the ACS, which sends what
changed (and Reboot with --reboot).`;

const DEFAULT_RATE = 5;
const MAX_RATE = 1000;
/** Phones waited for at once; each may take 32 s (64 with a challenge) to answer or time out. */
const MAX_OUTSTANDING = 64;

type Result =
  ({ mac: string } & ResyncOutcome) | { mac: string; error: { code: string; message: string } };

/** Tells phones to provision again, a fleet at a pace that does not reboot it all at once. */
export async function resyncCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    profile: { type: 'string' },
    all: { type: 'boolean' },
    reboot: { type: 'boolean' },
    rate: { type: 'string' },
    via: { type: 'string' },
  });
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const selectors = [
    positionals.length > 0,
    values['profile'] !== undefined,
    values['all'] === true,
  ];
  if (selectors.filter(Boolean).length !== 1) {
    throw pndError('PND_INVALID_ARGUMENT', `name the phones one way; usage:\n${USAGE}`);
  }
  const rate = parseRate(values['rate']);
  const via = values['via'] === undefined ? 'sip' : String(values['via']);
  if (via !== 'sip' && via !== 'tr069')
    throw pndError('PND_INVALID_ARGUMENT', '--via: expected sip or tr069');
  const macs = positionals.map((text) => {
    const mac = parseMac(text);
    if (!mac.ok) throw mac.error;
    return mac.value as string;
  });
  const client = await connect(dataDirOf(values));
  try {
    if (macs.length === 0) {
      const profile = strings(values['profile'])[0];
      const devices = await client.request<{ mac: string }[]>(
        'GET',
        `/devices${profile ? `?profile=${encodeURIComponent(profile)}` : ''}`,
      );
      macs.push(...devices.map((d) => d.mac));
    }
    const reboot = values['reboot'] === true;
    const results = await paced(
      macs,
      rate,
      (mac) => resyncOne(client, mac, reboot, via),
      (result) => {
        if (!values['json']) io.out(line(result));
      },
    );
    if (values['json']) io.out(`${JSON.stringify(results, null, 2)}\n`);
    else if (macs.length === 0) io.out('no devices to resync\n');
    else if (positionals.length === 0 || macs.length > 1) io.out(`${summary(results)}\n`);
    return results.every((r) => 'ok' in r && r.ok) ? 0 : 1;
  } finally {
    await client.close();
  }
}

/** `5`, `5/s`, `0.5/s`: phones a second. */
export function parseRate(value: unknown): number {
  if (value === undefined) return DEFAULT_RATE;
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(String(value).trim());
  const rate = match ? Number(match[1]) : NaN;
  if (!(rate > 0 && rate <= MAX_RATE)) {
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `--rate: expected phones a second, e.g. 5/s or 0.5/s (at most ${MAX_RATE})`,
    );
  }
  return rate;
}

/**
 * Starts one job every 1/rate seconds, never more than MAX_OUTSTANDING at once, and returns
 * the results in the order given.
 */
async function paced<T>(
  items: readonly string[],
  rate: number,
  job: (item: string) => Promise<T>,
  done: (result: T) => void,
): Promise<T[]> {
  const results: T[] = new Array(items.length);
  const running = new Set<Promise<void>>();
  const started = Date.now();
  for (const [i, item] of items.entries()) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (running.size >= MAX_OUTSTANDING) await Promise.race(running);
    const task = job(item).then((result) => {
      results[i] = result;
      done(result);
    });
    const tracked = task.finally(() => running.delete(tracked));
    running.add(tracked);
  }
  await Promise.all(running);
  return results;
}

async function resyncOne(
  client: ApiClient,
  mac: string,
  reboot: boolean,
  via: string,
): Promise<Result> {
  try {
    return await client.request<{ mac: string } & ResyncOutcome>('POST', `/devices/${mac}/resync`, {
      reboot,
      ...(via === 'sip' ? {} : { via }),
    });
  } catch (error) {
    const code = isPlugndialError(error) ? error.code : 'PND_INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    return { mac, error: { code, message } };
  }
}

function line(result: Result): string {
  if ('error' in result) {
    return `${result.mac}  -  ${result.error.message} [${result.error.code}]\n`;
  }
  const verdict = result.ok ? 'ok' : (result.reason ?? 'failed');
  const advice = resyncAdvice(result.mac, result);
  return `${[result.mac, result.status, advice ? `${verdict}: ${advice}` : verdict, result.target, result.event].filter((part) => part !== '').join('  ')}\n`;
}

/** Phones a TR-069 connection request cannot reach, by why. */
const NO_URL = new Set(['never-informed', 'no-connection-request-url']);

/** What the operator can do about a resync that could not be sent, when there is something. */
export function resyncAdvice(mac: string, outcome: ResyncOutcome): string | undefined {
  const check = `see what it sent with plugndial device show ${mac} --json (lastContact, transport acs) or GET /api/v1/devices/${mac}/cwmp (connectionRequestUrl)`;
  if (outcome.reason === 'never-informed')
    return `the phone has never sent an Inform to the ACS, so there is no ConnectionRequestURL to ask it at; point its ACS URL at this server's ACS door (serve --acs, port 7547) and let it boot; ${check}`;
  if (outcome.reason === 'no-connection-request-url')
    return `the phone's Inform carried no ConnectionRequestURL (ManagementServer.ConnectionRequestURL); enable connection requests in its TR-069 settings and let it inform again; ${check}`;
  return undefined;
}

/** The line a fleet's resync ends with: phones, NOTIFYs sent, answered, failed, unreachable. */
function summary(results: readonly Result[]): string {
  let sent = 0;
  let answered = 0;
  let noAddress = 0;
  for (const result of results) {
    if ('error' in result) {
      if (result.error.code === 'PND_SIP_NO_ADDRESS') noAddress++;
    } else if (result.reason !== undefined && NO_URL.has(result.reason)) noAddress++;
    else {
      sent++;
      if (result.ok) answered++;
    }
  }
  const failed = results.length - answered - noAddress;
  return `${results.length} phones: ${sent} sent, ${answered} answered, ${failed} failed, ${noAddress} without an address`;
}
