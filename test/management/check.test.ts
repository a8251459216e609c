import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Driver } from '../../src/drivers/driver.ts';
import { drivers } from '../../src/drivers/registry.ts';
import {
  checkDevices,
  checkedSettings,
  type CheckedDevice,
  type CheckedGroup,
  type CheckInput,
} from '../../src/management/check.ts';
import type { Profile } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';

const FANVIL_KEY = 'c7fc19404e0b0bcc8885d31f2d8ff7e8e09f0e28c7fc19404e0b0bcc8885d31f';
const account = { 'accounts.1.user': '1001', 'accounts.1.registrar': 'pbx.example.com' };

function device(mac: string, vendor: string, extra: Partial<CheckedDevice> = {}): CheckedDevice {
  return { mac: mac as Mac, vendor, profiles: [], settings: { ...account }, ...extra };
}

function profile(name: string, settings: Profile['settings']): [string, Profile] {
  return [name, { name, settings, createdAt: '', updatedAt: '' }];
}

function check(input: Partial<CheckInput>): ReturnType<typeof checkDevices> {
  return checkDevices({ devices: [], profiles: new Map(), firmware: [], drivers, ...input });
}

describe('plugndial check findings', () => {
  test('a clean site has none', () => {
    const findings = check({
      devices: [
        device('0021f2000001', 'flyingvoice', { model: 'FIP14G' }),
        device('0c383e07e16c', 'fanvil', { model: 'X4' }),
        device('7c2f80000001', 'gigaset', { model: 'Maxwell 3' }),
        device('00095200000e', 'auerswald', { model: 'D200' }),
        device('00908f0a1b2c', 'oem', { model: 'leadtek/LR8051S' }),
        device('001565aabbcc', 'yealink', { model: 'SIP-T46G' }),
      ],
      server: {
        publicUrl: 'http://10.0.0.5:8080',
        doors: { http: { host: '0.0.0.0', port: 8080 } },
        proxied: false,
      },
    });
    assert.deepEqual(findings, []);
  });

  test('config-key: a key whose form does not fit the vendor, grouped with where it comes from', () => {
    const findings = check({
      profiles: new Map([
        profile('default', {
          'security.config_encryption': true,
          'security.config_key': FANVIL_KEY,
        }),
      ]),
      devices: [
        device('001565aabbcc', 'yealink'),
        device('001565aabbcd', 'yealink'),
        device('0c383e07e16c', 'fanvil'),
        device('001565aabbce', 'yealink', {
          settings: { ...account, 'security.config_key': 'Ab3dEf6hIj9lMn2p' },
        }),
      ],
    });
    assert.equal(findings.length, 1);
    const [finding] = findings;
    assert.equal(finding!.kind, 'config-key');
    assert.equal(
      finding!.problem,
      'encrypted, but security.config_key is not a 16-character Yealink key',
    );
    assert.match(
      finding!.fix,
      /^it comes from profile "default"; set security\.config_key to a 16-character Yealink key/,
    );
    assert.deepEqual(finding!.devices, ['001565aabbcc', '001565aabbcd']);
    assert.equal(finding!.count, 2);
    assert.doesNotMatch(JSON.stringify(findings), new RegExp(FANVIL_KEY));
  });

  test('firmware-image: firmware.version without a catalogue image for the vendor and model', () => {
    const firmware = [{ vendor: 'fanvil', model: 'X4', version: '2.12.0.1' }];
    const settings = { ...account, 'firmware.version': '2.12.0.1' };
    const findings = check({
      firmware,
      devices: [
        device('0c383e07e16c', 'fanvil', { model: 'x4', settings }),
        device('0c383e07e16d', 'fanvil', { model: 'X6', settings }),
        device('0c383e07e16e', 'fanvil', { reported: { model: 'X6' }, settings }),
        device('0c383e07e16f', 'fanvil', { settings }),
        device('001565aabbcc', 'yealink', { settings }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.problem, f.devices]),
      [
        [
          'firmware-image',
          'firmware.version 2.12.0.1 has no catalogue image for any yealink model',
          ['001565aabbcc'],
        ],
        [
          'firmware-image',
          'firmware.version 2.12.0.1 has no catalogue image for fanvil X6',
          ['0c383e07e16d', '0c383e07e16e'],
        ],
      ],
    );
    assert.match(
      findings[1]!.fix,
      /plugndial firmware add <file> --vendor fanvil --model X6 --version 2\.12\.0\.1/,
    );
  });

  test('firmware-image: an image under another name than the one its phones ask for', () => {
    // Grandstream phones are given a folder and ask for the image of their series by name.
    const settings = { ...account, 'firmware.version': '1.0.11.3' };
    const findings = check({
      firmware: [
        { vendor: 'grandstream', model: 'GXP2135', version: '1.0.11.3', fileName: 'GXP2135.bin' },
        { vendor: 'grandstream', model: 'GRP2614', version: '1.0.11.3', fileName: 'grp2600fw.bin' },
        // The check of names is only for drivers whose phones ask by name.
        { vendor: 'fanvil', model: 'X4', version: '1.0.11.3', fileName: 'x4.z' },
      ],
      devices: [
        device('000b82000001', 'grandstream', { model: 'GXP2135', settings }),
        device('000b82000002', 'grandstream', { reported: { model: 'GXP2135' }, settings }),
        device('000b82000003', 'grandstream', { model: 'GRP2614', settings }),
        device('0c383e07e16c', 'fanvil', { model: 'X4', settings }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.problem, f.devices]),
      [
        [
          'firmware-image',
          'the catalogue image for grandstream GXP2135 1.0.11.3 is named GXP2135.bin, but the phone asks for gxp2130fw.bin: it is never served',
          ['000b82000001', '000b82000002'],
        ],
      ],
    );
    assert.match(
      findings[0]!.fix,
      /plugndial firmware add <file> --name gxp2130fw\.bin --vendor grandstream --model GXP2135 --version 1\.0\.11\.3/,
    );
  });

  test('public-url: a scheme or port with no door listening there', () => {
    const doors = { http: { host: '0.0.0.0', port: 8080 }, tftp: { host: '0.0.0.0', port: 6969 } };
    const problems = (publicUrl: string, proxied = false): string[] =>
      check({ server: { publicUrl, doors, proxied } }).map(
        (f) => `${f.kind}: ${f.problem} | ${f.fix}`,
      );
    assert.deepEqual(problems('http://prov.example.com:8080'), []);
    assert.deepEqual(problems('tftp://prov.example.com:6969'), []);
    const [https] = problems('https://user:pw@prov.example.com');
    assert.match(
      https!,
      /^public-url: --public-url https:\/\/prov\.example\.com is https, but no HTTPS door is on/,
    );
    assert.match(https!, /start it \(--https 443\)/);
    assert.doesNotMatch(https!, /pw/);
    const [port] = problems('http://prov.example.com');
    assert.match(port!, /names port 80, but the HTTP door listens on 8080/);
    assert.match(port!, /http:\/\/prov\.example\.com:8080/);
    // A named reverse proxy may well listen on the URL's own scheme and port.
    assert.deepEqual(problems('https://prov.example.com', true), []);
  });

  test('native-key: native.<driver>.* keys on a device of another driver', () => {
    const findings = check({
      profiles: new Map([profile('default', { 'native.fanvil.AUTOPROVISION.Mode': '1' })]),
      devices: [
        device('001565aabbcc', 'yealink', {
          settings: { ...account, 'native.fanvil.X.Y': '1', 'native.yealink.a.b': '1' },
        }),
        device('001565aabbcd', 'yealink', {
          settings: { ...account, 'native.flyingvoice.a.b': '1' },
        }),
        // Flyingvoice files read Yealink's native keys as well as their own.
        device('0021f2000001', 'flyingvoice', {
          settings: { ...account, 'native.yealink.a.b': '1' },
        }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.problem, f.devices]),
      [
        [
          'native-key',
          'native.fanvil.* settings on a yealink device: its files do not carry them',
          ['001565aabbcc'],
        ],
        [
          'native-key',
          'native.flyingvoice.* settings on a yealink device: its files do not carry them',
          ['001565aabbcd'],
        ],
      ],
    );
    assert.match(findings[0]!.fix, /a yealink device reads native\.yealink\.\*/);
  });

  test('native-key: several keys of one driver count the device once', () => {
    const findings = check({
      devices: [
        device('001565aabbcc', 'yealink', {
          settings: { ...account, 'native.fanvil.X.Y': '1', 'native.fanvil.X.Z': '2' },
        }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.count, f.devices]),
      [['native-key', 1, ['001565aabbcc']]],
    );
  });

  test('devices given by kind get the findings they get one by one, in MAC order', () => {
    const profiles = new Map([
      profile('default', { 'firmware.version': '2.12.0.1' }),
      profile('lab', { 'security.config_encryption': true, 'security.config_key': FANVIL_KEY }),
    ]);
    const one = (i: number): CheckedDevice =>
      device(
        `0c383e${((i * 7919) % 4096).toString(16).padStart(6, '0')}`,
        i % 2 ? 'fanvil' : 'yealink',
        {
          model: ['X4', 'T54W', 'Y9'][i % 3]!,
          profiles: i % 5 ? ['lab'] : [],
          settings: checkedSettings({
            'accounts.1.user': String(1000 + i),
            ...(i % 7 ? { 'accounts.1.registrar': `pbx-${i}.example.com` } : {}),
            ...(i % 11 ? {} : { 'native.gigaset.a': String(i) }),
          }),
        },
      );
    const devices = Array.from({ length: 600 }, (_, i) => one(i));
    const kinds = new Map<string, CheckedGroup & { macs: Mac[] }>();
    for (const { mac, ...rest } of devices) {
      const key = JSON.stringify([rest.vendor, rest.model, rest.profiles, rest.settings]);
      let kind = kinds.get(key);
      if (!kind) kinds.set(key, (kind = { ...rest, macs: [] }));
      kind.macs.push(mac);
    }
    assert.ok(kinds.size < 60, `${kinds.size} kinds`);
    const sorted = [...devices].sort((a, b) => (a.mac < b.mac ? -1 : 1));
    const firmware = [{ vendor: 'fanvil', model: 'X4', version: '2.12.0.1' }];
    const byDevice = check({ devices: sorted, profiles, firmware });
    const byKind = check({ groups: [...kinds.values()].reverse(), profiles, firmware });
    assert.ok(byDevice.length >= 4, byDevice.map((f) => f.kind).join());
    assert.deepEqual(byKind, byDevice);
  });

  test('unknown-model: a model its driver does not know', () => {
    const findings = check({
      devices: [
        device('0c383e07e16c', 'fanvil', { model: 'X99' }),
        device('7c2f80000001', 'gigaset', { model: 'Maxwell 9' }),
        device('00095200000e', 'auerswald', { model: 'COMfortel D400' }),
        device('0021f2000001', 'flyingvoice', { model: 'X4' }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.devices[0]]),
      [
        ['unknown-model', '7c2f80000001'],
        ['unknown-model', '0021f2000001'],
        ['unknown-model', '0c383e07e16c'],
      ],
    );
    assert.match(
      findings[2]!.problem,
      /^model "X99" is not a fanvil model the fanvil driver knows$/,
    );
    assert.match(findings[0]!.fix, /known: Maxwell 3, Maxwell Basic, Maxwell 2, Maxwell 4/);
    assert.match(findings[1]!.fix, /FIP10 to FIP16/);
  });

  test('firmware-image: a firmware.accessories image the catalogue lacks, for the bases that name it', () => {
    const handsets = { 'firmware.accessories': ['W56H=61.87.0.5', 'W73H=116.87.0.5'] };
    const findings = check({
      profiles: new Map([profile('dect', handsets)]),
      firmware: [{ vendor: 'yealink', model: 'w56h', version: '61.87.0.5' }],
      devices: [
        device('805ec0000077', 'yealink', { model: 'W60B', profiles: ['dect'] }),
        device('805ec0000078', 'yealink', { model: 'W60B', profiles: ['dect'] }),
        device('805ec0000079', 'yealink', {
          model: 'W60B',
          settings: { ...account, 'firmware.accessories': ['W56H=61.87.0.5'] },
        }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.problem, f.devices]),
      [
        [
          'firmware-image',
          'firmware.accessories names W73H=116.87.0.5, which has no catalogue image for yealink W73H: the phone is not offered it',
          ['805ec0000077', '805ec0000078'],
        ],
      ],
    );
    assert.match(
      findings[0]!.fix,
      /--model W73H --version 116\.87\.0\.5\) or change firmware\.accessories \(from profile "dect"\)/,
    );
  });

  test('the five families of more phones: their models are known, and others are found', () => {
    const clean = check({
      devices: [
        device('805ec0000077', 'yealink', { model: 'W60B' }),
        device('001565aabbcc', 'yealink', { model: 'T46S' }),
        device('000413a11fa7', 'snom', { model: 'D345' }),
        device('0004f200106c', 'poly', { model: 'VVX450' }),
        device('000b82123456', 'grandstream', { model: 'GXP2130' }),
        device('00562b043615', 'cisco', { model: 'CP-8841-3PCC' }),
        device('002699aabbcc', 'cisco-spa', { model: 'SPA504G' }),
      ],
    });
    assert.deepEqual(clean, []);
    const findings = check({
      devices: [
        device('000b82123456', 'grandstream', { model: 'X4' }),
        device('00562b043615', 'cisco', { model: 'SPA504G' }),
        device('002699aabbcc', 'cisco-spa', { model: 'CP-8841-3PCC' }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.devices[0], f.fix.replace(/^.*known: /, '')]),
      [
        [
          'unknown-model',
          '002699aabbcc',
          'SPA30x, SPA50x, SPA52x and SPA1xx as the phone names itself, e.g. SPA504G',
        ],
        [
          'unknown-model',
          '00562b043615',
          'the 68xx, 78xx and 88xx multiplatform phones, e.g. CP-8841-3PCC',
        ],
        [
          'unknown-model',
          '000b82123456',
          'the GXP, GRP, GXV, DP, WP and HT series as the phone names itself, e.g. GXP2130',
        ],
      ],
    );
  });

  test('access-policy: device credentials for phones that cannot take their own, unless typed in', () => {
    const policy = { 'provisioning.access': 'device-credentials' };
    const findings = check({
      profiles: new Map([
        profile('default', policy),
        profile('typed', { 'provisioning.first_contact_window': 0 }),
      ]),
      devices: [
        device('7c2f80000001', 'gigaset'),
        device('00095200000e', 'auerswald'),
        device('0021f2000001', 'flyingvoice'),
        device('0c383e07e16c', 'fanvil'),
        device('7c2f80000002', 'gigaset', { profiles: ['typed'] }),
      ],
    });
    assert.equal(findings.length, 2);
    assert.deepEqual(
      findings.map((f) => [f.kind, f.devices]),
      [
        ['access-policy', ['00095200000e']],
        ['access-policy', ['7c2f80000001']],
      ],
    );
    assert.match(
      findings[1]!.problem,
      /device-credentials \(from profile "default"\), but gigaset phones cannot take credentials/,
    );
    assert.match(findings[1]!.fix, /provisioning\.first_contact_window=0/);
  });

  test('registrar: a profile chain that leaves an account without registrar', () => {
    const findings = check({
      profiles: new Map([
        profile('office', { 'accounts.1.registrar': 'pbx.office.example' }),
        profile('second', { 'accounts.2.user': '2002' }),
      ]),
      devices: [
        device('0021f2000001', 'flyingvoice', { settings: { 'accounts.1.user': '1001' } }),
        device('0021f2000002', 'flyingvoice', {
          profiles: ['office'],
          settings: { 'accounts.1.user': '1002' },
        }),
        device('0021f2000003', 'flyingvoice', {
          profiles: ['office', 'second'],
          settings: { 'accounts.1.user': '1003' },
        }),
        device('0021f2000004', 'flyingvoice', {
          settings: { 'accounts.1.user': '1004', 'accounts.1.enabled': false },
        }),
        device('0021f2000005', 'flyingvoice', { settings: {} }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.problem, f.devices]),
      [
        [
          'registrar',
          'accounts.1 has a user but no registrar: the phone cannot register',
          ['0021f2000001'],
        ],
        [
          'registrar',
          'accounts.2 has a user but no registrar: the phone cannot register',
          ['0021f2000003'],
        ],
      ],
    );
  });

  test('capacity: accounts and keys past what the model has, from the device or its profiles', () => {
    const wide = { 'accounts.4.user': '4004', 'accounts.4.registrar': 'pbx.example.com' };
    const findings = check({
      profiles: new Map([profile('busy', { 'keys.13.type': 'blf', 'keys.13.value': '2013' })]),
      devices: [
        device('000b82000001', 'grandstream', {
          model: 'GXP2130',
          settings: { ...account, ...wide },
        }),
        device('000b82000002', 'grandstream', { model: 'GXP2130', profiles: ['busy'] }),
        // A GXP2170 has 12 accounts and 48 keys: nothing to say.
        device('000b82000003', 'grandstream', {
          model: 'GXP2170',
          profiles: ['busy'],
          settings: { ...account, ...wide },
        }),
        device('000413000001', 'snom', {
          model: 'D345',
          settings: { ...account, 'accounts.13.user': '13', 'accounts.13.registrar': 'pbx' },
        }),
      ],
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.problem, f.devices]),
      [
        [
          'capacity',
          "accounts.13: a D345 has accounts 1–12 (the most of its family; its own count is not known here); the phone's file leaves it out",
          ['000413000001'],
        ],
        [
          'capacity',
          "accounts.4: a GXP2130 has accounts 1–3; the phone's file leaves it out",
          ['000b82000001'],
        ],
        [
          'capacity',
          "keys.13: a GXP2130 has line keys 1–12; the phone's file leaves it out",
          ['000b82000002'],
        ],
      ],
    );
  });

  test('100,000 devices: settings are merged once per profile chain, and nothing is rendered', () => {
    let lookups = 0;
    const stored = new Map([
      profile('default', { 'firmware.version': '2.12.0.1' }),
      profile('office', { 'accounts.1.registrar': 'pbx.office.example' }),
      profile('lab', { 'security.config_encryption': true, 'security.config_key': FANVIL_KEY }),
    ]);
    const profiles = {
      get: (name: string): Profile | undefined => {
        lookups++;
        return stored.get(name);
      },
      has: (name: string): boolean => stored.has(name),
    } as unknown as ReadonlyMap<string, Profile>;
    const refuse = (): never => assert.fail('check must not render');
    const silent = drivers.map((d): Driver => ({
      ...d,
      render: refuse,
      explain: refuse,
      recognise: refuse,
    }));
    const chains = [['office'], ['office', 'lab'], ['lab']];
    const devices = Array.from({ length: 100_000 }, (_, i) =>
      device(`0c383e${i.toString(16).padStart(6, '0')}`, i % 2 ? 'fanvil' : 'yealink', {
        model: i % 2 ? 'X4' : 'T54W',
        profiles: chains[i % 3]!,
        settings: { 'accounts.1.user': String(1000 + i) },
      }),
    );
    const findings = checkDevices({
      devices,
      profiles,
      firmware: [{ vendor: 'fanvil', model: 'X4', version: '2.12.0.1' }],
      drivers: silent,
    });
    // default plus the chain's own profiles, once per chain (3 chains, 2 + 3 + 2 lookups).
    assert.ok(lookups <= 7, `${lookups} profile lookups`);
    const count = (kind: string): number =>
      findings.filter((f) => f.kind === kind).reduce((n, f) => n + f.count, 0);
    assert.equal(count('firmware-image'), 50_000);
    assert.equal(count('config-key'), Math.ceil((100_000 * 2) / 3 / 2) - 1);
    assert.ok(count('registrar') > 0);
  });
});
