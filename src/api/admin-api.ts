import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';

import type { ErrorObject } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { asPlugndialError, isPlugndialError, pndError } from '../errors.ts';
import {
  addDevices,
  importDevicesCsv,
  patchDevice,
  type DeviceInput,
  type DevicePatch,
} from '../management/devices.ts';
import {
  addProfile,
  patchProfile,
  type ProfileInput,
  type ProfilePatch,
} from '../management/profiles.ts';
import { parseMac, type Mac } from '../model/mac.ts';
import { SETTINGS_SCHEMA } from '../model/settings.ts';
import type { ServerFacts } from '../management/check.ts';
import { asWarnings, checkScope, type CheckContext, type Warn } from '../management/check-scope.ts';
import { DeviceIndex } from '../management/device-index.ts';
import { deviceFiles, previewFile } from '../management/preview.ts';
import { drivers } from '../drivers/registry.ts';
import { normalisePath } from '../provisioning/path.ts';
import type { ProvisioningPipeline } from '../provisioning/pipeline.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { CheckSync } from '../sip/check-sync.ts';
import type { Store } from '../store/store.ts';
import { accessRoutes } from './access-routes.ts';
import { archiveRoutes } from './archive-routes.ts';
import { catalogueRoutes } from './catalogue-routes.ts';
import { OpenApiDocument } from './openapi.ts';
import {
  ANY_OBJECT,
  closed,
  dateTime,
  DEVICE,
  DEVICE_INPUT,
  flag,
  list,
  mac,
  MAC_PARAMS,
  NAME_PARAMS,
  PROFILE,
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
import { bodyJson, deviceJson, explanationJson, profileJson } from './serialize.ts';
import { sipRoutes } from './sip-routes.ts';
import { checkRoutes } from './check-routes.ts';
import { compileRequestSchema, validationError } from './validation.ts';
import { fleetRoutes } from './fleet-routes.ts';
import { liveRoutes } from './live-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import type { ConsoleSessions } from './sessions.ts';

export interface AdminApiOptions {
  store: Store;
  pipeline: ProvisioningPipeline;
  recorder: EventRecorder;
  /** The bearer token every request must carry. */
  token: string;
  now: () => Date;
  /** Sends check-sync NOTIFYs; a local command without a server gets its own. */
  checkSync?: CheckSync;
  /** The running server's doors and public URL, for `plugndial check`; none without a server. */
  server?: () => ServerFacts | undefined;
  /** Devices as `plugndial check` sees them, shared by the server's doors; else one of its own. */
  deviceIndex?: DeviceIndex;
  /** Console sessions, on the admin listener only: there a session cookie stands for the token. */
  sessions?: ConsoleSessions;
}

type Query = Record<string, string | undefined>;

/** What an import did: devices added and changed, and whether it only checked. */
const IMPORTED = closed({
  added: { type: 'integer', description: 'devices added (checked: that would be)' },
  updated: { type: 'integer', description: 'devices changed (update=true)' },
  checked: { type: 'boolean', description: 'true: nothing was stored' },
  warnings: WARNINGS,
});

/** The REST admin API under /api/v1. Every management command goes through it. */
export async function adminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { store, pipeline, now } = options;
  const expected = Buffer.from(`Bearer ${options.token}`);
  // Before any route: each one is described as it is registered.
  const openApi = new OpenApiDocument(app);
  app.setValidatorCompiler(compileRequestSchema);

  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) =>
    done(null, payload),
  );

  const sessions = options.sessions;
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.endsWith('/openapi.json')) return;
    // Where the console lives, a request without the token may be the console's, by its session.
    if (sessions && request.headers.authorization === undefined) {
      // Signing in checks the token it is given, and where the request came from, itself.
      if (request.method === 'POST' && request.routeOptions.url === `${app.prefix}/session`) return;
      const verdict = sessions.authorise({
        method: request.method,
        headers: request.headers,
        host: request.host,
      });
      if ('error' in verdict) await reply.code(verdict.error.status).send(verdict.error.toJSON());
      return;
    }
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await reply.code(401).send({
        code: 'PND_UNAUTHORIZED',
        message: 'missing or wrong bearer token; it is in the data directory (admin-token)',
      });
    }
  });

  app.setErrorHandler(async (error, _request, reply) => {
    const failed = error as {
      statusCode?: number;
      validation?: ErrorObject[];
      validationContext?: 'body' | 'querystring' | 'params' | 'headers';
    };
    const pnd = isPlugndialError(error)
      ? error
      : failed.validation && failed.validationContext
        ? validationError(failed.validation, failed.validationContext)
        : failed.statusCode && failed.statusCode < 500
          ? pndError('PND_INVALID_ARGUMENT', (error as Error).message.slice(0, 300))
          : asPlugndialError(new Error('request failed'));
    await reply.code(pnd.status).send(pnd.toJSON());
  });

  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(404).send({
      code: 'PND_NOT_FOUND',
      message: `no API route ${request.method} ${request.url.split('?')[0]?.slice(0, 120)}; see /api/v1/openapi.json`,
    });
  });

  const secrets = (request: FastifyRequest): boolean =>
    (request.query as { secrets?: boolean }).secrets === true;
  const macOf = (request: FastifyRequest): Mac => {
    const parsed = parseMac((request.params as Query)['mac'] ?? '');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };

  const index = options.deviceIndex ?? new DeviceIndex(store);
  if (!options.deviceIndex) app.addHook('onClose', async () => index.close());
  const checkContext = (): CheckContext => {
    const server = options.server?.();
    return { store, drivers, index, ...(server ? { server } : {}) };
  };
  const warn: Warn = async (scope) => asWarnings(await checkScope(checkContext(), scope));

  await sipRoutes(app, {
    store,
    recorder: options.recorder,
    now,
    warn,
    ...(options.checkSync ? { checkSync: options.checkSync } : {}),
  });

  await catalogueRoutes(app, { store, warn });
  await checkRoutes(app, { store, context: checkContext });
  await archiveRoutes(app, { store, recorder: options.recorder, now });
  await accessRoutes(app, { store, recorder: options.recorder, now });
  await sessionRoutes(app, {
    store,
    token: options.token,
    now,
    ...(sessions ? { sessions } : {}),
  });
  await fleetRoutes(app, { store, recorder: options.recorder, now });
  await liveRoutes(app, { store, ...(sessions ? { sessions } : {}) });

  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'this document, generated from the route schemas',
        response: replies(200, ANY_OBJECT),
      },
    },
    async () => openApi.document(),
  );
  app.get(
    '/settings',
    {
      schema: {
        summary: 'the canonical settings schema: one entry per key pattern',
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async () => SETTINGS_SCHEMA,
  );

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
      await options.recorder.flush();
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
      await options.recorder.flush();
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
          ? bodyJson(preview.artifact.body, preview.explanation, { secrets: secrets(request) })
          : null,
        ...(explain && preview.explanation
          ? { explanation: explanationJson(preview.explanation, { secrets: secrets(request) }) }
          : {}),
      };
    },
  );

  app.get(
    '/profiles',
    { schema: { summary: 'list profiles', response: replies(200, list(PROFILE)) } },
    async () => (await store.listProfiles()).map((p) => profileJson(p, { secrets: false })),
  );

  app.post(
    '/profiles',
    {
      schema: {
        summary: 'add a profile',
        body: closed({ name: text(), description: text(), settings: SETTINGS }, ['name']),
        response: replies(201, withWarnings(PROFILE), 409),
      },
    },
    async (request, reply) => {
      const profile = await addProfile(store, request.body as ProfileInput, now());
      reply.code(201);
      return {
        ...profileJson(profile, { secrets: false }),
        warnings: await warn({ profile: profile.name }),
      };
    },
  );

  app.get(
    '/profiles/:name',
    {
      schema: {
        summary: 'show a profile',
        params: NAME_PARAMS,
        querystring: SECRETS_QUERY,
        response: replies(200, PROFILE, 404),
      },
    },
    async (request) => {
      const name = (request.params as Query)['name'] ?? '';
      const profile = await store.getProfile(name);
      if (!profile) throw pndError('PND_PROFILE_NOT_FOUND', `no profile "${name.slice(0, 64)}"`);
      return profileJson(profile, { secrets: secrets(request) });
    },
  );

  app.patch(
    '/profiles/:name',
    {
      schema: {
        summary:
          'change a profile: the settings given are merged, the keys in unset removed (the default profile is made on first change)',
        params: NAME_PARAMS,
        body: closed({ description: text(), settings: SETTINGS, unset: SETTING_KEYS }),
        response: replies(200, withWarnings(PROFILE), 404),
      },
    },
    async (request) => {
      const name = (request.params as Query)['name'] ?? '';
      const profile = await patchProfile(store, name, request.body as ProfilePatch, now());
      return {
        ...profileJson(profile, { secrets: false }),
        warnings: await warn({ profile: profile.name }),
      };
    },
  );

  app.delete(
    '/profiles/:name',
    {
      schema: {
        summary: 'remove a profile (refused while devices use it)',
        params: NAME_PARAMS,
        response: replies(200, closed({ removed: text() }), 404, 409),
      },
    },
    async (request) => {
      const name = (request.params as Query)['name'] ?? '';
      if (!(await store.removeProfile(name)))
        throw pndError('PND_PROFILE_NOT_FOUND', `no profile "${name.slice(0, 64)}"`);
      return { removed: name };
    },
  );

  app.get(
    '/files',
    {
      schema: {
        summary: 'list the files served as they are (the overlay)',
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async () => store.listFiles(),
  );

  const overlayParams = closed({ '*': text('a relative path, e.g. firmware/fip14g.rom') }, ['*']);
  app.put(
    '/files/*',
    {
      schema: {
        summary: 'store a file served as it is (raw body, streamed)',
        params: overlayParams,
        body: {
          content: { 'application/octet-stream': { schema: { description: "the file's bytes" } } },
        },
        response: replies(201, ANY_OBJECT),
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const path = overlayPath(request);
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        throw pndError('PND_INVALID_ARGUMENT', 'send the file as application/octet-stream');
      }
      const type =
        (request.headers['x-content-type'] as string | undefined) ?? contentTypeFor(path);
      const stored = await store.putFile(path, body, type);
      reply.code(201);
      return stored;
    },
  );

  app.delete(
    '/files/*',
    {
      schema: {
        summary: 'remove a stored file',
        params: overlayParams,
        response: replies(200, closed({ removed: text() }), 404),
      },
    },
    async (request) => {
      const path = overlayPath(request);
      if (!(await store.removeFile(path)))
        throw pndError('PND_FILE_NOT_FOUND', `no file "${path.slice(0, 120)}"`);
      return { removed: path };
    },
  );

  app.get(
    '/events',
    {
      schema: {
        summary: 'provisioning events, newest first',
        querystring: closed({
          mac,
          since: dateTime('not before'),
          until: dateTime('not after'),
          after: whole('only events recorded after the one of this id'),
          reason: text('only events of this reason, e.g. unknown-device'),
          failed: flag('only failures: status 400 or more, or a fault the phone reported'),
          limit: whole('at most this many'),
        }),
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async (request) => {
      const q = request.query as {
        mac?: string;
        since?: string;
        until?: string;
        after?: number;
        reason?: string;
        failed?: boolean;
        limit?: number;
      };
      await options.recorder.flush();
      let mac: string | undefined;
      if (q.mac) {
        const parsed = parseMac(q.mac);
        if (!parsed.ok) throw parsed.error;
        mac = parsed.value;
      }
      return store.queryEvents({
        ...(mac ? { mac } : {}),
        ...(q.since ? { since: isoParam(q.since, 'since') } : {}),
        ...(q.until ? { until: isoParam(q.until, 'until') } : {}),
        ...(q.after !== undefined ? { afterId: q.after } : {}),
        ...(q.reason !== undefined ? { reason: q.reason } : {}),
        ...(q.failed === true ? { failed: true } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
    },
  );
}

function overlayPath(request: FastifyRequest): string {
  const raw = (request.params as Query)['*'] ?? '';
  const segments = normalisePath(raw, { percentEncoded: false, backslashIsSeparator: false });
  if (!segments || segments.length === 0) {
    throw pndError(
      'PND_INVALID_PATH',
      'a served path is a relative path without "..", e.g. firmware/fip14g.rom',
    );
  }
  return segments.join('/');
}

function isoParam(text: string, name: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `${name}: expected a date-time such as 2026-01-31T12:00:00Z`,
    );
  return new Date(t).toISOString();
}

const TYPES: Record<string, string> = {
  cfg: 'text/plain; charset=utf-8',
  boot: 'text/plain; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  xml: 'application/xml',
  csv: 'text/csv',
  vcf: 'text/vcard',
  pem: 'application/x-pem-file',
  crt: 'application/x-x509-ca-cert',
  der: 'application/x-x509-ca-cert',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  bmp: 'image/bmp',
  json: 'application/json',
};

export function contentTypeFor(path: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  return TYPES[ext] ?? 'application/octet-stream';
}
