import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';

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
import { normalisePath } from '../provisioning/path.ts';
import type { ProvisioningPipeline } from '../provisioning/pipeline.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { CheckSync } from '../sip/check-sync.ts';
import type { Store } from '../store/store.ts';
import { accessRoutes } from './access-routes.ts';
import { catalogueRoutes } from './catalogue-routes.ts';
import { OPENAPI } from './openapi.ts';
import { bodyJson, deviceJson, explanationJson, profileJson } from './serialize.ts';
import { sipRoutes } from './sip-routes.ts';

export interface AdminApiOptions {
  store: Store;
  pipeline: ProvisioningPipeline;
  recorder: EventRecorder;
  /** The bearer token every request must carry. */
  token: string;
  now: () => Date;
  /** Sends check-sync NOTIFYs; a local command without a server gets its own. */
  checkSync?: CheckSync;
}

type Query = Record<string, string | undefined>;

/** The REST admin API under /api/v1. Every management command goes through it. */
export async function adminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { store, pipeline, now } = options;
  const expected = Buffer.from(`Bearer ${options.token}`);

  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) =>
    done(null, payload),
  );

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.endsWith('/openapi.json')) return;
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await reply.code(401).send({
        code: 'PND_UNAUTHORIZED',
        message: 'missing or wrong bearer token; it is in the data directory (admin-token)',
      });
    }
  });

  app.setErrorHandler(async (error, _request, reply) => {
    const pnd = isPlugndialError(error)
      ? error
      : (error as { statusCode?: number }).statusCode &&
          (error as { statusCode: number }).statusCode < 500
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
    /^(1|true|yes)$/i.test((request.query as Query)['secrets'] ?? '');
  const macOf = (request: FastifyRequest): Mac => {
    const parsed = parseMac((request.params as Query)['mac'] ?? '');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };

  await sipRoutes(app, {
    store,
    recorder: options.recorder,
    now,
    ...(options.checkSync ? { checkSync: options.checkSync } : {}),
  });

  await catalogueRoutes(app, { store });
  await accessRoutes(app, { store, recorder: options.recorder, now });

  app.get('/openapi.json', async () => OPENAPI);
  app.get('/settings', async () => SETTINGS_SCHEMA);

  app.get('/devices', async (request) => {
    const q = request.query as Query;
    // Last contacts and reported facts are written in batches: show what phones already did.
    await options.recorder.flush();
    const devices = await store.listDevices({
      ...(q['vendor'] ? { vendor: q['vendor'] } : {}),
      ...(q['profile'] ? { profile: q['profile'] } : {}),
      ...(q['limit'] ? { limit: intParam(q['limit'], 'limit') } : {}),
      ...(q['offset'] ? { offset: intParam(q['offset'], 'offset') } : {}),
    });
    const resyncs = await store.resyncOutcomes(devices.map((d) => d.mac));
    return devices.map((d) => ({
      ...deviceJson(d, { secrets: false }),
      lastResync: resyncs.get(d.mac) ?? null,
    }));
  });

  app.post('/devices', async (request, reply) => {
    const body = request.body as DeviceInput | { devices: DeviceInput[] } | undefined;
    if (!body || typeof body !== 'object')
      throw pndError('PND_INVALID_ARGUMENT', 'expected a JSON device or {"devices": [...]}');
    const inputs =
      'devices' in body && Array.isArray(body.devices) ? body.devices : [body as DeviceInput];
    const added = await addDevices(store, inputs, now());
    reply.code(201);
    return { added: added.length, devices: added.map((d) => deviceJson(d, { secrets: false })) };
  });

  app.post('/devices/import', async (request, reply) => {
    if (typeof request.body !== 'string')
      throw pndError('PND_INVALID_CSV', 'send the CSV as text/csv');
    const q = request.query as Query;
    const flag = (name: string): boolean => {
      const value = q[name];
      if (value === undefined || value === 'false') return false;
      if (value === 'true') return true;
      throw pndError('PND_INVALID_ARGUMENT', `${name}: expected true or false`);
    };
    const outcome = await importDevicesCsv(
      store,
      request.body,
      {
        update: flag('update'),
        check: flag('check'),
        ...(q['file'] ? { file: q['file'].slice(0, 200) } : {}),
      },
      now(),
    );
    reply.code(outcome.checked ? 200 : 201);
    return outcome;
  });

  app.get('/devices/:mac', async (request) => {
    await options.recorder.flush();
    const device = await store.getDevice(macOf(request));
    if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${macOf(request)}`);
    const resync = (await store.resyncOutcomes([device.mac])).get(device.mac);
    return { ...deviceJson(device, { secrets: secrets(request) }), lastResync: resync ?? null };
  });

  app.patch('/devices/:mac', async (request) => {
    const device = await patchDevice(
      store,
      macOf(request),
      (request.body ?? {}) as DevicePatch,
      now(),
    );
    return deviceJson(device, { secrets: false });
  });

  app.delete('/devices/:mac', async (request) => {
    const mac = macOf(request);
    if (!(await store.removeDevice(mac)))
      throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
    return { removed: mac };
  });

  app.get('/devices/:mac/files', async (request) => {
    const mac = macOf(request);
    if (!(await store.getDevice(mac))) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
    return pipeline.deviceFiles(mac);
  });

  app.get('/devices/:mac/files/:file', async (request) => {
    const mac = macOf(request);
    const file = (request.params as Query)['file'] ?? '';
    const origin = `${request.protocol}://${request.host}`;
    const preview = await pipeline.preview(mac, file, origin);
    if (!preview.artifact && !preview.explanation) {
      throw pndError(
        'PND_FILE_NOT_FOUND',
        `device ${mac} has no file "${file.slice(0, 80)}"; list them with "plugndial render ${mac}"`,
      );
    }
    const explain = /^(1|true|yes)$/i.test((request.query as Query)['explain'] ?? '');
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
  });

  app.get('/profiles', async () =>
    (await store.listProfiles()).map((p) => profileJson(p, { secrets: false })),
  );

  app.post('/profiles', async (request, reply) => {
    const profile = await addProfile(store, (request.body ?? {}) as ProfileInput, now());
    reply.code(201);
    return profileJson(profile, { secrets: false });
  });

  app.get('/profiles/:name', async (request) => {
    const name = (request.params as Query)['name'] ?? '';
    const profile = await store.getProfile(name);
    if (!profile) throw pndError('PND_PROFILE_NOT_FOUND', `no profile "${name.slice(0, 64)}"`);
    return profileJson(profile, { secrets: secrets(request) });
  });

  app.patch('/profiles/:name', async (request) => {
    const name = (request.params as Query)['name'] ?? '';
    return profileJson(
      await patchProfile(store, name, (request.body ?? {}) as ProfilePatch, now()),
      { secrets: false },
    );
  });

  app.delete('/profiles/:name', async (request) => {
    const name = (request.params as Query)['name'] ?? '';
    if (!(await store.removeProfile(name)))
      throw pndError('PND_PROFILE_NOT_FOUND', `no profile "${name.slice(0, 64)}"`);
    return { removed: name };
  });

  app.get('/files', async () => store.listFiles());

  app.put('/files/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = overlayPath(request);
    const body = request.body as Readable | undefined;
    if (!body || typeof (body as Readable).pipe !== 'function') {
      throw pndError('PND_INVALID_ARGUMENT', 'send the file as application/octet-stream');
    }
    const type = (request.headers['x-content-type'] as string | undefined) ?? contentTypeFor(path);
    const stored = await store.putFile(path, body, type);
    reply.code(201);
    return stored;
  });

  app.delete('/files/*', async (request) => {
    const path = overlayPath(request);
    if (!(await store.removeFile(path)))
      throw pndError('PND_FILE_NOT_FOUND', `no file "${path.slice(0, 120)}"`);
    return { removed: path };
  });

  app.get('/events', async (request) => {
    const q = request.query as Query;
    await options.recorder.flush();
    let mac: string | undefined;
    if (q['mac']) {
      const parsed = parseMac(q['mac']);
      if (!parsed.ok) throw parsed.error;
      mac = parsed.value;
    }
    return store.queryEvents({
      ...(mac ? { mac } : {}),
      ...(q['since'] ? { since: isoParam(q['since'], 'since') } : {}),
      ...(q['until'] ? { until: isoParam(q['until'], 'until') } : {}),
      ...(q['limit'] ? { limit: intParam(q['limit'], 'limit') } : {}),
    });
  });
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

function intParam(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw pndError('PND_INVALID_ARGUMENT', `${name}: expected a whole number`);
  return n;
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
