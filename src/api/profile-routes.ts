import type { FastifyInstance, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import type { Warn } from '../management/check-scope.ts';
import {
  addProfile,
  patchProfile,
  type ProfileInput,
  type ProfilePatch,
} from '../management/profiles.ts';
import type { Store } from '../store/store.ts';
import {
  closed,
  list,
  NAME_PARAMS,
  PROFILE,
  replies,
  SECRETS_QUERY,
  SETTING_KEYS,
  SETTINGS,
  text,
  withWarnings,
} from './schemas.ts';
import { profileJson } from './serialize.ts';

type Query = Record<string, string | undefined>;

/** Profiles: the settings devices share, listed, added, shown, changed and removed. */
export async function profileRoutes(
  app: FastifyInstance,
  options: { store: Store; now: () => Date; warn: Warn },
): Promise<void> {
  const { store, now, warn } = options;
  const secrets = (request: FastifyRequest): boolean =>
    (request.query as { secrets?: boolean }).secrets === true;

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
}
