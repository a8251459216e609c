import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createSecureContext, type Server as TlsServer } from 'node:tls';

import type { FastifyInstance } from 'fastify';

import { adminApi } from './api/admin-api.ts';
import { buildAdminDoor } from './api/admin-door.ts';
import type { ConsoleSessions } from './api/sessions.ts';
import { descriptorsNeeded, openFilesLimit, type DoorLimits } from './config/door-limits.ts';
import { formatListen, type ListenAddress } from './config/listen.ts';
import {
  adminToken,
  clearRunningServer,
  ensureDataDir,
  tightenDataDir,
  writeRunningServer,
  type RunningServer,
} from './config/data-dir.ts';
import { loadSecurityConfig } from './config/security-config.ts';
import type { DoorName, ServerConfig } from './config/server-config.ts';
import { tlsMaterial, type TlsMaterial } from './config/tls-files.ts';
import { secureContextOptions } from './transports/http/tls-context.ts';
import { pndError } from './errors.ts';
import type { Logger } from './log.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { drivers } from './drivers/registry.ts';
import type { ServerFacts } from './management/check.ts';
import { checkScope, type CheckReport } from './management/check-scope.ts';
import { DeviceIndex } from './management/device-index.ts';
import { doorUrls } from './config/door-urls.ts';
import { metricsRoute } from './metrics/route.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';
import { NetworkSet } from './model/cidr.ts';
import { LimitRecorder } from './provisioning/limit-recorder.ts';
import { CheckSync } from './sip/check-sync.ts';
import { ephemeralEndpoint, startSipDoor, type SipDoor } from './sip/door.ts';
import { localAddressTowards } from './sip/transport.ts';
import { buildHttpDoor } from './transports/http/door.ts';
import { startFtpDoor } from './transports/ftp/server.ts';
import { startTftpDoor } from './transports/tftp/server.ts';
import { Acs } from './tr069/acs.ts';
import { startAcsDoor } from './tr069/door.ts';

export interface RunningDoors {
  runtime: Runtime;
  /** Where each door listens, with the port actually bound (port 0 picks one). */
  addresses: Partial<Record<DoorName, ListenAddress>>;
  /** The admin listener (console and admin API), when it is on. */
  admin?: ListenAddress;
  metrics: ServerMetrics;
  /**
   * Takes up what can change while serving (SIGHUP): the TLS certificate, key and client
   * CAs (read again even when their names did not change), the public URL, trusted proxies,
   * the miss throttle, whether /metrics is public. Throws, changing nothing, when a TLS file
   * is unusable; connections and transfers under way are not touched.
   */
  reload(next: ServerConfig): void;
  /**
   * Stops accepting at every door; transfers under way may finish for `drainMs`, then the
   * rest are cut off, and the events are written last. Without `drainMs` (tests, commands),
   * HTTP replies under way finish and TFTP and FTP transfers are aborted at once.
   */
  close(drainMs?: number): Promise<void>;
}

/** Starts every configured door on one runtime; the order of shutdown is the reverse. */
export async function startServer(
  config: ServerConfig,
  log: Logger,
  now?: () => Date,
): Promise<RunningDoors> {
  ensureDataDir(config.dataDir);
  // What a reload may change is read from `current` wherever it is used.
  let current = config;
  const security = config.security ?? loadSecurityConfig(() => undefined);
  const runtime = await openRuntime({
    dataDir: config.dataDir,
    log,
    access: { trustedProxies: security.trustedProxies, throttle: security.throttle },
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.node !== undefined ? { node: config.node } : {}),
    ...(now ? { now } : {}),
  });
  if (!config.databaseUrl) tightenDataDir(config.dataDir);
  const closers: (() => Promise<void>)[] = [() => runtime.close()];
  // The doors stop together, each draining what it has under way, before everything else.
  const doorClosers: ((drainMs: number | undefined) => Promise<void>)[] = [];
  const addresses: RunningDoors['addresses'] = {};
  const { limits } = security;
  // Clients held to a door's limits become security events, a few a minute at most.
  const limitsReached = new LimitRecorder({
    append: (events) => runtime.store.appendSecurityEvents(events),
    now: runtime.now,
  });
  closers.push(async () => limitsReached.close());
  // The HTTP doors' connection caps; a trusted proxy speaks for many clients, so it has no
  // per-address cap (the proxy set is read at each accept: a reload changes it).
  let proxies = new NetworkSet(security.trustedProxies);
  const connectionLimits = {
    connections: {
      connections: limits.httpConnections,
      perAddress: limits.httpConnectionsPerAddress,
      headerTimeoutMs: limits.httpHeaderTimeoutMs,
    },
    exempt: (address: string) => proxies.size > 0 && proxies.has(address),
    onLimit: limitsReached.hit,
  };
  let ready = false;
  let tftpDoor: { stats(): { active: number } } | undefined;
  const metrics = new ServerMetrics({
    vendors: drivers.flatMap((driver) => driver.vendors),
    tftpInFlight: () => tftpDoor?.stats().active ?? 0,
    events: () => ({ pending: runtime.recorder.pending, dropped: runtime.recorder.dropped }),
    blockedAddresses: () => runtime.pipeline.blockedAddresses(),
  });
  closers.push(async () => metrics.close());
  let closing: Promise<void> | undefined;
  const close = (drainMs?: number): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      clearRunningServer(config.dataDir);
      await Promise.all(doorClosers.map((closer) => closer(drainMs).catch(() => {})));
      for (const closer of closers.reverse()) await closer().catch(() => {});
    })();
    return closing;
  };
  try {
    const token = adminToken(config.dataDir);
    if (token.created) log('info', 'admin API token created', { file: token.path });

    // check-sync goes out of the SIP door when it is on, else from a port opened on first use.
    let sipDoor: SipDoor | undefined;
    const spare = ephemeralEndpoint();
    closers.push(() => spare.close());
    const checkSync = new CheckSync({
      store: runtime.store,
      drivers,
      recorder: runtime.recorder,
      now: runtime.now,
      localAddress: localAddressTowards,
      endpoint: () => (sipDoor ? Promise.resolve(sipDoor.endpoint) : spare.get()),
    });

    let running: RunningServer | undefined;
    // What `plugndial check` needs of this server: where phones are sent, where it listens.
    const facts = (): ServerFacts => ({
      ...(current.publicUrl ? { publicUrl: current.publicUrl } : {}),
      doors: addresses,
      proxied: security.trustedProxies.length > 0,
    });
    const deviceIndex = new DeviceIndex(runtime.store);
    closers.push(async () => deviceIndex.close());
    // The admin API is on both HTTP doors (management commands use the plain one) and on the
    // admin listener, the one place where a console session stands for the token.
    const api = async (instance: FastifyInstance, sessions?: ConsoleSessions): Promise<void> => {
      await instance.register(adminApi, {
        ...(sessions ? { sessions } : {}),
        prefix: '/api/v1',
        store: runtime.store,
        pipeline: runtime.pipeline,
        recorder: runtime.recorder,
        token: token.token,
        now: runtime.now,
        checkSync,
        server: facts,
        deviceIndex,
      });
      metricsRoute(instance, {
        metrics,
        token: token.token,
        isPublic: () => current.metricsPublic === true,
      });
    };
    const http = config.doors.http;
    if (http) {
      const app = await buildHttpDoor({
        provisioner: runtime.pipeline,
        healthy: () => ready,
        extend: (instance) => api(instance),
        ...connectionLimits,
      });
      await listen(() => app.listen({ host: http.host, port: http.port }), 'http', http);
      doorClosers.push((drainMs) => closeHttpDoor(app, drainMs));
      const bound = app.server.address() as AddressInfo;
      addresses.http = { host: http.host, port: bound.port };
      const apiHost = http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
      running = {
        pid: process.pid,
        api: `http://${formatListen({ host: apiHost, port: bound.port })}/api/v1`,
        startedAt: new Date().toISOString(),
      };
      writeRunningServer(config.dataDir, running);
    }

    const https = config.doors.https;
    // The HTTPS door's certificate: read at start and again at each reload.
    const readTls = (next: ServerConfig): TlsMaterial => {
      const host = next.publicUrl
        ? new URL(next.publicUrl).hostname.replace(/^\[|\]$/g, '')
        : https!.host === '0.0.0.0' || https!.host === '::'
          ? 'localhost'
          : https!.host;
      return tlsMaterial({
        dataDir: next.dataDir,
        ...(next.security ?? security).tls,
        host,
        now: runtime.now(),
      });
    };
    let httpsServer: TlsServer | undefined;
    let clientCas = security.tls.clientCaFiles.length > 0;
    if (https) {
      const tls = readTls(config);
      if (tls.created) log('info', 'self-signed TLS certificate created', { file: tls.certPath });
      const app = await buildHttpDoor({
        provisioner: runtime.pipeline,
        healthy: () => ready,
        scheme: 'https',
        https: { key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}) },
        extend: (instance) => api(instance),
        ...connectionLimits,
      });
      await listen(() => app.listen({ host: https.host, port: https.port }), 'https', https);
      doorClosers.push((drainMs) => closeHttpDoor(app, drainMs));
      httpsServer = app.server as unknown as TlsServer;
      addresses.https = { host: https.host, port: (app.server.address() as AddressInfo).port };
    }

    const tftp = config.doors.tftp;
    if (tftp) {
      const door = await listen(
        () =>
          startTftpDoor({
            provisioner: runtime.pipeline,
            host: tftp.host,
            port: tftp.port,
            ackPollMs: config.tftp?.ackPollMs,
            maxTransfers: limits.tftpTransfers,
            maxTransfersPerClient: limits.tftpTransfersPerAddress,
            maxClientTimeoutMs: limits.tftpMaxTimeoutMs,
            maxHoldMs: limits.tftpMaxHoldMs,
            onLimit: limitsReached.hit,
          }),
        'tftp',
        tftp,
      );
      doorClosers.push((drainMs) => door.close(drainMs));
      tftpDoor = door;
      addresses.tftp = { host: tftp.host, port: door.address.port };
    }

    const ftp = config.doors.ftp;
    if (ftp) {
      const door = await listen(
        () =>
          startFtpDoor({
            provisioner: runtime.pipeline,
            host: ftp.host,
            port: ftp.port,
            ...(security.ftpPassivePorts ? { passivePorts: security.ftpPassivePorts } : {}),
            maxSessions: limits.ftpSessions,
            maxSessionsPerAddress: limits.ftpSessionsPerAddress,
            lineTimeoutMs: limits.ftpLineTimeoutMs,
            loginTimeoutMs: limits.ftpLoginTimeoutMs,
            onLimit: limitsReached.hit,
            onError: (message) => log('warn', 'ftp door', { error: message }),
          }),
        'ftp',
        ftp,
      );
      doorClosers.push((drainMs) => door.close(drainMs));
      addresses.ftp = { host: ftp.host, port: door.address.port };
    }

    const sip = config.doors.sip;
    if (sip) {
      const door = await listen(
        () =>
          startSipDoor({
            host: sip.host,
            port: sip.port,
            interfaces: config.sip.interfaces,
            unknown: config.sip.unknown,
            store: runtime.store,
            drivers,
            recorder: runtime.recorder,
            now: runtime.now,
            // Read at each SUBSCRIBE: the URLs name the doors as they are bound.
            doorUrls: (reachedAt) =>
              doorUrls(addresses, {
                reachedAt,
                ...(current.publicUrl ? { publicUrl: current.publicUrl } : {}),
              }),
            answers: {
              notifyTo: limits.sipNotifyTo,
              notifiesPerMinute: limits.sipNotifiesPerMinute,
              onLimit: limitsReached.hit,
            },
            onJoinFailure: (address, code) =>
              log('warn', 'cannot join the plug-and-play group', { interface: address, code }),
          }),
        'sip',
        sip,
      );
      sipDoor = door;
      doorClosers.push(() => door.close());
      addresses.sip = { host: sip.host, port: door.address.port };
      log('info', 'plug-and-play group joined', {
        group: '224.0.1.75',
        interfaces: door.joined.length > 0 ? door.joined.join(',') : 'none',
        unknown: config.sip.unknown,
      });
    }
    const acs = config.doors.acs;
    if (acs) {
      const door = await listen(
        () =>
          startAcsDoor({
            host: acs.host,
            port: acs.port,
            ...connectionLimits,
            acs: new Acs({
              sessionLimits: {
                sessions: limits.acsSessions,
                perAddress: limits.acsSessionsPerAddress,
              },
              onLimit: limitsReached.hit,
              store: runtime.store,
              pipeline: runtime.pipeline,
              drivers,
              recorder: runtime.recorder,
              now: runtime.now,
              log,
              // Read at each session: Downloads name the file doors as they are bound.
              fileOrigin: (reachedAt) => fileOrigin(addresses, reachedAt, current.publicUrl),
            }),
          }),
        'acs',
        acs,
      );
      doorClosers.push(() => door.close());
      addresses.acs = { host: acs.host, port: door.address.port };
    }
    let adminAddress: ListenAddress | undefined;
    const admin = config.admin;
    if (admin) {
      const app = await buildAdminDoor({
        api,
        healthy: () => ready,
        bodyStallMs: limits.httpHeaderTimeoutMs,
        onLimit: limitsReached.hit,
      });
      await listen(() => app.listen({ host: admin.host, port: admin.port }), 'admin', admin);
      closers.push(() => app.close());
      adminAddress = { host: admin.host, port: (app.server.address() as AddressInfo).port };
      // Without an HTTP door the admin listener is where management commands find the API.
      if (!running) {
        const apiHost = admin.host === '0.0.0.0' || admin.host === '::' ? '127.0.0.1' : admin.host;
        running = {
          pid: process.pid,
          api: `http://${formatListen({ host: apiHost, port: adminAddress.port })}/api/v1`,
          startedAt: new Date().toISOString(),
        };
      }
    }
    ready = true;
    // Again with every door as bound, for commands that point phones here (plugndial dhcp).
    const announce = (): void => {
      if (!running) return;
      const publicUrl = current.publicUrl ? { publicUrl: current.publicUrl } : {};
      writeRunningServer(config.dataDir, { ...running, doors: { ...addresses }, ...publicUrl });
    };
    announce();
    for (const [name, address] of Object.entries(addresses)) {
      log('info', `${name} door listening`, { address: formatListen(address) });
    }
    if (adminAddress) {
      const address = formatListen(adminAddress);
      log('info', 'admin door listening', { address, console: `http://${address}/console/` });
    }
    warnOfDescriptors(log, limits, addresses);
    log('info', 'plugndial ready', {
      store: config.databaseUrl ? 'postgres' : 'embedded',
      dataDir: config.dataDir,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    });
    // The `plugndial check` report, once; in the background, so a large site's devices do
    // not hold the doors back. Closing waits for it.
    const context = { store: runtime.store, drivers, index: deviceIndex, server: facts() };
    const report = checkScope(context, { all: true }).then(
      (checked) => logReport(log, checked),
      (error: unknown) => log('warn', 'check not run', { error: (error as Error).message }),
    );
    closers.push(() => report);
    const reload = (next: ServerConfig): void => {
      const nextSecurity = next.security ?? security;
      if (httpsServer) {
        const wantsCas = nextSecurity.tls.clientCaFiles.length > 0;
        if (wantsCas !== clientCas) {
          throw pndError(
            'PND_CONFIG',
            '--client-ca: asking for client certificates, or ceasing to, takes a restart',
          );
        }
        const tls = readTls(next);
        try {
          // The pair is checked before the door uses it: a key of another certificate fails here.
          createSecureContext(secureContextOptions(tls));
        } catch (error) {
          throw pndError(
            'PND_TLS_FILE',
            `${tls.certPath}: the certificate and key cannot be used together (${(error as Error).message.slice(0, 120)}); the previous ones stay in use`,
          );
        }
        httpsServer.setSecureContext(secureContextOptions(tls));
        clientCas = wantsCas;
        log('info', 'TLS certificate reloaded', { file: tls.certPath });
      }
      proxies = new NetworkSet(nextSecurity.trustedProxies);
      runtime.pipeline.configureAccess({
        trustedProxies: nextSecurity.trustedProxies,
        throttle: nextSecurity.throttle,
      });
      current = next;
      announce();
    };
    return {
      runtime,
      addresses,
      ...(adminAddress ? { admin: adminAddress } : {}),
      metrics,
      reload,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function logReport(log: Logger, report: CheckReport): void {
  for (const finding of report.findings) {
    log('warn', `check: ${finding.problem}`, {
      kind: finding.kind,
      devices: finding.count,
      ...(finding.devices[0] ? { first: finding.devices[0] } : {}),
      fix: finding.fix,
    });
  }
  log(report.findings.length > 0 ? 'warn' : 'info', 'check done', {
    devices: report.checked,
    problems: report.findings.length,
    details: 'plugndial check',
  });
}

/**
 * Where a CPE fetches what a Download names: the public URL when it is HTTP(S), else the
 * HTTP door, else the HTTPS door, as the CPE reaches this host.
 */
function fileOrigin(
  addresses: RunningDoors['addresses'],
  reachedAt: string,
  publicUrl: string | undefined,
): string | undefined {
  const urls = doorUrls(addresses, { reachedAt, ...(publicUrl ? { publicUrl } : {}) });
  if (urls.https && publicUrl?.startsWith('https:')) return urls.https;
  if (urls.http) return urls.http;
  const https = addresses.https;
  if (!https) return undefined;
  const host = https.host === '0.0.0.0' || https.host === '::' ? reachedAt : https.host;
  return `https://${host.includes(':') ? `[${host}]` : host}${https.port === 443 ? '' : `:${https.port}`}`;
}

/**
 * An HTTP(S) door's shutdown: no new connections, idle ones closed at once, replies under way
 * given until the deadline, then cut off.
 */
async function closeHttpDoor(app: FastifyInstance, drainMs: number | undefined): Promise<void> {
  const closed = app.close();
  if (drainMs === undefined) return closed;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      app.server.closeAllConnections();
      resolve();
    }, drainMs);
  });
  await Promise.race([closed, late]);
  clearTimeout(timer);
  await closed;
}

async function listen<T>(
  start: () => Promise<T>,
  door: string,
  address: ListenAddress,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EACCES'
        ? `; ports below 1024 need privileges: run as root or pass --${door} 8${String(address.port).padStart(3, '0').slice(-3)}`
        : code === 'EADDRINUSE'
          ? `; something else listens there: pass --${door} OTHER-PORT or --${door} off`
          : code === 'EADDRNOTAVAIL'
            ? `; no interface of this host has that address: pass --${door} ${address.port} (every address), --${door} ADDRESS:${address.port} with an address of this host, or --${door} off`
            : '';
    throw pndError(
      'PND_LISTEN',
      `cannot listen for ${door} on ${formatListen(address)}: ${code ?? (error as Error).message}${hint}`,
    );
  }
}

/**
 * Says so when the open-files limit is below what the doors may hold at their limits. Node
 * raises its soft limit to the hard one at start, so what is read here is the hard limit,
 * which only the operator can raise.
 */
function warnOfDescriptors(
  log: Logger,
  limits: DoorLimits,
  addresses: Readonly<Record<string, unknown>>,
): void {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return; // not Linux: nothing to read it from
  }
  const limit = openFilesLimit(text);
  const needed = descriptorsNeeded(limits, Object.keys(addresses));
  if (limit === undefined || limit >= needed) return;
  log('warn', 'the open-files limit is below what the door limits allow', {
    limit,
    needed,
    fix: 'raise it (systemd: LimitNOFILE=, a shell: ulimit -Hn) or lower --http-connections, --ftp-sessions, --tftp-transfers',
  });
}
