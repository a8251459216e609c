// Fuzz targets for the phone side that `plugndial simulate` plays: each driver's phone script
// reading the files a server hands it (and following what they name), the DHCP answers a
// phone derives its URL from, and the CWMP requests a CPE answers. Its clients: clients.ts.

import fc from 'fast-check';

import type { Driver, PhoneFetch, PhoneRun } from '../../src/drivers/driver.ts';
import { drivers } from '../../src/drivers/registry.ts';
import { encodeValue } from '../../src/formats/dhcp-options.ts';
import type { Mac } from '../../src/model/mac.ts';
import { maskUserinfo } from '../../src/redact.ts';
import { answerRequest, type CpeIdentity } from '../../src/simulate/cwmp-device.ts';
import { parseEnvelope, writeEnvelope } from '../../src/tr069/soap.ts';
import { check, equal, mutatedBytes, mutatedText, pieces, randomBytes, target } from './engine.ts';
import { ACS_REQUESTS, PHONE_FILES } from './phone-seeds.ts';

const MAC = '0021f2000001' as Mac;

// ---- Phone scripts -------------------------------------------------------------------------

/** A phone is handed these words inside its files: links, markers, versions, schemes. */
const FILE_WORDS = [
  'include:config "',
  '.cfg',
  '.xml',
  '.boot',
  'http://',
  'https://',
  'tftp://',
  'ftp://u:filepass@h/',
  '$MA',
  '$PSN',
  '<SERIAL>',
  '<HWTYP>',
  '%MACD',
  '{mac}',
  'firmware',
  'url',
  '=1',
  '="',
  '</',
  'Salted__',
];

interface Answer {
  status: number;
  body: Buffer;
}

/** A server answer: mostly a mutated file of the driver's own, some of nothing or of noise. */
function answers(seeds: readonly Buffer[]): fc.Arbitrary<Answer[]> {
  const body = fc.oneof(
    { weight: 6, arbitrary: mutatedBytes(seeds, FILE_WORDS) },
    { weight: 2, arbitrary: fc.constantFrom(...seeds) },
    { weight: 1, arbitrary: randomBytes(200) },
  );
  return fc.array(
    fc.record({ status: fc.constantFrom(200, 200, 200, 200, 404, 401, 500, 0), body }),
    { maxLength: 10 },
  );
}

interface PhoneInput {
  /** By name, so that a reported input is short. */
  driver: string;
  baseUrl: string;
  answers: Answer[];
  again: boolean;
}

const phoneInput: fc.Arbitrary<PhoneInput> = fc.constantFrom(...drivers).chain((driver) =>
  fc.record({
    driver: fc.constant(driver.name),
    baseUrl: fc.constantFrom(...baseUrls(driver)),
    answers: answers(PHONE_FILES.get(driver.name) ?? []),
    again: fc.boolean(),
  }),
);

/** Where phones are pointed: a plain directory, the vendor's own URL, other schemes. */
function baseUrls(driver: Driver): string[] {
  const own = driver.provisioningUrl?.({
    http: 'http://10.0.0.1:8080',
    tftp: 'tftp://10.0.0.1',
  });
  return [
    'http://10.0.0.1/prov/',
    'tftp://10.0.0.1/',
    'ftp://u:secret@10.0.0.1/prov/',
    ...(own ? [own] : []),
  ];
}

/** Fetches answer in order, then 404; what a script sends (uploads) is answered 200. */
function scriptedServer(list: readonly Answer[]): { fetch: PhoneFetch; asked: () => number } {
  let n = 0;
  const fetch: PhoneFetch = async (_url, options) => {
    if (options?.upload) return { status: 200, body: Buffer.alloc(0) };
    const answer = list[n++];
    if (!answer) return { status: 404, body: Buffer.alloc(0) };
    if (answer.status === 0) throw new Error('connection refused');
    return answer;
  };
  return { fetch, asked: () => n };
}

/** Bounded in count: a script that followed links without end would be a hang on a phone. */
const MAX_FETCHES = 300;

function checkRun(run: PhoneRun, fetches: number): void {
  check(Array.isArray(run.steps) && typeof run.ok === 'boolean', 'a PhoneRun');
  check(fetches <= MAX_FETCHES, `${fetches} fetches`);
  for (const step of run.steps) {
    // What simulate prints: the password of the URL the phone was given is never shown, and
    // no URL shows its userinfo. A note may quote the file it is about (its version, a path).
    check(!/secret/.test(step.url) && !/secret/.test(step.note ?? ''), `shown: ${step.url}`);
    check(maskUserinfo(step.url) === step.url, `userinfo shown: ${step.url.slice(0, 80)}`);
  }
  for (const value of Object.values(run.settings)) check(typeof value === 'string', 'a value');
}

const phoneScript = target({
  name: 'phone-script',
  contract: 'a PhoneRun with failed steps, never a rejection',
  async: true,
  input: phoneInput,
  async run(input) {
    const driver = drivers.find((d) => d.name === input.driver)!;
    const identity = { mac: MAC, vendor: driver.defaultVendor };
    const server = scriptedServer(input.answers);
    const first = await driver.phone.run(identity, input.baseUrl, server.fetch);
    checkRun(first, server.asked());
    if (!input.again) return;
    // The next boot, with what the phone kept: saved files and versions are read back.
    const next = scriptedServer(input.answers);
    checkRun(
      await driver.phone.run(identity, input.baseUrl, next.fetch, first.memory),
      next.asked(),
    );
  },
});

// ---- DHCP: what the phone derives from the options it received ------------------------------

interface DhcpInput {
  /** By name, so that a reported input is short. */
  driver: string;
  vendor: string;
  options: Map<number, Buffer>;
  customOption?: number;
}

/** Each driver's own offer, encoded as the phone receives it. */
const OFFERS = drivers.flatMap((driver) =>
  Object.keys(driver.dhcp?.vendorClasses ?? {}).flatMap((vendor) =>
    [undefined, 150, 160].map((customOption) => {
      const choices = customOption === undefined ? {} : { customOption };
      const doors = { http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5' };
      const url = driver.provisioningUrl?.(doors);
      const offer = driver.dhcp!.offer(vendor, {
        doors,
        ...choices,
        ...(url ? { provisioningUrl: url } : {}),
      });
      const options = new Map<number, Buffer>();
      for (const option of offer?.options ?? []) {
        const bytes = encodeValue(option.value);
        if (bytes.ok) options.set(option.code, bytes.value);
      }
      return { driver, vendor, customOption, offer, options };
    }),
  ),
);

const DHCP_WORDS = ['http://', 'tftp://', 'https://', '/', ':', '%MACD', '$mac', '<HWTYP>'];

const dhcpInput: fc.Arbitrary<DhcpInput> = fc.constantFrom(...OFFERS).chain((offer) =>
  fc
    .tuple(
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(...offer.options.keys(), 43, 66, 67, 114, 120, 125, 150, 160),
            fc.integer({ min: 1, max: 254 }),
          ),
          fc.oneof(
            mutatedBytes(
              offer.options.size > 0 ? [...offer.options.values()] : [Buffer.from('x')],
              DHCP_WORDS,
            ),
            randomBytes(80),
            // A host, a long run of `/` and more: a `/\/+$/` retries at every one of them.
            fc
              .tuple(fc.integer({ min: 1000, max: 30_000 }), fc.constantFrom('', 'x', ' '))
              .map(([n, tail]) => Buffer.from(`10.0.0.5${'/'.repeat(n)}${tail}`)),
          ),
        ),
        { maxLength: 5 },
      ),
      fc.boolean(),
    )
    .map(([edits, keep]) => {
      const options = new Map(keep ? offer.options : []);
      for (const [code, bytes] of edits) options.set(code, bytes);
      return {
        driver: offer.driver.name,
        vendor: offer.vendor,
        options,
        ...(offer.customOption === undefined ? {} : { customOption: offer.customOption }),
      };
    }),
);

const dhcpDerive = target({
  name: 'dhcp-derive',
  contract: 'undefined for options the phone can make nothing of',
  input: dhcpInput,
  run(input) {
    const choices = input.customOption === undefined ? {} : { customOption: input.customOption };
    const driver = drivers.find((d) => d.name === input.driver)!;
    const derived = driver.dhcp!.derive(input.vendor, input.options, choices);
    if (!derived) return;
    check(typeof derived.url === 'string' && typeof derived.start.baseUrl === 'string', 'a URL');
    for (const code of derived.from) check(input.options.has(code), `read from absent ${code}`);
  },
});

/** The renderer/reader pair of DHCP: what a driver offers, its phone reads back as the URL. */
const dhcpOfferRoundTrip = target({
  name: 'dhcp-offer-roundtrip',
  contract: 'offer → encode → derive gives the offered URL back',
  input: fc.tuple(
    fc.constantFrom(...OFFERS.filter((o) => o.offer !== undefined)),
    fc.constantFrom('10.0.0.5', '192.168.100.254', 'prov.example.com', '[fd00::5]'),
    fc.integer({ min: 1, max: 65535 }),
    fc.constantFrom('', '/prov', '/a/b'),
  ),
  run([offer, host, port, prefix]) {
    const doors = { http: `http://${host}:${port}${prefix}`, tftp: `tftp://${host}` };
    const choices = offer.customOption === undefined ? {} : { customOption: offer.customOption };
    const url = offer.driver.provisioningUrl?.(doors);
    const made = offer.driver.dhcp!.offer(offer.vendor, {
      doors,
      ...choices,
      ...(url ? { provisioningUrl: url } : {}),
    });
    if (!made) return;
    const options = new Map<number, Buffer>();
    for (const option of made.options) {
      const bytes = encodeValue(option.value);
      if (bytes.ok) options.set(option.code, bytes.value);
    }
    const derived = offer.driver.dhcp!.derive(offer.vendor, options, choices);
    equal(derived?.url, made.url, `${offer.driver.name}/${offer.vendor} URL`);
  },
});

// ---- CWMP: the CPE's answers to what an ACS asks ------------------------------------------

const CPE: CpeIdentity = {
  mac: MAC,
  description: {
    manufacturer: 'Acme',
    oui: '0021F2',
    productClass: 'X1',
    serialNumber: '0021f2000001',
    softwareVersion: '1.0',
    root: 'Device',
  },
  connectionRequestUrl: 'http://10.0.0.7:7547/',
};

const CWMP_WORDS = [
  '<Name>',
  '</Name>',
  '<Value>',
  '</Value>',
  '<ParameterValueStruct>',
  '<string>',
  'Device.',
  'InternetGatewayDevice.',
  '<URL>',
  'cwmp:Download',
  'cwmp:Reboot',
  '__proto__',
];

const cwmpDevice = target({
  name: 'cwmp-device',
  contract: 'Result PND_INVALID_XML, then an answer to every request (fault 9000 for unknown)',
  input: fc.oneof(
    mutatedText(ACS_REQUESTS, CWMP_WORDS),
    pieces(CWMP_WORDS, 12).map((x) =>
      ACS_REQUESTS[3]!.replace('<ParameterKey>', `${x}<ParameterKey>`),
    ),
  ),
  run(text: string) {
    const envelope = parseEnvelope(text);
    if (!envelope.ok) return;
    const memory: Record<string, string> = {};
    const answer = answerRequest(envelope.value, CPE, memory);
    const written = writeEnvelope(envelope.value.namespace, envelope.value.id, answer.response);
    check(parseEnvelope(written).ok, 'the CPE answer is an envelope the ACS reads');
    for (const value of Object.values(memory)) check(typeof value === 'string', 'memory');
  },
});

export const PHONE_TARGETS = [phoneScript, dhcpDerive, dhcpOfferRoundTrip, cwmpDevice];
