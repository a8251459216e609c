import type { FastifyInstance } from 'fastify';

import { pndError } from '../errors.ts';
import { checkScope, type CheckContext } from '../management/check-scope.ts';
import { checkVendor } from '../management/devices.ts';
import { DEFAULT_PROFILE } from '../model/device.ts';
import { parseMac } from '../model/mac.ts';
import type { Store } from '../store/store.ts';
import { closed, FINDING, list, mac, replies, text } from './schemas.ts';

export interface CheckRoutesOptions {
  store: Store;
  context: () => CheckContext;
}

/** `GET /check`: what will break a phone, before it does (`plugndial check`). */
export async function checkRoutes(
  app: FastifyInstance,
  options: CheckRoutesOptions,
): Promise<void> {
  const { store } = options;
  app.get(
    '/check',
    {
      schema: {
        summary:
          'every problem with the devices (all, or those of one MAC, profile or vendor) and its fix; the server-wide ones (public URL) have no devices',
        querystring: closed({
          mac,
          profile: text('the devices this profile applies to (default: all)'),
          vendor: text(),
        }),
        response: replies(
          200,
          closed({ checked: { type: 'integer' }, findings: list(FINDING) }),
          404,
        ),
      },
    },
    async (request) => {
      const q = request.query as { mac?: string; profile?: string; vendor?: string };
      const context = options.context();
      if (q.mac !== undefined) {
        const parsed = parseMac(q.mac);
        if (!parsed.ok) throw parsed.error;
        const device = await store.getDevice(parsed.value);
        if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${parsed.value}`);
        return checkScope(context, { devices: [device] });
      }
      if (q.profile !== undefined) {
        if (!(await store.getProfile(q.profile)) && q.profile !== DEFAULT_PROFILE)
          throw pndError('PND_PROFILE_NOT_FOUND', `no profile "${q.profile.slice(0, 64)}"`);
      }
      if (q.vendor !== undefined) {
        // A vendor nobody knows has no devices: "no problems" would read as a clean bill.
        const known = checkVendor(q.vendor);
        if (!known.ok) throw known.error;
      }
      if (q.profile === undefined && q.vendor === undefined)
        return checkScope(context, { all: true });
      // Read afresh, as for all: a check sees every change, reported models included.
      await context.index.refresh();
      return checkScope(
        context,
        q.profile !== undefined ? { profile: q.profile } : { vendor: q.vendor! },
      );
    },
  );
}
