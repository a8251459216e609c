import type { DeviceInput } from '../../src/management/devices.ts';
import { startHarness, type Harness } from '../support/harness.ts';

export const FANVIL_MAC = '0c383e07e16c';
export const FANVIL_AGENT = 'Fanvil X4 2.10.2.6887 0c383e07e16c';

export function fanvilPhone(settings: Record<string, unknown> = {}): DeviceInput {
  return {
    mac: FANVIL_MAC,
    vendor: 'fanvil',
    model: 'X4',
    settings: {
      'accounts.1.user': '1001',
      'accounts.1.password': 's3cret',
      'accounts.1.registrar': 'pbx.example.com',
      ...settings,
    },
  };
}

export interface Catalogue extends Harness {
  upload(
    query: Record<string, string>,
    body: Buffer,
    declared?: Record<string, string | number>,
  ): Promise<{ status: number; body: unknown }>;
  raw(
    method: string,
    path: string,
    body: string,
    type: string,
  ): Promise<{ status: number; body: unknown }>;
  phone(
    path: string,
    userAgent?: string,
  ): Promise<{ status: number; body: Buffer; type: string | null }>;
}

/** The test harness with helpers for raw uploads and phone requests. */
export async function harnessWith(devices: DeviceInput[], now?: () => Date): Promise<Catalogue> {
  const h = await startHarness(devices, now);
  const send = async (
    method: string,
    path: string,
    body: Uint8Array | string,
    type: string,
  ): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${h.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${h.token}`, 'content-type': type },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return Object.assign(h, {
    upload: (
      query: Record<string, string>,
      body: Buffer,
      declared: Record<string, string | number> = {},
    ) =>
      send(
        'POST',
        `/firmware?${new URLSearchParams({ ...query, ...Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, String(v)])) })}`,
        new Uint8Array(body),
        'application/octet-stream',
      ),
    raw: (method: string, path: string, body: string, type: string) =>
      send(method, path, body, type),
    phone: async (path: string, userAgent?: string) => {
      const response = await fetch(`${h.url}${path}`, {
        headers: userAgent ? { 'user-agent': userAgent } : {},
      });
      return {
        status: response.status,
        body: Buffer.from(await response.arrayBuffer()),
        type: response.headers.get('content-type'),
      };
    },
  });
}
