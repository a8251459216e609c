import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { pndError } from '../errors.ts';
import type { PendingPhone, ResyncOutcome } from '../model/resync.ts';
import { assignments, dataDirOf, need, onlyOperand, parse, strings, table } from './args.ts';
import { connect } from './client.ts';
import { resyncAdvice } from './resync.ts';
import type { CommandIO } from './io.ts';
import { printWarnings } from './warnings.ts';
import { answerHelp, synopsis, type ActionUsage } from './usage.ts';

const USAGE: ActionUsage = {
  command: 'device',
  actions: {
    add: `plugndial device add <mac> --vendor V [--model M] [--profile P]… [--set key=value]…
Adds one device. --profile names profiles to apply, in order (repeatable); --set gives the
device's own settings (see plugndial settings).`,
    list: `plugndial device list [--vendor V] [--profile P] [--json]
Lists devices (all, or of one vendor or profile) with their last contact.`,
    show: `plugndial device show <mac> [--json] [--secrets]
A device's settings (passwords and keys masked unless --secrets), what its phone reported,
its last contact and its last resync.`,
    set: `plugndial device set <mac> [--vendor V] [--model M] [--profile P]… [--set key=value]… [--unset key]…
Changes a device: --set and --unset change only the keys named; --profile replaces the list.`,
    rm: `plugndial device rm <mac>
Removes a device (its phone gets the answer of an unknown phone from then on).`,
    credentials: `plugndial device credentials <mac> [--secrets] [--rotate [--grace SECONDS]] [--reopen] [--json]
The device's provisioning credentials (provisioning.access=device-credentials): user, password
(masked unless --secrets), first-contact window. --rotate makes a new password (the old one
works for --grace seconds, default provisioning.credential_grace); --reopen opens one more
first contact (a factory-reset phone).`,
    import: `plugndial device import <file.csv> [--update] [--check]
Adds the devices of a CSV file, all or nothing: with one bad row none is stored, and every
bad row is reported (up to 100) by its line in the file.
--update  changes the devices that exist (the row's non-empty cells) and adds the others
--check   checks the file as the import would, and stores nothing
Columns, named by a header row in any order:
  mac       required: the phone's MAC (00:15:65:00:00:01, 00-15-65-00-00-01 or 001565000001)
  vendor    required: auerswald, cisco, cisco-spa, fanvil, flyingvoice, gigaset, grandstream,
            oem, poly, snom or yealink
  model     the model, e.g. T46S, X4, Maxwell 3, leadtek/LR8051S
  profiles  profiles to apply, in order, separated by ; or |
  any canonical setting (plugndial settings), e.g. accounts.1.user, and
  native.<vendor>.<vendor key>; an empty cell leaves that setting unset
Example:
  mac,vendor,profiles,accounts.1.user,accounts.1.password
  00:15:65:00:00:01,yealink,office,1001,s3cret`,
    pending: `plugndial device pending [--json]
Phones that plug-and-play found and that are not devices (for device claim).`,
    claim: `plugndial device claim <mac> [--vendor V] [--model M] [--profile P]… [--set key=value]…
Makes a pending phone a device; the vendor and model it reported are used unless given.`,
  },
};

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
    update: { type: 'boolean' },
    check: { type: 'boolean' },
  });
  const [action] = positionals;
  const helped = answerHelp(USAGE, action, values['help'] === true, io);
  if (helped !== undefined) return helped;
  const client = await connect(dataDirOf(values));
  try {
    switch (action) {
      case 'add': {
        const mac = onlyOperand(positionals, 'MAC', synopsis(USAGE, action));
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
        const mac = onlyOperand(positionals, 'MAC', synopsis(USAGE, action));
        const device = await client.request<DeviceJson>(
          'GET',
          `/devices/${encodeURIComponent(mac)}${values['secrets'] ? '?secrets=true' : ''}`,
        );
        if (values['json']) io.out(`${JSON.stringify(device, null, 2)}\n`);
        else io.out(showText(device));
        return 0;
      }
      case 'set': {
        const mac = onlyOperand(positionals, 'MAC', synopsis(USAGE, action));
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
        const mac = onlyOperand(positionals, 'MAC', synopsis(USAGE, action));
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
        const mac = onlyOperand(positionals, 'MAC', synopsis(USAGE, action));
        const result = await client.request<{ removed: string }>(
          'DELETE',
          `/devices/${encodeURIComponent(mac)}`,
        );
        io.out(`removed ${result.removed}\n`);
        return 0;
      }
      case 'import': {
        const file = need(positionals, 1, 'CSV file', synopsis(USAGE, action));
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (error) {
          throw pndError(
            'PND_INVALID_ARGUMENT',
            `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
        const query = new URLSearchParams({ file: basename(file) });
        if (values['update']) query.set('update', 'true');
        if (values['check']) query.set('check', 'true');
        const result = await client.request<{ added: number; updated: number; checked: boolean }>(
          'POST',
          `/devices/import?${query}`,
          text,
          'text/csv',
        );
        const total = result.added + result.updated;
        const devices = `${total} ${total === 1 ? 'device' : 'devices'}`;
        if (result.checked)
          io.out(
            `checked ${devices}: ${result.added} would be added, ${result.updated} updated; nothing was stored\n`,
          );
        else if (values['update'])
          io.out(`imported ${devices}: ${result.added} added, ${result.updated} updated\n`);
        else io.out(`imported ${devices}\n`);
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
        const mac = onlyOperand(positionals, 'MAC', synopsis(USAGE, action));
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
        throw pndError('PND_INVALID_ARGUMENT', `unknown action "${action}"`);
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
    `resync     ${resyncText(device.mac, device.lastResync)}`,
    'settings',
    ...Object.entries(device.settings).map(
      ([k, v]) => `  ${k}=${Array.isArray(v) ? v.join(',') : String(v)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function resyncText(mac: string, outcome: ResyncOutcome | null | undefined): string {
  if (!outcome) return 'never';
  const verdict = outcome.ok ? 'ok' : (outcome.reason ?? 'failed');
  const advice = resyncAdvice(mac, outcome);
  return `${outcome.at} ${outcome.event} to ${outcome.target}: ${outcome.status} ${verdict}${advice ? ` (${advice})` : ''}`;
}
