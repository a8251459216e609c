import type { FastifyInstance, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import { failuresByCategory, firmwareCompliance } from '../management/fleet-overview.ts';
import type { Device } from '../model/device.ts';
import { parseMac, type Mac } from '../model/mac.ts';
import { effectiveSettings } from '../model/merge.ts';
import { redactSettings } from '../model/settings.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import { MAX_PAGE } from '../store/fleet.ts';
import {
  DEVICE_SORT_KEYS,
  type DeviceSearch,
  type DeviceSortKey,
  type Store,
} from '../store/store.ts';
import {
  ANY_OBJECT,
  closed,
  list,
  MAC_PARAMS,
  replies,
  SECRETS_QUERY,
  SETTINGS,
  text,
  whole,
} from './schemas.ts';

export interface FleetRoutesOptions {
  store: Store;
  recorder: EventRecorder;
  now: () => Date;
}

const HOUR = 3_600_000;
const SEEN: Record<
  string,
  (now: number) => Pick<DeviceSearch, 'seenSince' | 'seenBefore' | 'never'>
> = {
  hour: (now) => ({ seenSince: iso(now - HOUR) }),
  day: (now) => ({ seenSince: iso(now - 24 * HOUR) }),
  week: (now) => ({ seenSince: iso(now - 7 * 24 * HOUR) }),
  stale: (now) => ({ seenBefore: iso(now - 24 * HOUR) }),
  never: () => ({ never: true }),
};

const CONTACT = {
  type: ['object', 'null'],
  properties: {
    at: text(),
    address: text(),
    file: text(),
    transport: text(),
    status: { type: 'integer' },
    userAgent: text(),
  },
};

/** A device as a row of the devices table: what it is, who uses it, when it was last seen. */
const FLEET_ROW = closed({
  mac: text(),
  vendor: text(),
  model: { type: ['string', 'null'], description: 'as the operator set it' },
  reportedModel: { type: ['string', 'null'], description: 'as the phone reported it' },
  profiles: list({ type: 'string' }),
  user: { type: ['string', 'null'], description: 'accounts.1.user' },
  label: { type: ['string', 'null'], description: 'accounts.1.label' },
  firmware: { type: ['string', 'null'], description: 'the version the phone reported' },
  lastContact: CONTACT,
  createdAt: text(),
  updatedAt: text(),
});

const COMPLIANCE = closed({
  vendor: text(),
  model: { type: ['string', 'null'] },
  target: text(),
  devices: { type: 'integer' },
  running: { type: 'integer', description: 'report the target version' },
  other: { type: 'integer', description: 'report another version' },
  unknown: { type: 'integer', description: 'reported no version yet' },
});

const OVERVIEW = closed({
  at: text(),
  devices: { type: 'integer' },
  seen: closed({
    hour: { type: 'integer', description: 'devices seen in the last hour' },
    day: { type: 'integer', description: 'devices seen in the last 24 hours' },
    never: { type: 'integer', description: 'devices never seen' },
  }),
  pending: {
    type: 'integer',
    description: 'phones that asked by plug-and-play and are not devices',
  },
  vendors: list(closed({ vendor: text(), devices: { type: 'integer' } })),
  profiles: list(closed({ profile: text(), devices: { type: 'integer' } })),
  failures: closed({
    since: text(),
    total: { type: 'integer' },
    categories: list(
      closed({
        category: text(
          'unknown-mac, refused, throttled, missing-file, transfer-fault, resync-timeout, resync-failed or other',
        ),
        count: { type: 'integer' },
        reasons: list(
          closed({
            reason: { type: ['string', 'null'] },
            transport: text(),
            category: text(),
            count: { type: 'integer' },
          }),
        ),
      }),
    ),
  }),
  firmware: closed({
    models: list(COMPLIANCE),
    untargeted: { type: 'integer', description: 'devices with no firmware.version' },
  }),
});

/** The fleet as the console shows it: the devices table, the overview, a device's effective settings. */
export async function fleetRoutes(
  app: FastifyInstance,
  options: FleetRoutesOptions,
): Promise<void> {
  const { store, now } = options;
  const macOf = (request: FastifyRequest): Mac => {
    const parsed = parseMac((request.params as Record<string, string>)['mac'] ?? '');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };

  app.get(
    '/fleet/devices',
    {
      schema: {
        summary:
          'one page of the devices table, searched, filtered and sorted by the database, and how many match',
        querystring: closed({
          q: text(
            'part of a MAC in any form, or of the vendor, model, accounts.1 user, label or display name, a profile, the reported firmware or the last address',
          ),
          vendor: text(),
          profile: text('devices that list this profile'),
          model: text('the model, own or else reported, without case'),
          firmware: text('the reported version; !version for any other, or none'),
          seen: {
            type: 'string',
            enum: Object.keys(SEEN),
            description: 'last contact: within the hour, day or week; stale (not in 24 h); never',
          },
          sort: { type: 'string', enum: [...DEVICE_SORT_KEYS], description: 'default mac' },
          order: { type: 'string', enum: ['asc', 'desc'], description: 'default asc' },
          limit: {
            ...whole(`rows of the page, at most ${MAX_PAGE}`),
            maximum: MAX_PAGE,
            default: 50,
          },
          offset: whole('rows skipped'),
        }),
        response: replies(200, closed({ total: { type: 'integer' }, devices: list(FLEET_ROW) })),
      },
    },
    async (request) => {
      const q = request.query as Record<string, string | number | undefined>;
      // Last contacts are written in batches: show what phones already did.
      await options.recorder.flush();
      const firmware = typeof q['firmware'] === 'string' ? q['firmware'] : undefined;
      const search: DeviceSearch = {
        limit: Number(q['limit'] ?? 50),
        offset: Number(q['offset'] ?? 0),
        ...(typeof q['q'] === 'string' ? { text: q['q'].slice(0, 200) } : {}),
        ...(typeof q['vendor'] === 'string' ? { vendor: q['vendor'] } : {}),
        ...(typeof q['profile'] === 'string' ? { profile: q['profile'] } : {}),
        ...(typeof q['model'] === 'string' ? { model: q['model'] } : {}),
        ...(firmware !== undefined
          ? {
              firmware: firmware.startsWith('!')
                ? { version: firmware.slice(1), not: true }
                : { version: firmware, not: false },
            }
          : {}),
        ...(typeof q['seen'] === 'string' ? SEEN[q['seen']]!(now().getTime()) : {}),
        ...(typeof q['sort'] === 'string' ? { sort: q['sort'] as DeviceSortKey } : {}),
        descending: q['order'] === 'desc',
      };
      const page = await store.searchDevices(search);
      return { total: page.total, devices: page.devices.map(fleetRow) };
    },
  );

  app.get(
    '/fleet/overview',
    {
      schema: {
        summary:
          'the fleet at a glance: devices seen in the last hour and day and never, the last hour’s failures by category and reason, firmware compliance per model, pending phones',
        response: replies(200, OVERVIEW),
      },
    },
    async () => {
      await options.recorder.flush();
      const at = now().getTime();
      const since = { hour: iso(at - HOUR), day: iso(at - 24 * HOUR), failures: iso(at - HOUR) };
      const counts = await store.fleetCounts(since);
      const profiles = new Map((await store.listProfiles()).map((p) => [p.name, p] as const));
      const compliance = firmwareCompliance(counts.firmware, profiles);
      return {
        at: iso(at),
        devices: counts.devices,
        seen: { hour: counts.seenSince.hour, day: counts.seenSince.day, never: counts.never },
        pending: counts.pending,
        vendors: counts.vendors,
        profiles: counts.profiles,
        failures: { since: since.failures, ...failuresByCategory(counts.failures) },
        firmware: { models: compliance.rows, untargeted: compliance.untargeted },
      };
    },
  );

  app.get(
    '/devices/:mac/effective',
    {
      schema: {
        summary:
          "the device's effective settings (defaults ◀ default profile ◀ its profiles ◀ the device) and where each value comes from; secrets masked unless secrets=true",
        params: MAC_PARAMS,
        querystring: SECRETS_QUERY,
        response: replies(
          200,
          closed({
            mac: text(),
            layers: list(text(), 'in the order they apply: schema, profile:<name>…, device'),
            settings: SETTINGS,
            origin: {
              ...ANY_OBJECT,
              description: 'by key: schema, profile:<name> or device',
              additionalProperties: { type: 'string' },
            },
          }),
          404,
        ),
      },
    },
    async (request) => {
      const mac = macOf(request);
      const device = await store.getDevice(mac);
      if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
      const profiles = new Map((await store.listProfiles()).map((p) => [p.name, p] as const));
      const effective = effectiveSettings(device, profiles);
      const secrets = (request.query as { secrets?: boolean }).secrets === true;
      const layers = [
        'schema',
        ...['default', ...device.profiles.filter((p) => p !== 'default')]
          .filter((name) => profiles.has(name))
          .map((name) => `profile:${name}`),
        'device',
      ];
      return {
        mac,
        layers,
        settings: secrets ? effective.settings : redactSettings(effective.settings),
        origin: effective.origin,
      };
    },
  );
}

function fleetRow(device: Device): Record<string, unknown> {
  const text = (key: string): string | null => {
    const value = device.settings[key];
    return value === undefined ? null : String(value);
  };
  return {
    mac: device.mac,
    vendor: device.vendor,
    model: device.model ?? null,
    reportedModel: device.reported?.model ?? null,
    profiles: device.profiles,
    user: text('accounts.1.user'),
    label: text('accounts.1.label'),
    firmware: device.reported?.firmware ?? null,
    lastContact: device.lastContact ?? null,
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
