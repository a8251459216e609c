import type { FastifyInstance } from 'fastify';

import { drivers } from '../drivers/registry.ts';
import { pndError } from '../errors.ts';
import type { ServerFacts } from '../management/check.ts';
import { checkScope, type CheckScope } from '../management/check-scope.ts';
import { DEFAULT_PROFILE } from '../model/device.ts';
import { parseMac } from '../model/mac.ts';
import type { Store } from '../store/store.ts';
import { closed, FINDING, list, mac, replies, text } from './schemas.ts';

export interface CheckRoutesOptions {
  store: Store;
  /** The running server's doors and public URL; none for a command without a server. */
  server?: () => ServerFacts | undefined;
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
      let scope: CheckScope = { all: true };
      if (q.mac !== undefined) {
        const parsed = parseMac(q.mac);
        if (!parsed.ok) throw parsed.error;
        const device = await store.getDevice(parsed.value);
        if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${parsed.value}`);
        scope = { devices: [device] };
      } else if (q.profile !== undefined) {
        if (!(await store.getProfile(q.profile)) && q.profile !== DEFAULT_PROFILE)
          throw pndError('PND_PROFILE_NOT_FOUND', `no profile "${q.profile.slice(0, 64)}"`);
        scope = { profile: q.profile };
      } else if (q.vendor !== undefined) {
        scope = { vendor: q.vendor };
      }
      return checkScope(store, drivers, scope, options.server?.());
    },
  );
}
