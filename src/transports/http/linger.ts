import type { Socket } from 'node:net';

/**
 * What is read and dropped after a refused body's answer, before the close: the close is a
 * reset when the client is still sending, and a reset that arrives before the client has
 * read the answer takes the answer with it. A few MiB give a client busy writing time to read
 * it, and are still far from what a 2 GiB Content-Length would cost.
 */
export const LINGER_BYTES = 4 * 1024 * 1024;
/** How long a closing connection goes on reading at the most. */
const LINGER_MS = 2000;

/**
 * Ends a connection whose answer is written without resetting it: reads and drops at most
 * `limit` more bytes (or LINGER_MS) of what the client still sends, then closes.
 */
export function lingerThenClose(socket: Socket, limit = LINGER_BYTES): void {
  let read = 0;
  const close = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > limit) close();
  });
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
  socket.end();
}

/**
 * node:http ends a `Connection: close` exchange with the socket's destroySoon(): on a
 * connection whose request body is left unread, it lingers first instead. Every door that
 * refuses a body before reading it (the phones' door, its uploads, the ACS) closes this way.
 */
export function lingerOnClose(socket: Socket): void {
  (socket as Socket & { destroySoon?: () => void }).destroySoon = () => lingerThenClose(socket);
}
