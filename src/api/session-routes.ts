import type { FastifyInstance } from 'fastify';

import { pndError } from '../errors.ts';
import type { SecurityEvent } from '../model/credentials.ts';
import type { Store } from '../store/store.ts';
import { RefusalTally } from './refusal-tally.ts';
import { closed, replies, text } from './schemas.ts';
import {
  foreignOrigin,
  sameSecret,
  type ConsoleSession,
  type ConsoleSessions,
} from './sessions.ts';

export interface SessionRoutesOptions {
  store: Store;
  token: string;
  /** Only the admin listener opens sessions; elsewhere these routes say where to go. */
  sessions?: ConsoleSessions;
  now: () => Date;
}

const SESSION = closed(
  {
    csrfToken: text('send it as the X-CSRF-Token header with every change'),
    expiresAt: { type: 'string', format: 'date-time', description: 'unless used before' },
    idleSeconds: { type: 'integer', description: 'an unused session ends after this' },
  },
  ['csrfToken', 'expiresAt', 'idleSeconds'],
);

/** Wrong tokens from one address within a minute, after which sign-in refuses it. */
const SIGN_IN_ATTEMPTS = 10;

/** Console sign-in and sign-out: /session. */
export async function sessionRoutes(
  app: FastifyInstance,
  options: SessionRoutesOptions,
): Promise<void> {
  const { sessions, store } = options;
  const elsewhere = (): Error =>
    pndError(
      'PND_NOT_FOUND',
      'console sessions are opened on the admin listener only (plugndial serve --admin 127.0.0.1:7080)',
    );
  const shown = (session: ConsoleSession): Record<string, unknown> => ({
    csrfToken: session.csrfToken,
    expiresAt: new Date(sessions!.expiresAt(session)).toISOString(),
    idleSeconds: Math.floor(sessions!.idleMs / 1000),
  });
  const audit = (event: Omit<SecurityEvent, 'at'>): Promise<void> =>
    store.appendSecurityEvents([{ at: options.now().toISOString(), ...event }]).catch(() => {});
  // Wrong tokens at the sign-in form are counted as the API's are: one event per address a
  // minute, the next saying how many came between, so a guesser cannot fill the store.
  const refusals = new RefusalTally();

  app.post(
    '/session',
    {
      schema: {
        summary:
          'sign in to the console with the admin token: sets an HttpOnly SameSite=Strict session cookie; the answer carries the CSRF token',
        body: closed({ token: text('the admin token (<data dir>/admin-token)') }, ['token']),
        response: replies(201, SESSION, 403, 404, 429),
      },
    },
    async (request, reply) => {
      if (!sessions) throw elsewhere();
      // A page elsewhere must not sign a browser in under the operator's nose (login CSRF).
      const foreign = foreignOrigin({
        method: 'POST',
        headers: request.headers,
        host: request.host,
      });
      if (foreign) throw foreign;
      // Ten wrong tokens a minute from one address, and the form stops checking what it sends:
      // the token cannot be guessed, but a guesser need not be given the CPU to try.
      if (refusals.exceeded(request.ip, options.now().getTime(), SIGN_IN_ATTEMPTS))
        throw pndError(
          'PND_SIGN_IN_THROTTLED',
          `${SIGN_IN_ATTEMPTS} wrong admin tokens from this address within a minute; wait a minute and sign in again`,
        );
      const { token } = request.body as { token: string };
      if (!sameSecret(token.trim(), options.token)) {
        const recorded = refusals.refused(request.ip, options.now().getTime());
        if (recorded)
          await audit({ kind: 'console-sign-in-refused', address: request.ip, ...recorded });
        throw pndError(
          'PND_UNAUTHORIZED',
          'wrong admin token; it is the text in <data dir>/admin-token',
        );
      }
      // Over TLS (the admin listener's own, or a trusted proxy's) the cookie says Secure.
      const opened = sessions.open(request.ip, { secure: request.protocol === 'https' });
      await audit({ kind: 'console-sign-in', address: request.ip });
      reply.code(201).header('set-cookie', opened.setCookie).header('cache-control', 'no-store');
      return shown(opened.session);
    },
  );

  app.get(
    '/session',
    {
      schema: {
        summary: 'the console session of this request: its CSRF token and when it ends',
        response: replies(200, SESSION, 404),
      },
    },
    async (request, reply) => {
      if (!sessions) throw elsewhere();
      const session = sessions.peek(request.headers.cookie);
      if (!session)
        throw pndError('PND_NOT_FOUND', 'this request carries the admin token, not a session');
      reply.header('cache-control', 'no-store');
      return shown(session);
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        summary: 'sign out: ends the console session and clears its cookie',
        response: replies(200, closed({ signedOut: { type: 'boolean' } }), 403, 404),
      },
    },
    async (request, reply) => {
      if (!sessions) throw elsewhere();
      const closed = sessions.close(request.headers.cookie);
      if (closed) await audit({ kind: 'console-sign-out', address: request.ip });
      reply.header('set-cookie', sessions.clearCookie());
      return { signedOut: closed };
    },
  );
}
