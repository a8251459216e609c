import type { AddressInfo } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { adminApi } from './api/admin-api.ts';
import { buildAdminDoor } from './api/admin-door.ts';
import type { ConsoleSessions } from './api/sessions.ts';
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
import { tlsMaterial } from './config/tls-files.ts';
import { pndError } from './errors.ts';
import type { Logger } from './log.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { drivers } from './drivers/registry.ts';
import type { ServerFacts } from './management/check.ts';
import { checkScope, type CheckReport } from './management/check-scope.ts';
import { DeviceIndex } from './management/device-index.ts';
import { doorUrls } from './config/door-urls.ts';
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
  close(): Promise<void>;
}

/** Starts every configured door on one runtime; the order of shutdown is the reverse. */
export async function startServer(
  config: ServerConfig,
  log: Logger,
  now?: () => Date,
): Promise<RunningDoors> {
  ensureDataDir(config.dataDir);
  const security = config.security ?? loadSecurityConfig(() => undefined);
  const runtime = await openRuntime({
    dataDir: config.dataDir,
    log,
    access: { trustedProxies: security.trustedProxies, throttle: security.throttle },
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(now ? { now } : {}),
  });
  if (!config.databaseUrl) tightenDataDir(config.dataDir);
  const closers: (() => Promise<void>)[] = [() => runtime.close()];
  const addresses: RunningDoors['addresses'] = {};
  const { limits } = security;
  // Clients held to a door's limits become security events, a few a minute at most.
  const limitsReached = new LimitRecorder({
    append: (events) => runtime.store.appendSecurityEvents(events),
    now: runtime.now,
  });
  closers.push(async () => limitsReached.close());
  let ready = false;
  const close = async (): Promise<void> => {
    clearRunningServer(config.dataDir);
    for (const closer of closers.reverse()) await closer().catch(() => {});
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
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
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
    };
    const http = config.doors.http;
    if (http) {
      const app = await buildHttpDoor({
        provisioner: runtime.pipeline,
        healthy: () => ready,
        extend: (instance) => api(instance),
      });
      await listen(() => app.listen({ host: http.host, port: http.port }), 'http', http);
      closers.push(() => app.close());
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
    if (https) {
      const host = config.publicUrl
        ? new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, '')
        : https.host === '0.0.0.0' || https.host === '::'
          ? 'localhost'
          : https.host;
      const tls = tlsMaterial({
        dataDir: config.dataDir,
        ...security.tls,
        host,
        now: runtime.now(),
      });
      if (tls.created)
        log('info', 'self-signed TLS certificate created', { file: tls.certPath, host });
      const app = await buildHttpDoor({
        provisioner: runtime.pipeline,
        healthy: () => ready,
        scheme: 'https',
        https: { key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}) },
        extend: (instance) => api(instance),
      });
      await listen(() => app.listen({ host: https.host, port: https.port }), 'https', https);
      closers.push(() => app.close());
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
      closers.push(() => door.close());
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
      closers.push(() => door.close());
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
                ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
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
      closers.push(() => door.close());
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
            acs: new Acs({
              store: runtime.store,
              pipeline: runtime.pipeline,
              drivers,
              recorder: runtime.recorder,
              now: runtime.now,
              log,
              // Read at each session: Downloads name the file doors as they are bound.
              fileOrigin: (reachedAt) => fileOrigin(addresses, reachedAt, config.publicUrl),
            }),
          }),
        'acs',
        acs,
      );
      closers.push(() => door.close());
      addresses.acs = { host: acs.host, port: door.address.port };
    }
    let adminAddress: ListenAddress | undefined;
    const admin = config.admin;
    if (admin) {
      const app = await buildAdminDoor({ api, healthy: () => ready });
      await listen(() => app.listen({ host: admin.host, port: admin.port }), 'admin', admin);
      closers.push(() => app.close());
      adminAddress = { host: admin.host, port: (app.server.address() as AddressInfo).port };
    }
    ready = true;
    // Again with every door as bound, for commands that point phones here (plugndial dhcp).
    if (running) {
      const publicUrl = config.publicUrl ? { publicUrl: config.publicUrl } : {};
      writeRunningServer(config.dataDir, { ...running, doors: { ...addresses }, ...publicUrl });
    }
    for (const [name, address] of Object.entries(addresses)) {
      log('info', `${name} door listening`, { address: formatListen(address) });
    }
    if (adminAddress) {
      const address = formatListen(adminAddress);
      log('info', 'admin door listening', { address, console: `http://${address}/console/` });
    }
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
    return { runtime, addresses, ...(adminAddress ? { admin: adminAddress } : {}), close };
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
