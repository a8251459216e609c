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
import type { Store } from '../store/store.ts';
import { connectionRequest } from '../tr069/connection-request.ts';
import { deviceJson } from './serialize.ts';

export interface SipRoutesOptions {
  store: Store;
  recorder: EventRecorder;
  now: () => Date;
  /** The server's sender; without one (a command with no server) a port is opened on first use. */
  checkSync?: CheckSync;
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
  const macOf = (request: FastifyRequest): Mac => {
    const parsed = parseMac((request.params as Record<string, string>)['mac'] ?? '');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };

  app.post('/devices/:mac/resync', async (request) => {
    const body = (request.body ?? {}) as { reboot?: unknown; via?: unknown };
    if (body.reboot !== undefined && typeof body.reboot !== 'boolean') {
      throw pndError('PND_INVALID_ARGUMENT', 'reboot: expected true or false');
    }
    if (body.via !== undefined && body.via !== 'sip' && body.via !== 'tr069') {
      throw pndError('PND_INVALID_ARGUMENT', 'via: expected sip or tr069');
    }
    const mac = macOf(request);
    if (body.via === 'tr069') {
      if (!(await store.getDevice(mac))) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
      const context = { store, recorder: options.recorder, now };
      return { mac, ...(await connectionRequest(context, mac, { reboot: body.reboot === true })) };
    }
    return { mac, ...(await sender.resync(mac, { reboot: body.reboot === true })) };
  });

  app.get('/devices/:mac/cwmp', async (request) => {
    const mac = macOf(request);
    if (!(await store.getDevice(mac))) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
    const state = await store.cwmpState(mac);
    return { mac, ...(state ? publicCwmpState(state) : {}) };
  });

  app.get('/pending', async () => store.listPendingPhones());

  app.delete('/pending/:mac', async (request) => {
    const mac = macOf(request);
    if (!(await store.removePendingPhone(mac)))
      throw pndError('PND_NOT_FOUND', `no pending phone ${mac}`);
    return { removed: mac };
  });

  app.post('/pending/:mac/claim', async (request, reply) => {
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
    return deviceJson(device!, { secrets: false });
  });
}
