// Run by steady-accept.test.ts with --allow-natives-syntax: accepts the same connections with
// Node's accept and with the steady one, and prints how many hidden classes the options each
// socket's stream was built from had. Node's Socket hands them to stream.Duplex.call.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';

import { acceptSteadily } from '../../src/transports/steady-accept.ts';

const SOCKETS = 40;
const seen: object[] = [];
Object.defineProperty(Duplex, 'call', {
  configurable: true,
  value(self: unknown, options?: { handle?: unknown }): unknown {
    if (options?.handle) seen.push(options);
    return Function.prototype.call.call(Duplex, self, options);
  },
});

// V8's own comparison of two objects' hidden classes, reachable with --allow-natives-syntax.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;

async function classes(major: number | undefined): Promise<number> {
  seen.length = 0;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('x');
  });
  if (major !== undefined) acceptSteadily(server, major);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  for (let i = 0; i < SOCKETS; i++) {
    const client = connect(port, '127.0.0.1');
    client.resume();
    await once(client, 'close');
  }
  await new Promise((resolve) => server.close(resolve));
  const distinct: object[] = [];
  for (const options of seen)
    if (!distinct.some((d) => sameMap(d, options))) distinct.push(options);
  return distinct.length;
}

const nodeAccept = await classes(undefined);
const steady = await classes(Number(process.argv[2]));
process.stdout.write(JSON.stringify({ sockets: SOCKETS, nodeAccept, steady }));
