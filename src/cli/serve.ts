import { LIMIT_FLAGS } from '../config/door-limits.ts';
import { loadServerConfig } from '../config/server-config.ts';
import { consoleLogger } from '../log.ts';
import { startServer } from '../server.ts';
import { parse } from './args.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial serve [--data-dir DIR | --database postgres://…] [--public-url URL] [--config FILE]
                [--http [host:]port|off] [--tftp [host:]port|off] [--tftp-ack-poll MS]
                [--sip [host:]port|off] [--sip-interface auto|all|none|NAME|ADDRESS]… [--sip-unknown POLICY]
                [--https [host:]port|off] [--tls-cert FILE --tls-key FILE] [--client-ca FILE]…
                [--ftp [host:]port|off] [--ftp-passive-ports FROM-TO] [--acs on|[host:]port|off]
                [--trusted-proxies CIDR,…] [--miss-limit N] [--miss-window S] [--miss-block S]
                [--event-retention-days D] [--event-max N] [--admin [host:]port|off]
Defaults: --data-dir ./data, --http 80, --tftp 69, --sip 5060 (UDP), --acs 7547,
  --admin 127.0.0.1:7080; HTTPS and FTP off.
--admin: the admin listener: the operator console (/console/) and the admin API, apart from
  the phones' doors (the API is on the HTTP doors too, for the token only).
--data-dir: the embedded store's directory (one server owns it); --database: a PostgreSQL
  server instead, shared by several nodes.
--public-url: the URL phones are given (plug-and-play answers, TR-069 Downloads, DHCP
  snippets) when it differs from the address they reach this host on, e.g. behind a proxy.
--tftp-ack-poll: after each block the TFTP door polls for its ACK this long instead of
  sleeping (default 1 ms; lock-step transfers run about twice as fast; 0 saves the CPU).
--sip-interface: where to join the plug-and-play group 224.0.1.75; repeatable or a comma
  list of interface names and IPv4 addresses. auto (default): every IPv4 interface when the
  SIP door listens on 0.0.0.0, else the interface of its address; all; none: unicast only.
--sip-unknown: what a phone that is not a device gets: pending-answer (default: recorded
  for "plugndial device claim", answered with the common URL), pending, answer or ignore.
--https: phones over TLS 1.2+; without --tls-cert/--tls-key a self-signed certificate for
  the public URL's host is made once in <data dir>/tls. --client-ca: CA bundles (PEM) that
  client certificates are checked against (provisioning.access=client-certificate).
--ftp: read-only FTP (anonymous or per-device credentials); passive and extended passive,
  on --ftp-passive-ports (default: any free port).
--acs: the TR-069 ACS (CWMP over HTTP) for phones that take their configuration by Download;
  port 7547 unless told otherwise. CPEs authenticate by digest as their
  provisioning.access policy says; Downloads point at the HTTP door (else HTTPS).
--trusted-proxies: proxies whose X-Forwarded-For names the client.
--miss-limit/--miss-window/--miss-block: more than N misses (unknown MAC, missing file, wrong
  credentials) from one address within S seconds refuse it for S seconds (20, 60, 300; 0 = never).
Door limits (docs/security.md): --ftp-sessions 256 --ftp-sessions-per-address 8
  --ftp-line-timeout 30 --ftp-login-timeout 30 --tftp-transfers 512
  --tftp-transfers-per-address 16 --tftp-max-timeout 10 --tftp-max-hold 600
  --sip-notify-to source|contact --sip-notifies-per-minute 60 (seconds where a time).
--event-retention-days/--event-max: provisioning events older than D days (30) or beyond the
  newest N (1000000) are pruned, every 10 minutes.
--config FILE: the same options as a JSON object, names without the dashes, e.g.
  {"http": "8080", "tftp": "6969", "public-url": "http://10.0.0.5:8080", "sip-interface": "eth0",
   "client-ca": ["yealink-ca.pem", "fanvil-ca.pem"], "event-retention-days": 7}
Precedence: flags, then PLUGNDIAL_<FLAG> in the environment (e.g. PLUGNDIAL_HTTP=8080,
PLUGNDIAL_PUBLIC_URL=…), then the file.`;

/** Every flag serve takes; the usage above and the README document each of them. */
export const SERVE_OPTIONS = {
  'public-url': { type: 'string' },
  config: { type: 'string' },
  http: { type: 'string' },
  https: { type: 'string' },
  tftp: { type: 'string' },
  ftp: { type: 'string' },
  sip: { type: 'string' },
  acs: { type: 'string' },
  admin: { type: 'string' },
  'sip-interface': { type: 'string', multiple: true },
  'sip-unknown': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'client-ca': { type: 'string', multiple: true },
  'trusted-proxies': { type: 'string' },
  'miss-limit': { type: 'string' },
  'miss-window': { type: 'string' },
  'miss-block': { type: 'string' },
  'ftp-passive-ports': { type: 'string' },
  'event-retention-days': { type: 'string' },
  'event-max': { type: 'string' },
  'tftp-ack-poll': { type: 'string' },
  ...(Object.fromEntries(LIMIT_FLAGS.map((name) => [name, { type: 'string' }])) as Record<
    (typeof LIMIT_FLAGS)[number],
    { type: 'string' }
  >),
} as const;

export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, SERVE_OPTIONS);
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const flags = Object.fromEntries(
    Object.entries(values)
      .map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])
      .filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
  const config = loadServerConfig({ flags, env: process.env });
  const log = consoleLogger();
  const server = await startServer(config, log);
  const prune = setInterval(() => {
    const before = new Date(Date.now() - config.events.retentionDays * 86_400_000);
    server.runtime.store.pruneEvents(before, config.events.maxEvents).catch(() => {});
  }, 600_000);
  prune.unref();
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('info', 'stopping', { signal });
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  clearInterval(prune);
  await server.close();
  return 0;
}
