import type { FastifyInstance, FastifyRequest } from 'fastify';

import { drivers } from '../drivers/registry.ts';
import { pndError } from '../errors.ts';
import { addDevices } from '../management/devices.ts';
import { publicCwmpState } from '../model/cwmp.ts';
import { parseMac, type Mac } from '../model/mac.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import { CheckSync } from '../sip/check-sync.ts';
import { ephemeralEndpoint } from '../sip/door.ts';
import { localAddressTowards } from '../sip/transport.ts';
import type { Warn } from '../management/check-scope.ts';
import type { ResyncRequest } from '../management/resync-jobs.ts';
import type { ResyncOutcome } from '../model/resync.ts';
import type { Store } from '../store/store.ts';
import { connectionRequest } from '../tr069/connection-request.ts';
import {
  ANY_OBJECT,
  closed,
  DEVICE,
  flag,
  list,
  MAC_PARAMS,
  optionalBody,
  PROFILE_NAMES,
  replies,
  SETTINGS,
  text,
  withWarnings,
} from './schemas.ts';
import { resyncJobRoutes } from './resync-job-routes.ts';
import { deviceJson } from './serialize.ts';

export interface SipRoutesOptions {
  store: Store;
  recorder: EventRecorder;
  now: () => Date;
  /** The server's sender; without one (a command with no server) a port is opened on first use. */
  checkSync?: CheckSync;
  warn: Warn;
}

interface ClaimBody {
  vendor?: string;
  model?: string;
  profiles?: string[];
  settings?: Record<string, unknown>;
}

/** check-sync and the phones plug-and-play found: resync, list, claim, forget. */
export async function sipRoutes(app: FastifyInstance, options: SipRoutesOptions): Promise<void> {
  const { store, now } = options;
  let checkSync = options.checkSync;
  if (!checkSync) {
    const spare = ephemeralEndpoint();
    app.addHook('onClose', async () => spare.close());
    checkSync = new CheckSync({
      store,
      drivers,
      recorder: options.recorder,
      now,
      endpoint: spare.get,
      localAddress: localAddressTowards,
    });
  }
  const sender = checkSync;
  const resync = async (mac: string, request: ResyncRequest): Promise<ResyncOutcome> => {
    if (request.via === 'tr069') {
      if (!(await store.getDevice(mac as Mac)))
        throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
      const context = { store, recorder: options.recorder, now };
      return connectionRequest(context, mac as Mac, { reboot: request.reboot });
    }
    return sender.resync(mac as Mac, { reboot: request.reboot });
  };
  const macOf = (request: FastifyRequest): Mac => {
    const parsed = parseMac((request.params as Record<string, string>)['mac'] ?? '');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };

  app.post(
    '/devices/:mac/resync',
    {
      schema: {
        summary:
          'send the check-sync NOTIFY and wait for the phone (up to 32 s, twice after a challenge); with via tr069, the TR-069 connection request',
        params: MAC_PARAMS,
        body: optionalBody(
          closed({
            reboot: flag('ask the phone to restart after provisioning'),
            via: { type: 'string', enum: ['sip', 'tr069'], description: 'default sip' },
          }),
        ),
        response: replies(200, RESYNC_OUTCOME, 404, 409, 502, 503),
      },
    },
    async (request) => {
      const body = (request.body ?? {}) as { reboot?: boolean; via?: 'sip' | 'tr069' };
      const mac = macOf(request);
      return {
        mac,
        ...(await resync(mac, { reboot: body.reboot === true, via: body.via ?? 'sip' })),
      };
    },
  );

  await resyncJobRoutes(app, { store, now, resync });

  app.get(
    '/devices/:mac/cwmp',
    {
      schema: {
        summary:
          'what the TR-069 ACS keeps about the device: connection request URL, acknowledged configuration and firmware, downloads in flight, TransferComplete outcomes (never the connection request password)',
        params: MAC_PARAMS,
        response: replies(200, ANY_OBJECT, 404),
      },
    },
    async (request) => {
      const mac = macOf(request);
      if (!(await store.getDevice(mac))) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
      const state = await store.cwmpState(mac);
      return { mac, ...(state ? publicCwmpState(state) : {}) };
    },
  );

  app.get(
    '/pending',
    {
      schema: {
        summary: 'phones that asked by plug-and-play and are not devices',
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async () => store.listPendingPhones(),
  );

  app.delete(
    '/pending/:mac',
    {
      schema: {
        summary: 'forget a pending phone',
        params: MAC_PARAMS,
        response: replies(200, closed({ removed: text() }), 404),
      },
    },
    async (request) => {
      const mac = macOf(request);
      if (!(await store.removePendingPhone(mac)))
        throw pndError('PND_NOT_FOUND', `no pending phone ${mac}`);
      return { removed: mac };
    },
  );

  app.post(
    '/pending/:mac/claim',
    {
      schema: {
        summary: 'add a pending phone as a device (vendor and model default to what it said)',
        params: MAC_PARAMS,
        body: optionalBody(
          closed({ vendor: text(), model: text(), profiles: PROFILE_NAMES, settings: SETTINGS }),
        ),
        response: replies(201, withWarnings(DEVICE), 404, 409),
      },
    },
    async (request, reply) => {
      const mac = macOf(request);
      const body = (request.body ?? {}) as ClaimBody;
      const pending = (await store.listPendingPhones()).find((p) => p.mac === mac);
      if (!pending)
        throw pndError('PND_NOT_FOUND', `no pending phone ${mac}; see plugndial device pending`);
      const vendor = body.vendor ?? pending.vendor;
      if (!vendor) {
        throw pndError(
          'PND_INVALID_ARGUMENT',
          `no driver recognised phone ${mac}; say which it is with --vendor`,
        );
      }
      const model = body.model ?? pending.model;
      const [device] = await addDevices(
        store,
        [
          {
            mac,
            vendor,
            ...(model ? { model } : {}),
            ...(body.profiles ? { profiles: body.profiles } : {}),
            ...(body.settings ? { settings: body.settings } : {}),
          },
        ],
        now(),
      );
      await store.removePendingPhone(mac);
      reply.code(201);
      return {
        ...deviceJson(device!, { secrets: false }),
        warnings: await options.warn({ devices: [device!] }),
      };
    },
  );
}

const RESYNC_OUTCOME = {
  type: 'object',
  description: 'the outcome, also kept as the device lastResync',
  required: ['mac', 'at', 'status', 'ok', 'event', 'target'],
  properties: {
    mac: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    status: { type: 'integer', description: 'SIP status; 408 no answer, 503 not sent' },
    ok: { type: 'boolean' },
    reason: { type: 'string' },
    event: { type: 'string' },
    target: { type: 'string' },
    retransmissions: { type: 'integer' },
    durationMs: { type: 'number' },
  },
  additionalProperties: true,
};
