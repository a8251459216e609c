// The driver round trip: settings an operator may type (quotes, markup, comment signs,
// non-ASCII) are rendered by each driver into its vendor's files, and that vendor's phone, as
// `plugndial simulate` plays it, fetches and reads them. Every native line the driver says it
// wrote (its explanation, `plugndial render --explain`) must be what the phone holds after
// reading — a value cut at a `#`, unescaped in XML, split at a `;` or a quote would be a
// phone configured other than the operator asked, without a word.

import fc from 'fast-check';

import type { Driver, PhoneFetch, Recognition, RenderContext } from '../../src/drivers/driver.ts';
import { drivers } from '../../src/drivers/registry.ts';
import type { Device } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';
import { chainSettings, withOwnSettings } from '../../src/model/merge.ts';
import { validateSettings, type Settings } from '../../src/model/settings.ts';
import { normalisePath } from '../../src/provisioning/path.ts';
import { discovery } from '../support/storm.ts';
import { check, target } from './engine.ts';

const ORIGIN = 'http://10.0.0.1:8080/';
const NOW = new Date('2026-06-01T12:00:00.000Z');

/** Text on one line, as operators type it: what each file format must escape or quote. */
const typed = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '7', ' ', '-', '_', '.') },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '"',
          "'",
          '<',
          '>',
          '&',
          '#',
          ';',
          '=',
          '%',
          '\\',
          '$',
          '{',
          '}',
          ',',
          ':',
          '/',
          '&amp;',
          ']]>',
          '%NULL%',
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom('é', 'ß', '☎', '中', 'Ω') },
    ),
    { minLength: 1, maxLength: 24 },
  )
  .map((parts) => parts.join('').trim())
  .filter((text) => text.length > 0);

/** A user part the phones dial and register with: SIP's unreserved characters. */
const user = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._~-]{0,15}$/);

interface RoundTripInput {
  driver: string;
  vendor: string;
  settings: Record<string, string>;
}

const input: fc.Arbitrary<RoundTripInput> = fc.constantFrom(...drivers).chain((driver) =>
  fc.record({
    driver: fc.constant(driver.name),
    vendor: fc.constantFrom(...driver.vendors),
    settings: fc.record({
      'accounts.1.user': user,
      'accounts.1.password': typed,
      'accounts.1.display_name': typed,
      'accounts.1.label': typed,
      'accounts.1.registrar': fc.constantFrom('pbx.example.com', '10.0.0.5', 'sip.example.net'),
    }),
  }),
);

/** Where each vendor's phone starts: the URL its DHCP answer for an HTTP door gives it. */
const STARTS = discovery({ http: ORIGIN });

/** What a file no device owns carries: the defaults alone. */
const defaults = chainSettings([], new Map());

/** A server of one device: each URL the phone asks for, recognised and rendered by its driver. */
function deviceServer(
  driver: Driver,
  device: Device,
  settings: Settings,
): { fetch: PhoneFetch; served: { recognition: Recognition; context: RenderContext }[] } {
  const served: { recognition: Recognition; context: RenderContext }[] = [];
  const fetch: PhoneFetch = async (url, options) => {
    const none = { status: 404, body: Buffer.alloc(0) };
    if (options?.upload) return { status: 200, body: Buffer.alloc(0) };
    const target = new URL(url);
    const segments = normalisePath(target.pathname, {
      percentEncoded: true,
      backslashIsSeparator: false,
    });
    if (!segments) return none;
    const recognition = driver.recognise({
      segments,
      query: target.search.slice(1),
      transport: 'http',
      ...(options?.userAgent ? { userAgent: options.userAgent } : {}),
    });
    if (!recognition) return none;
    const prefix = recognition.prefix.map(encodeURIComponent).join('/');
    // A file every phone shares carries the defaults, never one device's values.
    const own = recognition.needsDevice;
    const base: RenderContext = {
      ...(own ? { device } : {}),
      vendor: device.vendor,
      settings: own ? settings : defaults,
      baseUrl: `${target.origin}/${prefix ? `${prefix}/` : ''}`,
      now: NOW,
      ...(recognition.reported ? { reported: recognition.reported } : {}),
    };
    // Versions as the store would give them: one per category, here one moment for all.
    const categories = driver.versionedContent?.(recognition, base) ?? [];
    const context: RenderContext =
      categories.length > 0
        ? { ...base, versions: Object.fromEntries(categories.map((c) => [c.category, NOW])) }
        : base;
    const artifact = driver.render(recognition, context);
    if (!artifact) return none;
    served.push({ recognition, context });
    return { status: 200, body: artifact.body };
  };
  return { fetch, served };
}

const driverRoundTrip = target({
  name: 'driver-roundtrip',
  contract: 'every native line a driver says it wrote is what its phone reads back',
  async: true,
  input,
  async run({ driver: name, vendor, settings: typedSettings }) {
    const driver = drivers.find((d) => d.name === name)!;
    const valid = validateSettings(typedSettings);
    // A value the settings refuse never reaches a driver: nothing to carry.
    if (!valid.ok) return;
    const prefix = driver.dhcp?.macPrefixes[vendor]?.[0] ?? '02a0b0';
    const mac = `${prefix}00abcd`.slice(0, 12) as Mac;
    const device: Device = {
      mac,
      vendor,
      profiles: [],
      settings: valid.value,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    };
    const settings = withOwnSettings(defaults, valid.value);
    const server = deviceServer(driver, device, settings);
    const start = STARTS.get(vendor)?.baseUrl ?? ORIGIN;
    const run = await driver.phone.run({ mac, vendor }, start, server.fetch);
    // The phone holds each file's lines in turn; a later file may set a key again, so a
    // native key is judged by the last file that wrote it.
    const expected = new Map<string, { value: string; file: string }>();
    for (const { recognition, context } of server.served) {
      const explained = driver.explain(recognition, context);
      for (const entry of explained?.entries ?? []) {
        if (!entry.from?.startsWith('accounts.1.')) continue;
        expected.set(entry.key, { value: entry.value, file: explained!.file });
      }
    }
    check(expected.size > 0, `${vendor}: the phone read no file that carries its account`);
    for (const [key, { value, file }] of expected) {
      // An explanation names a key by its section where the file has sections (Fanvil's
      // `<SIP CONFIG MODULE>SIP1 Phone Number`); the phone holds it by its own name.
      const held = run.settings[key] ?? run.settings[key.replace(/^<[^>]*>/, '')];
      check(
        held === value,
        `${vendor} ${file}: ${key} written ${JSON.stringify(value)}, read ${JSON.stringify(held)}`,
      );
    }
  },
});

export const ROUNDTRIP_TARGETS = [driverRoundTrip];
