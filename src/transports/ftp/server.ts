// The FTP door: a read-only FTP server on node:net for phones given ftp:// URLs (seeds 001
// and 004). Files come from the provisioning pipeline like every door's; logins are judged
// by its access stage. Passive (PASV, EPSV) data connections only. Knows nothing of vendors.
//
// The door takes connections and closes; slots.ts decides who may come in, session.ts speaks
// FTP on each control connection, data-connection.ts carries the files.

import { createServer, type AddressInfo, type Server } from 'node:net';

import { acceptSteadily } from '../steady-accept.ts';
import { plainAddress } from './commands.ts';
import { FtpSession, type FtpSessionOptions } from './session.ts';
import { SessionSlots } from './slots.ts';

export interface FtpDoorOptions extends FtpSessionOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Control connections at once. Default 256; the last eighth only for addresses holding none. */
  maxSessions?: number;
  /** Control connections at once from one address. Default 8. */
  maxSessionsPerAddress?: number;
}

export interface FtpDoor {
  address: AddressInfo;
  /**
   * Stops taking connections and ends the idle sessions; a file being sent may finish for
   * `drainMs` (0: none) before its session is ended too.
   */
  close(drainMs?: number): Promise<void>;
}

export async function startFtpDoor(options: FtpDoorOptions): Promise<FtpDoor> {
  const maxSessions = options.maxSessions ?? 256;
  const slots = new SessionSlots<FtpSession>(maxSessions, options.maxSessionsPerAddress ?? 8);
  const sessions = slots.sessions;
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    const client = plainAddress(socket.remoteAddress);
    const refusal = slots.refusal(client);
    if (refusal) {
      // Trickled bytes must not hold the door: the session waiting longest for its login goes.
      const victim = slots.makeRoom(client, refusal, (session) => !session.loggedIn);
      const outcome = victim ? 'the one waiting longest for a login closed' : 'refused';
      options.onLimit?.({
        door: 'ftp',
        address: client,
        limit: refusal.limit,
        detail: `${refusal.detail}: ${outcome}`,
      });
      if (!victim) {
        socket.end('421 Too many connections, try again later.\r\n');
        return;
      }
      slots.giveBack(victim.client, victim);
      victim.abort();
    }
    const session = new FtpSession(socket, options);
    slots.take(client, session);
    socket.once('close', () => {
      slots.giveBack(client, session);
      session.dispose();
    });
    session.start();
  });
  server.maxConnections = maxSessions + 16;
  acceptSteadily(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.onError?.(`ftp: ${error.message}`));
  return {
    address: server.address() as AddressInfo,
    async close(drainMs = 0): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + drainMs;
      for (;;) {
        for (const session of sessions) if (!session.sending) session.abort();
        if (sessions.size === 0 || Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(25, deadline - Date.now())));
      }
      for (const session of sessions) session.abort();
      await closed;
    },
  };
}
