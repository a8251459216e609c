import { runningServer } from '../config/data-dir.ts';
import type { ListenAddress } from '../config/listen.ts';
import { resolveOptions } from '../config/options.ts';
import { serverConfigOf } from '../config/server-config.ts';
import { dnsmasqRefuses, dnsmasqSnippet } from '../dhcp/dnsmasq.ts';
import { iscSnippet } from '../dhcp/isc.ts';
import { keaRefuses, keaSnippet } from '../dhcp/kea.ts';
import {
  OPTION,
  decodeText,
  formatHex,
  isCustomCode,
  parseMacPrefix,
  parseOptionArguments,
  vendorClassMatches,
  type DhcpOptions,
} from '../formats/dhcp-options.ts';
import { planSite, type SitePlan } from '../dhcp/plan.ts';
import type { DhcpChoices, DhcpDerivation, DoorUrls } from '../drivers/driver.ts';
import { drivers } from '../drivers/registry.ts';
import { pndError } from '../errors.ts';
import { doorUrls } from '../config/door-urls.ts';
import { dataDirOf, parse, strings } from './args.ts';
import type { CommandIO } from './io.ts';

const SNIPPET_USAGE = `plugndial dhcp --format isc|kea|dnsmasq [--vendor V]… [--custom-option CODE]
               [--public-url URL] [--http [host:]port|off] [--tftp [host:]port|off]
               [--ftp [host:]port|off]
               [--vendor-class V=PREFIX]… [--mac-prefix V=OUI]… [--data-dir DIR] [--config FILE]
Prints a snippet for your DHCP server that gives each vendor's phones the URL plugndial
wants them to use. Each door is taken from its flag, PLUGNDIAL_* variable or --config file
(as serve takes them), else from the server running on --data-dir, else from serve's
defaults; with --public-url alone, the running server's doors (their ports) and the URL's
host.
A door listening on every address needs --public-url (or --http/--tftp/--ftp ADDRESS:PORT).
The FTP door is named only to phones that take an FTP boot server (Poly), and only when
none of the doors they prefer (HTTPS, HTTP, TFTP) is on.
--vendor-class and --mac-prefix replace what plugndial knows for that vendor (repeatable;
an empty value removes it). --custom-option CODE (128–254): the custom option phones that
read one are set to.`;

const EXPLAIN_USAGE = `plugndial dhcp explain --option CODE=VALUE… [--vendor V]… [--custom-option CODE] [--json]
Says which URL each vendor's phone derives from the options given, e.g.
  plugndial dhcp explain --option 43=42:0b:68:74:74:70:3a:2f:2f:66:6f:6f:00:43:0c:3c:48:57:54:59:50:3e:2e:62:61:6b:00
VALUE is text, or bytes as colon-separated hex (as packet captures show them), hex:… or 0x….`;

const USAGE = `${SNIPPET_USAGE}\n\n${EXPLAIN_USAGE}`;

const FORMATS = {
  isc: iscSnippet,
  kea: keaSnippet,
  dnsmasq: dnsmasqSnippet,
} as const satisfies Record<string, (plan: SitePlan) => string>;

const OPTIONS = {
  format: { type: 'string' },
  vendor: { type: 'string', multiple: true },
  'custom-option': { type: 'string' },
  'public-url': { type: 'string' },
  http: { type: 'string' },
  tftp: { type: 'string' },
  ftp: { type: 'string' },
  config: { type: 'string' },
  'vendor-class': { type: 'string', multiple: true },
  'mac-prefix': { type: 'string', multiple: true },
  option: { type: 'string', multiple: true },
} as const;

export async function dhcpCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values['help']) {
    io.out(`${positionals[0] === 'explain' ? EXPLAIN_USAGE : USAGE}\n`);
    return 0;
  }
  const choices = choicesOf(values);
  const vendors = strings(values['vendor']);
  if (positionals[0] === 'explain') return explain(values, vendors, choices, io);
  if (positionals.length > 0)
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `unexpected "${positionals[0]}"; usage:\n${SNIPPET_USAGE.split('\n')[0]}\n${EXPLAIN_USAGE.split('\n')[0]}`,
    );

  const format = String(values['format'] ?? '');
  if (!Object.hasOwn(FORMATS, format))
    throw pndError('PND_INVALID_ARGUMENT', '--format: expected isc, kea or dnsmasq');
  const plan = planSite(drivers, {
    doors: doorsOf(values),
    choices,
    vendors,
    vendorClasses: pairs(values['vendor-class'], '--vendor-class', (text) => text),
    macPrefixes: pairs(values['mac-prefix'], '--mac-prefix', (text) => {
      const prefix = parseMacPrefix(text);
      if (!prefix.ok) throw prefix.error;
      return prefix.value;
    }),
  });
  if (!plan.ok) throw plan.error;
  // A custom option the chosen server defines otherwise would make a snippet it refuses.
  const refused =
    format === 'kea'
      ? keaRefuses(plan.value)
      : format === 'dnsmasq'
        ? dnsmasqRefuses(plan.value)
        : undefined;
  if (refused) throw pndError('PND_INVALID_ARGUMENT', `--custom-option: ${refused}`);
  if (!plan.value.vendors.some((v) => v.offer && !v.skipped))
    throw pndError(
      'PND_DHCP_NO_DOOR',
      `no vendor's phones can be pointed anywhere: ${plan.value.vendors.map((v) => `${v.vendor} (${v.skipped})`).join('; ')}`,
    );
  io.out(FORMATS[format as keyof typeof FORMATS](plan.value));
  return 0;
}

interface Explained {
  vendor: string;
  url?: string;
  from?: number[];
  note?: string;
}

/** Every vendor's phone reads the same options its own way. */
function explain(
  values: Record<string, unknown>,
  vendors: string[],
  choices: DhcpChoices,
  io: CommandIO,
): number {
  const parsed = parseOptionArguments(strings(values['option']));
  if (!parsed.ok) throw parsed.error;
  if (parsed.value.size === 0)
    throw pndError('PND_INVALID_ARGUMENT', 'explain needs at least one --option CODE=VALUE');
  const rows = explainOptions(parsed.value, vendors, choices);
  const sent = parsed.value.get(OPTION.vendorClass);
  const classOwners = sent ? vendorClassOwners(sent) : [];
  if (values['json']) {
    const body = { options: describe(parsed.value), vendorClassOf: classOwners, vendors: rows };
    io.out(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  for (const option of describe(parsed.value))
    io.out(`option ${option.code}: ${option.hex}${option.text ? ` ("${option.text}")` : ''}\n`);
  if (sent)
    io.out(
      `option 60 is the vendor class of ${classOwners.length ? classOwners.join(', ') : 'no vendor plugndial knows'}\n`,
    );
  const width = Math.max(...rows.map((r) => r.vendor.length));
  for (const row of rows)
    io.out(
      `${row.vendor.padEnd(width)}  ${row.url ? `${row.url}  (from option ${row.from!.join(' + ')})` : `nothing: ${row.note}`}\n`,
    );
  return rows.some((r) => r.url) ? 0 : 1;
}

/** What each vendor's phone derives from the options (every vendor with DHCP knowledge by default). */
export function explainOptions(
  options: DhcpOptions,
  vendors: readonly string[],
  choices: DhcpChoices,
): Explained[] {
  const all = drivers.flatMap((d) => (d.dhcp ? d.vendors.map((v) => ({ v, d })) : []));
  const unknown = vendors.filter((v) => !all.some((x) => x.v === v));
  if (unknown.length > 0)
    throw pndError(
      'PND_UNKNOWN_VENDOR',
      `--vendor: expected one of ${all.map((x) => x.v).join(', ')}`,
    );
  return all
    .filter((x) => vendors.length === 0 || vendors.includes(x.v))
    .map(({ v, d }): Explained => {
      const derived: DhcpDerivation | undefined = d.dhcp!.derive(v, options, choices);
      const reads = d.dhcp!.requested(v, choices).join(', ');
      return derived
        ? { vendor: v, url: derived.url, from: [...derived.from] }
        : { vendor: v, note: `it reads option ${reads} and found no URL there` };
    });
}

/** Vendors whose phones send this option 60, by the prefixes the drivers know. */
function vendorClassOwners(sent: Buffer): string[] {
  return drivers.flatMap((d) =>
    d.dhcp
      ? d.vendors.filter((v) =>
          (d.dhcp!.vendorClasses[v] ?? []).some((prefix) => vendorClassMatches(sent, prefix)),
        )
      : [],
  );
}

function describe(options: DhcpOptions): { code: number; hex: string; text?: string }[] {
  return [...options].map(([code, data]) => {
    const text = decodeText(data);
    const printable = /^[\x20-\x7e]*$/.test(text) && text.length > 0;
    return { code, hex: formatHex(data), ...(printable ? { text } : {}) };
  });
}

function choicesOf(values: Record<string, unknown>): DhcpChoices {
  const text = values['custom-option'];
  if (text === undefined) return {};
  const code = Number(text);
  if (!isCustomCode(code))
    throw pndError('PND_INVALID_ARGUMENT', '--custom-option: expected a code from 128 to 254');
  return { customOption: code };
}

/** `V=VALUE` flags into lists per vendor; `V=` alone gives an empty list (removes the default). */
function pairs(
  value: unknown,
  flag: string,
  check: (text: string) => string,
): Record<string, string[]> {
  const known = drivers.flatMap((d) => (d.dhcp ? d.vendors : []));
  const out = new Map<string, string[]>();
  for (const text of strings(value)) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw pndError('PND_INVALID_ARGUMENT', `${flag}: expected VENDOR=VALUE`);
    const vendor = text.slice(0, eq);
    if (!known.includes(vendor))
      throw pndError(
        'PND_UNKNOWN_VENDOR',
        `${flag}: "${vendor.slice(0, 40)}" is no vendor; expected one of ${known.join(', ')}`,
      );
    const list = out.get(vendor) ?? [];
    out.set(vendor, list);
    const item = text.slice(eq + 1);
    if (item !== '') list.push(check(item));
  }
  return Object.fromEntries(out);
}

/**
 * The doors as phones reach them. Each door: its flag, else the server running on the data
 * directory (as bound, port 0 resolved), else serve's defaults; the public URL: the flag, else
 * the running server's. `--public-url` alone names the host, not the doors: a running TFTP
 * door on 16969 stays on 16969.
 */
function doorsOf(values: Record<string, unknown>): DoorUrls {
  const flagNames = ['public-url', 'http', 'tftp', 'ftp', 'config'] as const;
  const flags = Object.fromEntries(
    flagNames.filter((n) => typeof values[n] === 'string').map((n) => [n, String(values[n])]),
  );
  const { dataDir } = dataDirOf(values as Parameters<typeof dataDirOf>[0]);
  const running = runningServer(dataDir);
  const resolved = resolveOptions({ flags, env: process.env });
  const config = serverConfigOf(resolved);
  // A file or an environment variable naming a door is a flag for it too; a door the file
  // does not name is still the running server's.
  const named = (door: 'http' | 'tftp' | 'ftp'): boolean =>
    resolved.values.get(door)?.source !== 'default';
  const bound: { http?: ListenAddress; tftp?: ListenAddress; ftp?: ListenAddress } = {};
  for (const door of ['http', 'tftp', 'ftp'] as const) {
    const address = running?.doors && !named(door) ? running.doors[door] : config.doors[door];
    if (address) bound[door] = address;
  }
  const publicUrl =
    flags['public-url'] !== undefined ? config.publicUrl : (running?.publicUrl ?? config.publicUrl);
  if (!publicUrl) {
    for (const [name, address] of Object.entries(bound))
      if (address.host === '0.0.0.0' || address.host === '::')
        throw pndError(
          'PND_DHCP_NO_DOOR',
          `the ${name} door listens on every address; say which one phones reach: --public-url http://ADDRESS[:PORT] or --${name} ADDRESS:${address.port}`,
        );
  }
  return doorUrls(bound, { reachedAt: '', ...(publicUrl ? { publicUrl } : {}) });
}
