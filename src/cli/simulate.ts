import { driverForVendor, knownVendors } from '../drivers/registry.ts';
import { pndError } from '../errors.ts';
import { parseMac } from '../model/mac.ts';
import { phoneFetch } from '../simulate/fetch.ts';
import { need, parse } from './args.ts';
import type { CommandIO } from './io.ts';

const USAGE =
  'plugndial simulate <mac> --vendor V --url <base URL> [--model M] [--firmware F] [--json]';

/** Plays a phone: the vendor's own fetch sequence against a server, then what it would apply. */
export async function simulateCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    vendor: { type: 'string' },
    url: { type: 'string' },
    model: { type: 'string' },
    firmware: { type: 'string' },
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
  const base = String(values['url'] ?? '');
  if (!/^(https?|tftp):\/\/[^/]+/i.test(base))
    throw pndError(
      'PND_INVALID_ARGUMENT',
      '--url: expected http://, https:// or tftp:// followed by the server, e.g. http://127.0.0.1:8080/',
    );
  const identity = {
    mac: mac.value,
    vendor,
    ...(values['model'] ? { model: String(values['model']) } : {}),
    ...(values['firmware'] ? { firmware: String(values['firmware']) } : {}),
  };
  const run = await driver.phone.run(identity, base.endsWith('/') ? base : `${base}/`, phoneFetch);
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
