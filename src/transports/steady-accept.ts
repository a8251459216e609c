// Accepting TCP connections without giving every socket a hidden class of its own.
//
// Node 20's net.Server makes each accepted socket with `new Socket({ handle, … })`, and the
// Socket constructor copies those options (`{ ...options }`) and then adds four keys to the
// copy. The V8 in Node 20 gives a spread copy that gains new keys a fresh hidden class every
// time. So every stream constructor that reads the options misses its inline caches, and
// thousands of one-off classes a second crowd everything else out of V8's shared cache of
// property lookups. With a new connection per request, the door spends more time on that
// than on the request.
//
// Here the server accepts as Node does, but the options already hold those four keys (with
// the values the constructor gives them anyway), so the copy keeps one class. Anything
// unusual (an accept error, a connection limit, a block list, TCP keep-alive) still goes
// through Node's own code.
//
// This reaches into net.Server's internals, so it runs only on the Node line it was verified
// on. Node 22 and 24 accept the same way, but their V8 gives those copies one class already
// (test/transports/steady-accept-maps.ts counts the classes): there Node's own accept is used.

import { channel } from 'node:diagnostics_channel';
import { Socket, type Server } from 'node:net';

/** The parts of net.Server's internals this module relies on, as Node 20 has them. */
interface ServerInternals {
  _handle?: ListenHandle | null;
  _connections: number;
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  highWaterMark?: number;
  blockList?: unknown;
}

type AcceptCallback = (this: ListenHandle, error: number, client: object) => void;

interface ListenHandle {
  onconnection?: AcceptCallback & { [STEADY]?: true };
}

interface AcceptedSocket {
  server: Server;
  _server: Server;
}

const STEADY = Symbol('plugndial.steady-accept');
/** Node publishes each accepted socket here; so do we. */
const acceptedChannel = channel('net.server.socket');

/** The Node major versions whose accept and Socket constructor this module was checked against. */
export const VERIFIED_NODE_MAJORS: readonly number[] = [20];

export function nodeMajor(version: string = process.versions.node): number {
  return Number(version.split('.')[0]);
}

/**
 * Makes `server` accept its connections with steady options, now if it listens and again
 * each time it starts listening. Leaves Node's accept in place on a Node line it was not
 * verified on (`major` is the running one unless a test says otherwise) and when the
 * internals differ.
 */
export function acceptSteadily(server: Server, major: number = nodeMajor()): void {
  if (!VERIFIED_NODE_MAJORS.includes(major)) return;
  const install = (): void => {
    const internals = server as unknown as ServerInternals;
    const handle = internals._handle;
    const nodeAccept = handle?.onconnection;
    if (!handle || typeof nodeAccept !== 'function' || nodeAccept[STEADY]) return;
    const steady: AcceptCallback = function (this: ListenHandle, error, client) {
      const full = server.maxConnections > 0 && internals._connections >= server.maxConnections;
      if (error || full || internals.blockList || internals.keepAlive) {
        nodeAccept.call(this, error, client);
        return;
      }
      const socket = new Socket({
        handle: client,
        allowHalfOpen: internals.allowHalfOpen,
        pauseOnCreate: internals.pauseOnConnect,
        readable: true,
        writable: true,
        readableHighWaterMark: internals.highWaterMark,
        writableHighWaterMark: internals.highWaterMark,
        // Set by the Socket constructor whatever is passed; present here so the copy keeps
        // the class it was made with.
        emitClose: false,
        autoDestroy: true,
        decodeStrings: false,
      } as ConstructorParameters<typeof Socket>[0]);
      if (internals.noDelay) socket.setNoDelay(true);
      internals._connections += 1;
      // How a socket finds its server: its destroy counts the connection off again.
      const accepted = socket as unknown as AcceptedSocket;
      accepted.server = server;
      accepted._server = server;
      server.emit('connection', socket);
      if (acceptedChannel.hasSubscribers) acceptedChannel.publish({ socket });
    };
    handle.onconnection = Object.assign(steady, { [STEADY]: true as const });
  };
  server.on('listening', install);
  if (server.listening) install();
}

/** Whether `server`, listening now, accepts through acceptSteadily. */
export function acceptsSteadily(server: Server): boolean {
  const handle = (server as unknown as ServerInternals)._handle;
  return handle?.onconnection?.[STEADY] === true;
}
