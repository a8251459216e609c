import { isPlugndialError } from '../errors.ts';
import {
  flagValues,
  resolveOptions,
  SERVE_OPTIONS,
  serveFlags,
  type ResolvedOptions,
} from '../config/options.ts';
import { serverConfigOf, type ServerConfig } from '../config/server-config.ts';
import { logRequests, operatorLog, type OperatorLog } from '../log.ts';
import { startServer, type RunningDoors } from '../server.ts';
import { parse } from './args.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial serve [--data-dir DIR | --database postgres://… [--node NAME]] [--public-url URL] [--config FILE]
                [--http [host:]port|off] [--tftp [host:]port|off] [--tftp-ack-poll MS]
                [--sip [host:]port|off] [--sip-interface auto|all|none|NAME|ADDRESS]… [--sip-unknown POLICY]
                [--https [host:]port|off] [--tls-cert FILE --tls-key FILE] [--client-ca FILE]…
                [--ftp [host:]port|off] [--ftp-passive-ports FROM-TO] [--acs on|[host:]port|off]
                [--trusted-proxies CIDR,…] [--miss-limit N] [--miss-window S] [--miss-block S]
                [--event-retention-days D] [--event-max N] [--admin [host:]port|off]
                [--config file.json] [--metrics-public]
                [--log-level error|warn|info|debug] [--log-format json|text] [--stop-timeout S]
Defaults: --data-dir ./data, --http 80, --tftp 69, --sip 5060 (UDP), --acs 7547,
  --admin 127.0.0.1:7080; HTTPS and FTP off.
--admin: the admin listener: the operator console (/console/) and the admin API, apart from
  the phones' doors (the API is on the HTTP doors too, for the token only).
--data-dir: the embedded store's directory (one server owns it); --database: a PostgreSQL
  server instead, shared by several nodes. --node: this node's name in the events it
  records (default with --database: the host name), so an event says which node served it.
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
Door limits (docs/security.md): --http-connections 2048 --http-connections-per-address 256
  --http-header-timeout 20 (each of HTTP, HTTPS and ACS: its own count)
  --ftp-sessions 256 --ftp-sessions-per-address 8
  --ftp-line-timeout 30 --ftp-login-timeout 30 --tftp-transfers 512
  --tftp-transfers-per-address 16 --tftp-max-timeout 10 --tftp-max-hold 600
  --sip-notify-to source|contact --sip-notifies-per-minute 60
  --acs-sessions 2048 --acs-sessions-per-address 16 (seconds where a time).
--event-retention-days/--event-max: provisioning events older than D days (30) or beyond the
  newest N (1000000) are pruned, every 10 minutes.
--config FILE: the same options as a JSON object, names without the dashes, e.g.
  {"http": "8080", "tftp": "6969", "public-url": "http://10.0.0.5:8080", "sip-interface": "eth0",
   "client-ca": ["yealink-ca.pem", "fanvil-ca.pem"], "event-retention-days": 7}
--log-level: info (default) logs starts, stops, blocks and problems; debug adds one line per
  phone request. --log-format: text on a terminal, JSON lines otherwise (journald).
--metrics-public: GET /metrics without the admin token (Prometheus text format).
SIGHUP reloads the TLS files and the --config file (docs/service.md says what changes);
SIGTERM stops accepting, lets transfers finish for --stop-timeout seconds (30), writes the
events and exits 0.
Every flag is also a key of the --config file and a PLUGNDIAL_<FLAG> environment variable
(e.g. PLUGNDIAL_HTTP=8080): docs/configuration.md; "plugndial config check" shows the result.`;

export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, serveFlags());
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const flags = flagValues(values);
  let resolved = resolveOptions({ flags, env: process.env });
  let config = serverConfigOf(resolved);
  const log = operatorLog(config.log ?? { level: 'info' });
  const requests = logRequests(log);
  // Heard from before the start: a stop the moment "plugndial ready" is out, or while the
  // server starts, is a clean stop once it has started. Without a listener Node.js dies by
  // the signal, losing the buffered events and the exit code a service manager looks at.
  // Only the first is heard; a second one ends a start that hangs.
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const server = await startServer(config, log);
  const prune = setInterval(() => {
    const before = new Date(Date.now() - config.events.retentionDays * 86_400_000);
    server.runtime.store.pruneEvents(before, config.events.maxEvents).catch(() => {});
  }, 600_000);
  prune.unref();
  const reload = (): void => {
    const next = reloaded(server, resolved, flags, log);
    if (next) ({ resolved, config } = next);
  };
  process.on('SIGHUP', reload);
  const signal = await stopSignal;
  process.off('SIGHUP', reload);
  const drainMs = config.stopTimeoutMs ?? 30_000;
  log('info', 'stopping: no new requests; transfers under way may finish', {
    signal,
    deadlineSeconds: drainMs / 1000,
  });
  clearInterval(prune);
  await server.close(drainMs);
  requests.close();
  log('info', 'stopped', { signal });
  return 0;
}

/**
 * SIGHUP: the configuration file and environment read again, applied where they can be
 * while serving. Anything wrong leaves the running configuration as it was, with an error
 * that names the key or the file.
 */
function reloaded(
  server: RunningDoors,
  before: ResolvedOptions,
  flags: Record<string, string>,
  log: OperatorLog,
): { resolved: ResolvedOptions; config: ServerConfig } | undefined {
  let resolved: ResolvedOptions;
  let config: ServerConfig;
  try {
    resolved = resolveOptions({ flags, env: process.env });
    config = serverConfigOf(resolved);
    server.reload(config);
  } catch (error) {
    const known = isPlugndialError(error);
    log('error', 'reload refused; the running configuration stays', {
      error: known ? error.message : 'internal error',
      ...(known ? { code: error.code } : {}),
    });
    return undefined;
  }
  if (config.log) log.setLevel(config.log.level);
  const changed = SERVE_OPTIONS.filter(
    (option) => resolved.values.get(option.name)?.value !== before.values.get(option.name)?.value,
  );
  const later = changed.filter((option) => !option.reloads).map((option) => option.name);
  log('info', 'configuration reloaded', {
    changed: changed.map((option) => option.name).join(',') || 'nothing',
    ...(resolved.file ? { file: resolved.file } : {}),
  });
  if (later.length > 0) {
    log('warn', 'some changes take effect at the next start', { restart: later.join(',') });
  }
  return { resolved, config };
}
