import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import type { PhoneMemory } from '../drivers/driver.ts';
import { driverForVendor, knownVendors } from '../drivers/registry.ts';
import { pndError } from '../errors.ts';
import { parseMac } from '../model/mac.ts';
import { phoneFetcher } from '../simulate/fetch.ts';
import { need, parse } from './args.ts';
import { simulateTr069, TR069_OPTIONS } from './simulate-tr069.ts';
import { startUrl, VIA_OPTIONS } from './simulate-via.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial simulate <mac> --vendor V (--url <URL> | --via pnp [--sip HOST[:PORT]] [--sip-interface ADDRESS]
                   | --via dhcp (--interface IFACE [--vendor-class VC] | --option CODE=VALUE…) [--custom-option CODE]
                   | --via tr069 --acs <ACS URL> [--acs-user U --acs-password P] [--cwmp 1-0…1-4] [--event CODE]…)
                   [--model M] [--firmware F] [--serial S]
                   [--input NAME] [--key KEY] [--state FILE] [--json]
                   [--ca FILE] [--cert FILE --client-key FILE]
--state keeps what the phone remembers between runs (e.g. the versions it applied) in FILE.
--input is the file name typed at a Fanvil phone's $input prompt; --key the key the phone
holds for encrypted configuration files. --ca: the CA (PEM) the phone trusts for HTTPS;
--cert/--client-key: the phone's own certificate and key. Credentials the phone was given
(by its files or in the URL) are kept in --state and presented when the server asks.
--via dhcp obtains a lease on IFACE with busybox udhcpc, sending the vendor's option 60, and puts
the address on IFACE as the phone would (use an interface of your own, e.g. in a network
namespace); or reads the options given. The URL the vendor derives from them starts the run.
--via tr069 plays the phone's TR-069 client: Inform to the ACS (answering its digest challenge
with --acs-user/--acs-password, or PLUGNDIAL_ACS_PASSWORD), each Download fetched over HTTP with
the one-time credentials it carries, then TransferComplete in the next session.`;

/** Plays a phone: the vendor's own fetch sequence against a server, then what it would apply. */
export async function simulateCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    vendor: { type: 'string' },
    url: { type: 'string' },
    ...VIA_OPTIONS,
    ...TR069_OPTIONS,
    model: { type: 'string' },
    firmware: { type: 'string' },
    serial: { type: 'string' },
    state: { type: 'string' },
    input: { type: 'string' },
    key: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    'client-key': { type: 'string' },
  });
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const mac = parseMac(need(positionals, 0, 'MAC', USAGE));
  if (!mac.ok) throw mac.error;
  const vendor = String(values['vendor'] ?? '');
  const driver = driverForVendor(vendor);
  if (!driver)
    throw pndError('PND_UNKNOWN_VENDOR', `--vendor: expected one of ${knownVendors().join(', ')}`);
  // A key of no form the vendor's phones take would be a phone that holds none: said now.
  const key = values['key'] === undefined ? undefined : String(values['key']);
  const forms = driver.configKeys;
  if (key !== undefined && forms && !forms.fits(vendor, key, {}))
    throw pndError(
      'PND_INVALID_ARGUMENT',
      forms.none ? `--key: ${forms.none}` : `--key: not a ${forms.describe(vendor, {})}`,
    );
  const identity = {
    mac: mac.value,
    vendor,
    ...(values['model'] ? { model: String(values['model']) } : {}),
    ...(values['firmware'] ? { firmware: String(values['firmware']) } : {}),
    ...(values['serial'] ? { serial: String(values['serial']) } : {}),
    ...(values['input'] ? { input: String(values['input']) } : {}),
    ...(key ? { configKey: key } : {}),
  };
  // What the phone trusts and presents over HTTPS, to its files' server and to an ACS alike.
  const tls = {
    ...(values['ca'] ? { ca: readPem(String(values['ca']), '--ca') } : {}),
    ...(values['cert'] ? { cert: readPem(String(values['cert']), '--cert') } : {}),
    ...(values['client-key'] ? { key: readPem(String(values['client-key']), '--client-key') } : {}),
  };
  if (values['via'] === 'tr069') return simulateTr069(values, driver, identity, tls, io);
  const base = await startUrl(values, driver, identity, io);
  const state = values['state'] === undefined ? undefined : String(values['state']);
  // The URL goes to the phone as given: each vendor's phone reads it its own way.
  const run = await driver.phone.run(identity, base, phoneFetcher(tls), readState(state));
  // What the phone remembers may hold its SIP passwords: the file is the user's alone.
  if (state && run.memory)
    writeFileSync(state, `${JSON.stringify(run.memory, null, 2)}\n`, { mode: 0o600 });
  if (values['json']) io.out(`${JSON.stringify(run, null, 2)}\n`);
  else {
    for (const step of run.steps)
      io.err(
        `${step.status} ${step.url} ${step.bytes} bytes${step.applied ? ' applied' : ''}${step.note ? ` (${step.note})` : ''}\n`,
      );
    for (const [key, value] of Object.entries(run.settings)) io.out(`${key}=${value}\n`);
  }
  if (!run.ok) io.err('the phone could not complete its provisioning sequence\n');
  return run.ok ? 0 : 1;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function readState(file: string | undefined): PhoneMemory | undefined {
  if (!file || !existsSync(file)) return undefined;
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
    // Reported below like any other unreadable file.
  }
  throw pndError(
    'PND_INVALID_ARGUMENT',
    `--state: ${file} is not a phone's saved state (a JSON object of strings)`,
  );
}
