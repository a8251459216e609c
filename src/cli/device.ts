import { readFileSync } from 'node:fs';

import { pndError } from '../errors.ts';
import type { PendingPhone, ResyncOutcome } from '../model/resync.ts';
import { assignments, dataDirOf, need, parse, strings, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';
import { printWarnings } from './warnings.ts';

const USAGE = `plugndial device add <mac> --vendor V [--model M] [--profile P]… [--set key=value]…
plugndial device list [--vendor V] [--profile P] [--json]
plugndial device show <mac> [--json] [--secrets]
plugndial device set <mac> [--vendor V] [--model M] [--profile P]… [--set key=value]… [--unset key]…
plugndial device rm <mac>
plugndial device credentials <mac> [--secrets] [--rotate [--grace SECONDS]] [--reopen] [--json]
plugndial device import <file.csv>
plugndial device pending [--json]          phones plug-and-play found that are not devices
plugndial device claim <mac> [--vendor V] [--model M] [--profile P]… [--set key=value]…`;

interface DeviceJson {
  mac: string;
  vendor: string;
  model: string | null;
  profiles: string[];
  settings: Record<string, unknown>;
  reported: Record<string, string>;
  lastContact: { at: string; address: string; file: string; userAgent?: string } | null;
  lastResync?: ResyncOutcome | null;
}

export async function deviceCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    vendor: { type: 'string' },
    model: { type: 'string' },
    profile: { type: 'string', multiple: true },
    set: { type: 'string', multiple: true },
    unset: { type: 'string', multiple: true },
    secrets: { type: 'boolean' },
    rotate: { type: 'boolean' },
    reopen: { type: 'boolean' },
    grace: { type: 'string' },
  });
  const [action] = positionals;
  if (values['help'] || !action) {
    io.out(`${USAGE}\n`);
    return action ? 0 : 2;
  }
  const client = await connect(dataDirOf(values));
  try {
    switch (action) {
      case 'add': {
        const mac = need(positionals, 1, 'MAC', USAGE);
        if (!values['vendor'])
          throw pndError(
            'PND_INVALID_ARGUMENT',
            'device add needs --vendor (e.g. --vendor flyingvoice)',
          );
        const result = await client.request<{ devices: DeviceJson[] }>('POST', '/devices', {
          mac,
          vendor: values['vendor'],
          profiles: strings(values['profile']),
          settings: assignments(values['set']),
          ...(values['model'] ? { model: values['model'] } : {}),
        });
        io.out(`added ${result.devices[0]?.mac}\n`);
        printWarnings(io, result);
        return 0;
      }
      case 'list': {
        const q = new URLSearchParams();
        if (values['vendor']) q.set('vendor', String(values['vendor']));
        const profile = strings(values['profile'])[0];
        if (profile) q.set('profile', profile);
        const devices = await client.request<DeviceJson[]>(
          'GET',
          `/devices${q.size ? `?${q}` : ''}`,
        );
        if (values['json']) io.out(`${JSON.stringify(devices, null, 2)}\n`);
        else
          io.out(
            table(
              ['MAC', 'VENDOR', 'MODEL', 'PROFILES', 'LAST CONTACT'],
              devices.map((d) => [
                d.mac,
                d.vendor,
                d.model ?? d.reported['model'] ?? '',
                d.profiles.join(','),
                d.lastContact
                  ? `${d.lastContact.at} ${d.lastContact.address} ${d.lastContact.file}`
                  : 'never',
              ]),
            ),
          );
        return 0;
      }
      case 'show': {
        const mac = need(positionals, 1, 'MAC', USAGE);
        const device = await client.request<DeviceJson>(
          'GET',
          `/devices/${encodeURIComponent(mac)}${values['secrets'] ? '?secrets=true' : ''}`,
        );
        if (values['json']) io.out(`${JSON.stringify(device, null, 2)}\n`);
        else io.out(showText(device));
        return 0;
      }
      case 'set': {
        const mac = need(positionals, 1, 'MAC', USAGE);
        const patch: Record<string, unknown> = {
          settings: assignments(values['set']),
          unset: strings(values['unset']),
        };
        if (values['vendor']) patch['vendor'] = values['vendor'];
        if (values['model']) patch['model'] = values['model'];
        if (values['profile']) patch['profiles'] = strings(values['profile']);
        const device = await client.request<DeviceJson>(
          'PATCH',
          `/devices/${encodeURIComponent(mac)}`,
          patch,
        );
        io.out(`updated ${device.mac}\n`);
        printWarnings(io, device);
        return 0;
      }
      case 'credentials': {
        const mac = need(positionals, 1, 'MAC', USAGE);
        const path = `/devices/${encodeURIComponent(mac)}/credentials`;
        const query = values['secrets'] ? '?secrets=true' : '';
        const change = values['rotate'] || values['reopen'];
        const grace = values['grace'] === undefined ? undefined : Number(values['grace']);
        const shown = await client.request<CredentialsJson>(
          change ? 'POST' : 'GET',
          change ? `${path}/rotate${query}` : `${path}${query}`,
          change
            ? { reopen: values['reopen'] === true, ...(grace !== undefined ? { grace } : {}) }
            : undefined,
        );
        if (values['json']) io.out(`${JSON.stringify(shown, null, 2)}\n`);
        else io.out(credentialsText(shown));
        return 0;
      }
      case 'rm': {
        const mac = need(positionals, 1, 'MAC', USAGE);
        const result = await client.request<{ removed: string }>(
          'DELETE',
          `/devices/${encodeURIComponent(mac)}`,
        );
        io.out(`removed ${result.removed}\n`);
        return 0;
      }
      case 'import': {
        const file = need(positionals, 1, 'CSV file', USAGE);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (error) {
          throw pndError(
            'PND_INVALID_ARGUMENT',
            `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
        const result = await client.request<{ added: number }>(
          'POST',
          '/devices/import',
          text,
          'text/csv',
        );
        io.out(`imported ${result.added} devices\n`);
        printWarnings(io, result);
        return 0;
      }
      case 'pending': {
        const pending = await client.request<PendingPhone[]>('GET', '/pending');
        if (values['json']) io.out(`${JSON.stringify(pending, null, 2)}\n`);
        else
          io.out(
            table(
              ['MAC', 'VENDOR', 'MODEL', 'FIRMWARE', 'ADDRESS', 'LAST SEEN', 'SEEN'],
              pending.map((p) => [
                p.mac,
                p.vendor ?? '?',
                p.model ?? '',
                p.firmware ?? '',
                p.address,
                p.lastSeen,
                String(p.sightings),
              ]),
            ),
          );
        return 0;
      }
      case 'claim': {
        const mac = need(positionals, 1, 'MAC', USAGE);
        const device = await client.request<DeviceJson>(
          'POST',
          `/pending/${encodeURIComponent(mac)}/claim`,
          {
            ...(values['vendor'] ? { vendor: values['vendor'] } : {}),
            ...(values['model'] ? { model: values['model'] } : {}),
            ...(values['profile'] ? { profiles: strings(values['profile']) } : {}),
            settings: assignments(values['set']),
          },
        );
        io.out(`claimed ${device.mac} as ${device.vendor}\n`);
        printWarnings(io, device);
        return 0;
      }
      default:
        throw pndError('PND_INVALID_ARGUMENT', `unknown action "${action}"; usage:\n${USAGE}`);
    }
  } finally {
    await client.close();
  }
}

interface CredentialsJson {
  mac: string;
  policy: string;
  username: string;
  password: string;
  previousPasswordUntil: string | null;
  rotatedAt: string;
  firstContact: { openedAt: string | null; closedAt: string | null };
}

function credentialsText(c: CredentialsJson): string {
  const window = c.firstContact.closedAt
    ? `closed ${c.firstContact.closedAt}`
    : c.firstContact.openedAt
      ? `open since ${c.firstContact.openedAt}`
      : 'not used yet';
  return `${[
    `mac            ${c.mac}`,
    `policy         ${c.policy}`,
    `username       ${c.username}`,
    `password       ${c.password}`,
    `rotated        ${c.rotatedAt}${c.previousPasswordUntil ? ` (old password accepted until ${c.previousPasswordUntil})` : ''}`,
    `first contact  ${window}`,
  ].join('\n')}\n`;
}

function showText(device: DeviceJson): string {
  const lines = [
    `mac        ${device.mac}`,
    `vendor     ${device.vendor}`,
    `model      ${device.model ?? ''}`,
    `profiles   ${device.profiles.join(', ')}`,
    `reported   ${Object.entries(device.reported)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `last seen  ${device.lastContact ? `${device.lastContact.at} from ${device.lastContact.address} fetching ${device.lastContact.file}` : 'never'}`,
    `resync     ${resyncText(device.lastResync)}`,
    'settings',
    ...Object.entries(device.settings).map(
      ([k, v]) => `  ${k}=${Array.isArray(v) ? v.join(',') : String(v)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function resyncText(outcome: ResyncOutcome | null | undefined): string {
  if (!outcome) return 'never';
  const verdict = outcome.ok ? 'ok' : (outcome.reason ?? 'failed');
  return `${outcome.at} ${outcome.event} to ${outcome.target}: ${outcome.status} ${verdict}`;
}
