import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import type { Warn } from '../management/check-scope.ts';
import {
  addDevices,
  importDevicesCsv,
  patchDevice,
  type DeviceInput,
  type DevicePatch,
} from '../management/devices.ts';
import { deviceFiles, previewFile } from '../management/preview.ts';
import { parseMac, type Mac } from '../model/mac.ts';
import type { ProvisioningPipeline } from '../provisioning/pipeline.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';
import {
  ANY_OBJECT,
  closed,
  DEVICE,
  DEVICE_INPUT,
  flag,
  list,
  mac,
  MAC_PARAMS,
  PROFILE_NAMES,
  replies,
  SECRETS_QUERY,
  SETTING_KEYS,
  SETTINGS,
  text,
  WARNINGS,
  whole,
  withWarnings,
} from './schemas.ts';
import { bodyJson, deviceJson, explanationJson } from './serialize.ts';

type Query = Record<string, string | undefined>;

/** What an import did: devices added and changed, and whether it only checked. */
const IMPORTED = closed({
  added: { type: 'integer', description: 'devices added (checked: that would be)' },
  updated: { type: 'integer', description: 'devices changed (update=true)' },
  checked: { type: 'boolean', description: 'true: nothing was stored' },
  warnings: WARNINGS,
});

/**
 * Devices: list, add (one, many, or a CSV import), show, change and remove them, and render
 * their files as the phone receives them.
 */
export async function deviceRoutes(
  app: FastifyInstance,
  options: {
    store: Store;
    pipeline: ProvisioningPipeline;
    recorder: EventRecorder;
    now: () => Date;
    warn: Warn;
  },
): Promise<void> {
  const { store, pipeline, recorder, now, warn } = options;
  const secrets = (request: FastifyRequest): boolean =>
    (request.query as { secrets?: boolean }).secrets === true;
  const macOf = (request: FastifyRequest): Mac => {
    const parsed = parseMac((request.params as Query)['mac'] ?? '');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };

  app.get(
    '/devices',
    {
      schema: {
        summary: 'list devices',
        querystring: closed({
          vendor: text(),
          profile: text('devices that use this profile'),
          limit: whole('at most this many'),
          offset: whole('skip this many'),
        }),
        response: replies(200, list(DEVICE)),
      },
    },
    async (request) => {
      const q = request.query as {
        vendor?: string;
        profile?: string;
        limit?: number;
        offset?: number;
      };
      // Last contacts and reported facts are written in batches: show what phones already did.
      await recorder.flush();
      const devices = await store.listDevices({
        ...(q.vendor ? { vendor: q.vendor } : {}),
        ...(q.profile ? { profile: q.profile } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
        ...(q.offset !== undefined ? { offset: q.offset } : {}),
      });
      const resyncs = await store.resyncOutcomes(devices.map((d) => d.mac));
      return devices.map((d) => ({
        ...deviceJson(d, { secrets: false }),
        lastResync: resyncs.get(d.mac) ?? null,
      }));
    },
  );

  app.post(
    '/devices',
    {
      schema: {
        summary: 'add one device, or many at once ({"devices": [...]}, all or nothing)',
        body: {
          type: 'object',
          if: { required: ['devices'] },
          then: closed({ devices: { type: 'array', items: DEVICE_INPUT } }, ['devices']),
          else: DEVICE_INPUT,
        },
        response: replies(
          201,
          closed({ added: { type: 'integer' }, devices: list(DEVICE), warnings: WARNINGS }),
          404,
          409,
        ),
      },
    },
    async (request, reply) => {
      const body = request.body as DeviceInput | { devices: DeviceInput[] };
      const inputs = 'devices' in body ? body.devices : [body];
      const added = await addDevices(store, inputs, now());
      reply.code(201);
      return {
        added: added.length,
        devices: added.map((d) => deviceJson(d, { secrets: false })),
        warnings: await warn({ devices: added }),
      };
    },
  );

  app.post(
    '/devices/import',
    {
      schema: {
        summary:
          'import devices from CSV, all or nothing; every bad row is named by its line (details.rows, up to 100)',
        querystring: closed({
          update: flag(
            "change the devices that exist (the row's non-empty cells) instead of refusing the file",
          ),
          check: flag('check everything the import would, and store nothing'),
          file: text('the file name messages name the rows of'),
        }),
        body: {
          content: {
            'text/csv': {
              schema: text(
                'header mac,vendor,model,profiles and any setting key; one device a row',
              ),
            },
          },
        },
        response: {
          ...replies(201, IMPORTED, 404, 409),
          200: { ...IMPORTED, description: 'checked only (check=true): nothing was stored' },
        },
      },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string')
        throw pndError('PND_INVALID_CSV', 'send the CSV as text/csv');
      const q = request.query as { update?: boolean; check?: boolean; file?: string };
      const { outcome, devices } = await importDevicesCsv(
        store,
        request.body,
        {
          update: q.update === true,
          check: q.check === true,
          ...(q.file ? { file: q.file.slice(0, 200) } : {}),
        },
        now(),
      );
      // A check stores nothing: 200, where an import that stored answers 201.
      if (!outcome.checked) (reply as FastifyReply).code(201);
      return { ...outcome, warnings: await warn({ devices }) };
    },
  );

  app.get(
    '/devices/:mac',
    {
      schema: {
        summary: 'show a device',
        params: MAC_PARAMS,
        querystring: SECRETS_QUERY,
        response: replies(200, DEVICE, 404),
      },
    },
    async (request) => {
      await recorder.flush();
      const device = await store.getDevice(macOf(request));
      if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${macOf(request)}`);
      const resync = (await store.resyncOutcomes([device.mac])).get(device.mac);
      return { ...deviceJson(device, { secrets: secrets(request) }), lastResync: resync ?? null };
    },
  );

  app.patch(
    '/devices/:mac',
    {
      schema: {
        summary: 'change a device: the settings given are merged, the keys in unset removed',
        params: MAC_PARAMS,
        body: closed({
          vendor: text(),
          model: { type: ['string', 'null'], description: 'null removes it' },
          profiles: PROFILE_NAMES,
          settings: SETTINGS,
          unset: SETTING_KEYS,
        }),
        response: replies(200, withWarnings(DEVICE), 404),
      },
    },
    async (request) => {
      const device = await patchDevice(store, macOf(request), request.body as DevicePatch, now());
      return {
        ...deviceJson(device, { secrets: false }),
        warnings: await warn({ devices: [device] }),
      };
    },
  );

  app.delete(
    '/devices/:mac',
    {
      schema: {
        summary: 'remove a device',
        params: MAC_PARAMS,
        response: replies(200, closed({ removed: text() }), 404),
      },
    },
    async (request) => {
      const mac = macOf(request);
      if (!(await store.removeDevice(mac)))
        throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
      return { removed: mac };
    },
  );

  app.get(
    '/devices/:mac/files',
    {
      schema: {
        summary: "the device's file names",
        params: MAC_PARAMS,
        response: replies(200, list({ type: 'string' }), 404),
      },
    },
    async (request) => {
      const mac = macOf(request);
      if (!(await store.getDevice(mac))) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
      return deviceFiles(store, pipeline, mac);
    },
  );

  app.get(
    '/devices/:mac/files/:file',
    {
      schema: {
        summary: 'render one file as the phone receives it',
        params: closed({ mac, file: text('a file name, as `GET /devices/{mac}/files` lists it') }, [
          'mac',
          'file',
        ]),
        querystring: closed({
          explain: flag('add which canonical key made which native line'),
          secrets: flag('include secret values'),
        }),
        response: replies(
          200,
          {
            type: 'object',
            properties: {
              file: text(),
              driver: text(),
              contentType: { type: ['string', 'null'] },
              body: { type: ['string', 'null'] },
              explanation: ANY_OBJECT,
            },
          },
          404,
          409,
        ),
      },
    },
    async (request) => {
      const mac = macOf(request);
      const file = (request.params as Query)['file'] ?? '';
      const origin = `${request.protocol}://${request.host}`;
      const preview = await previewFile(pipeline, mac, file, origin);
      if (preview.withheld) {
        throw pndError(
          'PND_FILE_WITHHELD',
          `device ${mac}'s file "${file.slice(0, 80)}" is not served: ${preview.withheld.reason}; ${preview.withheld.fix}`,
          { reason: preview.withheld.reason },
        );
      }
      if (!preview.artifact && !preview.explanation) {
        throw pndError(
          'PND_FILE_NOT_FOUND',
          `device ${mac} has no file "${file.slice(0, 80)}"; list them with "plugndial render ${mac}"`,
        );
      }
      const explain = (request.query as { explain?: boolean }).explain === true;
      return {
        file,
        driver: preview.driver,
        contentType: preview.artifact?.contentType ?? null,
        body: preview.artifact
          ? bodyJson(
              preview.artifact.body,
              preview.explanation,
              { secrets: secrets(request) },
              preview.secrets,
            )
          : null,
        ...(explain && preview.explanation
          ? { explanation: explanationJson(preview.explanation, { secrets: secrets(request) }) }
          : {}),
      };
    },
  );
}
