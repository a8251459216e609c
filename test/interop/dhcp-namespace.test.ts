// DHCP against real peers, in two network namespaces this test creates and removes: the
// server side runs `plugndial serve` and dnsmasq with the snippet `plugndial dhcp` printed
// (read from the running server's data directory); the phone side runs `plugndial simulate
// --via dhcp`, whose busybox udhcpc sends each vendor's option 60 from a MAC of that
// vendor's block or of no block. Each phone must derive the URL its driver wants, then
// fetch its files across the namespaces. ISC dhcpd and Kea check their snippets (-t).
// Needs root (CI runs as root); the machine's own interfaces are never touched.

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';

import { hasPeer, requirePeer } from '../support/peer.ts';
import { BIN } from '../support/serve.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr: stderr || (error && code === null ? error.message : '') });
    });
  });
}

async function must(command: string, args: string[], timeoutMs?: number): Promise<string> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** A process kept running until after(); its output is kept for failure messages. */
interface Daemon {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function daemon(command: string, args: string[]): Daemon {
  // Its own process group: `ip netns exec` forks, so stopping means the group, not one pid.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 200_000) output += chunk.toString();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group is gone already.
    }
  };
  let stopped: Promise<void> | undefined;
  return {
    child,
    output: () => output,
    stop: () =>
      (stopped ??= new Promise((done) => {
        const kill = setTimeout(() => signal('SIGKILL'), 8_000);
        const finish = (): void => {
          clearTimeout(kill);
          // Whatever the leader left behind in its group goes too.
          signal('SIGKILL');
          done();
        };
        if (child.exitCode !== null || child.signalCode !== null) return finish();
        child.once('exit', finish);
        signal('SIGTERM');
      })),
  };
}

/** Waits, at most `ms`, for `ready()`; bounded in time and in rounds. */
async function waitFor(what: string, ready: () => boolean, ms: number, log: () => string) {
  const deadline = Date.now() + ms;
  const rounds = Math.ceil(ms / 50) + 1;
  for (let round = 0; round < rounds && Date.now() < deadline; round++) {
    if (ready()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not ready in ${ms} ms:\n${log().slice(-3000)}`);
}

const id = randomBytes(3).toString('hex');
const SERVER_NS = `pnd-dhcp-${id}-s`;
const PHONE_NS = `pnd-dhcp-${id}-p`;
const SERVER_IF = `pnd${id}s`;
const PHONE_IF = `pnd${id}p`;
// A /24 in 10.0.0.0/8 that exists only inside the two namespaces.
const NET = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]!}`;
const SERVER = `${NET}.1`;

interface Phone {
  vendor: string;
  /** A MAC of the vendor's block: matched by MAC prefix, sending no vendor class. */
  blockMac: string;
  /** A locally administered MAC: matched by the vendor class only. */
  plainMac: string;
  vendorClass: string;
  url: string;
  /** simulate flags the phone needs beyond vendor and MAC. */
  extra?: string[];
}

const PHONES: Phone[] = [
  {
    vendor: 'flyingvoice',
    blockMac: '0021f2a00001',
    plainMac: '02a0a0000001',
    vendorClass: 'Flyingvoice FIP14G',
    url: `tftp://${SERVER}/`,
  },
  {
    vendor: 'yealink',
    blockMac: '001565a00002',
    plainMac: '02a0a0000002',
    vendorClass: 'yealink',
    url: `tftp://${SERVER}/`,
  },
  {
    vendor: 'gigaset',
    blockMac: '7c2f80a00003',
    plainMac: '02a0a0000003',
    vendorClass: 'Gigaset_N720_DM_PRO',
    url: `http://${SERVER}/gigaset/%MACD`,
  },
  {
    vendor: 'fanvil',
    blockMac: '0c383ea00004',
    plainMac: '02a0a0000004',
    vendorClass: 'Fanvil X4',
    url: `tftp://${SERVER}/$mac.cfg`,
  },
  {
    vendor: 'auerswald',
    blockMac: '000952a00005',
    plainMac: '02a0a0000005',
    vendorClass: 'Auerswald COMfortel D200',
    url: `http://${SERVER}/auerswald/{mac}.xml?sn={serial}&hw={type}`,
    extra: ['--serial', '123412341234', '--model', 'D200'],
  },
  {
    // No vendor class or block is known for these: the operator names them.
    vendor: 'oem',
    blockMac: '02bbbba00006',
    plainMac: '02a0a0000006',
    vendorClass: 'PND-OEM',
    url: `http://${SERVER}/`,
    extra: ['--model', 'OEM/Model1'],
  },
  {
    vendor: 'grandstream',
    blockMac: '000b82a00007',
    plainMac: '02a0a0000007',
    vendorClass: 'Grandstream GXP2130',
    url: `http://${SERVER}/`,
  },
  {
    // 66 a bare TFTP host and 150 its address: the phone reads 66 first.
    vendor: 'cisco',
    blockMac: 'd0ec35a00008',
    plainMac: '02a0a0000008',
    vendorClass: 'CP-8841-3PCC',
    url: `tftp://${SERVER}/`,
  },
  {
    vendor: 'cisco-spa',
    blockMac: '002699a00009',
    plainMac: '02a0a0000009',
    vendorClass: 'Cisco SPA504G',
    url: `tftp://${SERVER}/`,
  },
];
const OPERATOR_FLAGS = ['--vendor-class', 'oem=PND-OEM', '--mac-prefix', 'oem=02:bb:bb'];

const SETTINGS = 'accounts.1.user,accounts.1.password,accounts.1.registrar';

function csv(): string {
  const rows = PHONES.flatMap((p) =>
    [p.blockMac, p.plainMac].map((mac, i) =>
      [mac, p.vendor, '', `10${i}${PHONES.indexOf(p)}`, 's3cret', 'pbx.example.com'].join(','),
    ),
  );
  return [`mac,vendor,profiles,${SETTINGS}`, ...rows].join('\n') + '\n';
}

/** A whole Kea configuration around the snippet, which Kea includes where it stands. */
function keaConfig(interfaces: string[], snippet: string): string {
  return `{ "Dhcp4": {
  "interfaces-config": { "interfaces": ${JSON.stringify(interfaces)} },
  "lease-database": { "type": "memfile", "persist": false },
  "subnet4": [ { "id": 1, "subnet": "${NET}.0/24", "pools": [ { "pool": "${NET}.100 - ${NET}.199" } ] } ],
  <?include "${snippet}" ?>
} }
`;
}

let root: string;
let dataDir: string;
let created = false;
let serve: Daemon | undefined;
let dnsmasq: Daemon | undefined;
/** The DHCP server the phones are talking to now. */
let dhcpServer: Daemon | undefined;
const snippets: Record<string, string> = {};

/** Root, ip, busybox and dnsmasq, else skip (fail under CI). */
function ready(t: TestContext): boolean {
  if (process.getuid?.() !== 0) {
    if (process.env['CI']) throw new Error('the DHCP namespace test needs root');
    t.skip('needs root for network namespaces');
    return false;
  }
  return (
    requirePeer(t, 'ip', 'iproute2') &&
    requirePeer(t, 'busybox', 'busybox') &&
    requirePeer(t, 'dnsmasq', 'dnsmasq')
  );
}

const peersPresent =
  process.getuid?.() === 0 && ['ip', 'busybox', 'dnsmasq'].every((b) => hasPeer(b));

describe('DHCP: dnsmasq with the generated snippet, phones in another namespace', () => {
  before(async () => {
    if (!peersPresent) return;
    root = await mkdtemp(join(tmpdir(), 'pnd-dhcp-'));
    dataDir = join(root, 'data');
    await writeFile(join(root, 'phones.csv'), csv());

    await must('ip', ['netns', 'add', SERVER_NS]);
    created = true;
    await must('ip', ['netns', 'add', PHONE_NS]);
    // Both ends are created inside the namespaces: nothing appears in the machine's own.
    await must('ip', [
      'link',
      'add',
      SERVER_IF,
      'netns',
      SERVER_NS,
      'type',
      'veth',
      'peer',
      'name',
      PHONE_IF,
      'netns',
      PHONE_NS,
    ]);
    await must('ip', ['-n', SERVER_NS, 'addr', 'add', `${SERVER}/24`, 'dev', SERVER_IF]);
    for (const [ns, dev] of [
      [SERVER_NS, SERVER_IF],
      [PHONE_NS, PHONE_IF],
    ] as const) {
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }

    // The namespace has its own ports: the doors take the standard ones, 80 and 69.
    serve = daemon('ip', [
      'netns',
      'exec',
      SERVER_NS,
      BIN,
      'serve',
      '--admin',
      'off',
      '--data-dir',
      dataDir,
      '--http',
      `${SERVER}:80`,
      '--tftp',
      `${SERVER}:69`,
      '--sip',
      'off',
    ]);
    await waitFor(
      'plugndial serve',
      () => serve!.output().includes('plugndial ready'),
      60_000,
      () => serve!.output(),
    );

    // Through the running server's API, which listens inside the server's namespace.
    await must(
      'ip',
      [
        'netns',
        'exec',
        SERVER_NS,
        BIN,
        'device',
        'import',
        join(root, 'phones.csv'),
        '--data-dir',
        dataDir,
      ],
      30_000,
    );
    // The running server's data directory says where its doors are.
    await Promise.all(
      ['dnsmasq', 'isc', 'kea'].map(async (format) => {
        snippets[format] = await must(BIN, [
          'dhcp',
          '--format',
          format,
          '--data-dir',
          dataDir,
          ...OPERATOR_FLAGS,
        ]);
      }),
    );
    await writeFile(join(root, 'plugndial.conf'), snippets['dnsmasq']!);
    await writeFile(
      join(root, 'dnsmasq.conf'),
      [
        `interface=${SERVER_IF}`,
        'bind-interfaces',
        `dhcp-range=${NET}.100,${NET}.199,255.255.255.0,10m`,
        `conf-file=${join(root, 'plugndial.conf')}`,
        '',
      ].join('\n'),
    );
    dnsmasq = daemon('ip', [
      'netns',
      'exec',
      SERVER_NS,
      'dnsmasq',
      '--no-daemon',
      `--conf-file=${join(root, 'dnsmasq.conf')}`,
      '--port=0',
      `--dhcp-leasefile=${join(root, 'dnsmasq.leases')}`,
      `--pid-file=${join(root, 'dnsmasq.pid')}`,
      '--no-ping',
      '--log-dhcp',
      '--user=root',
      '--group=root',
    ]);
    dhcpServer = dnsmasq;
    await waitFor(
      'dnsmasq',
      () => /DHCP, IP range/.test(dnsmasq!.output()),
      10_000,
      () => dnsmasq!.output(),
    );
  });

  after(async () => {
    await dnsmasq?.stop();
    await dhcpServer?.stop();
    await serve?.stop();
    if (created) {
      await run('ip', ['netns', 'del', PHONE_NS]);
      await run('ip', ['netns', 'del', SERVER_NS]);
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** One phone boots: its MAC on the interface, a lease, the URL, its fetch sequence. */
  async function boot(phone: Phone, mac: string, vendorClass: string) {
    await must('ip', ['-n', PHONE_NS, 'addr', 'flush', 'dev', PHONE_IF]);
    const colons = mac.match(/../g)!.join(':');
    await must('ip', ['-n', PHONE_NS, 'link', 'set', 'dev', PHONE_IF, 'address', colons]);
    const result = await run(
      'ip',
      [
        'netns',
        'exec',
        PHONE_NS,
        BIN,
        'simulate',
        mac,
        '--vendor',
        phone.vendor,
        '--via',
        'dhcp',
        '--interface',
        PHONE_IF,
        '--vendor-class',
        vendorClass,
        '--json',
        ...(phone.extra ?? []),
      ],
      30_000,
    );
    const derived = /^dhcp (\S+) \(from option ([\d +]+)\)$/m.exec(result.stderr);
    const context = `${phone.vendor} ${mac}:\n${result.stderr}\n${dhcpServer!.output().slice(-2500)}`;
    assert.ok(derived, `no URL derived for ${context}`);
    const steps = result.stdout
      ? (JSON.parse(result.stdout) as { ok: boolean; steps: { url: string; status: number }[] })
      : undefined;
    return { url: derived[1]!, from: derived[2]!, code: result.code, steps, context };
  }

  for (const phone of PHONES) {
    it(`${phone.vendor}: by vendor class, the phone derives ${phone.url} and fetches its files`, async (t) => {
      if (!ready(t)) return;
      const booted = await boot(phone, phone.plainMac, phone.vendorClass);
      assert.equal(booted.url, phone.url, booted.context);
      assert.equal(booted.code, 0, booted.context);
      assert.ok(booted.steps?.ok, booted.context);
      const fetched = booted.steps!.steps.filter((s) => s.status === 200);
      assert.ok(fetched.length > 0, booted.context);
      for (const step of fetched) assert.ok(step.url.includes(SERVER), booted.context);
    });

    it(`${phone.vendor}: by MAC prefix alone, the phone derives the same URL`, async (t) => {
      if (!ready(t)) return;
      const booted = await boot(phone, phone.blockMac, '');
      assert.equal(booted.url, phone.url, booted.context);
      assert.equal(booted.code, 0, booted.context);
    });
  }

  it('a phone of an unknown vendor class and MAC block gets no provisioning URL', async (t) => {
    if (!ready(t)) return;
    await must('ip', ['-n', PHONE_NS, 'addr', 'flush', 'dev', PHONE_IF]);
    await must('ip', [
      '-n',
      PHONE_NS,
      'link',
      'set',
      'dev',
      PHONE_IF,
      'address',
      '02:cc:cc:00:00:01',
    ]);
    const result = await run('ip', [
      'netns',
      'exec',
      PHONE_NS,
      BIN,
      'simulate',
      '02cccc000001',
      '--vendor',
      'gigaset',
      '--via',
      'dhcp',
      '--interface',
      PHONE_IF,
      '--vendor-class',
      'SomeOtherPhone',
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /dhcp lease /);
    assert.match(result.stderr, /no URL for a gigaset phone/);
  });

  it('ISC dhcpd and Kea accept their snippets (dhcpd -t, kea-dhcp4 -t)', async (t) => {
    if (!ready(t)) return;
    const isc = requirePeer(t, 'dhcpd', 'isc-dhcp-server');
    const kea = requirePeer(t, 'kea-dhcp4', 'kea-dhcp4-server');
    if (isc) {
      await writeFile(join(root, 'isc-plugndial.conf'), snippets['isc']!);
      await writeFile(
        join(root, 'dhcpd.conf'),
        [
          'authoritative;',
          'ping-check false;',
          `subnet ${NET}.0 netmask 255.255.255.0 { range ${NET}.100 ${NET}.199; }`,
          `include "${join(root, 'isc-plugndial.conf')}";`,
          '',
        ].join('\n'),
      );
      const checked = await run('dhcpd', ['-t', '-4', '-cf', join(root, 'dhcpd.conf')]);
      assert.equal(checked.code, 0, `${checked.stderr}\n${snippets['isc']}`);
      assert.match(snippets['isc']!, /option default-url "http:\/\/[\d.]+\/gigaset\/%MACD";/);
    }
    if (kea) {
      await writeFile(join(root, 'kea-plugndial.json'), snippets['kea']!);
      await writeFile(
        join(root, 'kea-dhcp4.json'),
        keaConfig([], join(root, 'kea-plugndial.json')),
      );
      const checked = await run('kea-dhcp4', ['-t', join(root, 'kea-dhcp4.json')]);
      assert.equal(checked.code, 0, `${checked.stdout}\n${checked.stderr}\n${snippets['kea']}`);
      assert.match(snippets['kea']!, /"name": "v4-captive-portal"/);
    }
  });

  /** Phones that boot against each second server: by class, by MAC prefix, sub-options. */
  const SECOND = [
    { phone: PHONES[2]!, byClass: true },
    { phone: PHONES[1]!, byClass: false },
    { phone: PHONES[4]!, byClass: true },
  ];

  /** Once `server` says it serves, each phone of SECOND boots through it; then it stops. */
  async function secondPhonesBoot(server: Daemon, name: string, serving: RegExp): Promise<void> {
    try {
      await waitFor(
        name,
        () => serving.test(server.output()),
        10_000,
        () => server.output(),
      );
      for (const { phone, byClass } of SECOND) {
        const booted = await boot(
          phone,
          byClass ? phone.plainMac : phone.blockMac,
          byClass ? phone.vendorClass : '',
        );
        assert.equal(booted.url, phone.url, booted.context);
        assert.equal(booted.code, 0, booted.context);
      }
    } finally {
      await server.stop();
    }
  }

  it('ISC dhcpd serves its snippet: each phone derives the same URL', async (t) => {
    if (!ready(t) || !requirePeer(t, 'dhcpd', 'isc-dhcp-server')) return;
    await dnsmasq?.stop();
    await writeFile(join(root, 'dhcpd.leases'), '');
    dhcpServer = daemon('ip', [
      'netns',
      'exec',
      SERVER_NS,
      'dhcpd',
      '-f',
      '-4',
      '-cf',
      join(root, 'dhcpd.conf'),
      '-lf',
      join(root, 'dhcpd.leases'),
      '-pf',
      join(root, 'dhcpd.pid'),
      SERVER_IF,
    ]);
    await secondPhonesBoot(dhcpServer, 'dhcpd', /Sending on\s+LPF/);
  });

  it('Kea serves its snippet (114 as v4-captive-portal, 43 redefined per class)', async (t) => {
    if (!ready(t) || !requirePeer(t, 'kea-dhcp4', 'kea-dhcp4-server')) return;
    await dnsmasq?.stop();
    const config = join(root, 'kea-live.json');
    await writeFile(config, keaConfig([SERVER_IF], join(root, 'kea-plugndial.json')));
    dhcpServer = daemon('ip', [
      'netns',
      'exec',
      SERVER_NS,
      'env',
      `KEA_LOCKFILE_DIR=${root}`,
      `KEA_PIDFILE_DIR=${root}`,
      'kea-dhcp4',
      '-c',
      config,
    ]);
    await secondPhonesBoot(dhcpServer, 'kea-dhcp4', /DHCP4_STARTED/);
  });
});
