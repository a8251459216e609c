import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

import { adminApi } from '../../src/api/admin-api.ts';
import { addDevices, type DeviceInput } from '../../src/management/devices.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { buildHttpDoor } from '../../src/transports/http/door.ts';

export interface Harness {
  url: string;
  port: number;
  dataDir: string;
  runtime: Runtime;
  token: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'pnd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An embedded runtime behind a real HTTP door on a loopback port, with the admin API. */
export async function startHarness(
  devices: DeviceInput[] = [],
  now?: () => Date,
): Promise<Harness> {
  const dataDir = tempDir();
  const runtime = await openRuntime({ dataDir, ...(now ? { now } : {}) });
  if (devices.length > 0) await addDevices(runtime.store, devices, new Date());
  const token = 'test-token';
  const app = await buildHttpDoor({
    provisioner: runtime.pipeline,
    extend: async (instance) => {
      await instance.register(adminApi, {
        prefix: '/api/v1',
        store: runtime.store,
        pipeline: runtime.pipeline,
        recorder: runtime.recorder,
        token,
        now: runtime.now,
      });
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir,
    runtime,
    token,
    async api(method, path, body) {
      const response = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await app.close();
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const FLYINGVOICE_PHONE: DeviceInput = {
  mac: '00:21:F2:00:00:01',
  vendor: 'flyingvoice',
  settings: {
    'accounts.1.user': '1001',
    'accounts.1.password': 's3cret',
    'accounts.1.registrar': 'pbx.example.com',
  },
};
