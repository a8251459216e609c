import { fanvilCpe } from '../../src/drivers/fanvil/tr069.ts';
import { drivers } from '../../src/drivers/registry.ts';
import type { Mac } from '../../src/model/mac.ts';
import { phoneFetch } from '../../src/simulate/fetch.ts';
import { runCpe, type CpeOptions, type CpeRun } from '../../src/simulate/cwmp.ts';
import { Acs, type AcsOptions } from '../../src/tr069/acs.ts';
import { startAcsDoor, type AcsDoor } from '../../src/tr069/door.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import type { DeviceInput } from '../../src/management/devices.ts';

export const MAC = '0c383e07e16c' as Mac;

export const FANVIL_DEVICE: DeviceInput = {
  mac: MAC,
  vendor: 'fanvil',
  model: 'X4',
  settings: {
    'accounts.1.user': '2001',
    'accounts.1.password': 'sip-secret-2001',
    'accounts.1.registrar': 'pbx.example.net',
  },
};

export interface AcsHarness {
  harness: Harness;
  acs: Acs;
  door: AcsDoor;
  acsUrl: string;
  cpe(options?: Partial<CpeOptions>): Promise<CpeRun>;
  close(): Promise<void>;
}

/** An ACS on a harness's store and pipeline, its Downloads naming the harness's door. */
export function acsOf(harness: Harness, options: Partial<AcsOptions> = {}): Acs {
  const { runtime } = harness;
  return new Acs({
    store: runtime.store,
    pipeline: runtime.pipeline,
    drivers,
    recorder: runtime.recorder,
    now: runtime.now,
    fileOrigin: () => harness.url,
    ...options,
  });
}

/** The HTTP door with the admin API, and the ACS door beside it, both on loopback. */
export async function startAcs(devices: DeviceInput[] = [FANVIL_DEVICE]): Promise<AcsHarness> {
  const harness = await startHarness(devices);
  const acs = acsOf(harness);
  const door = await startAcsDoor({ acs, host: '127.0.0.1', port: 0 });
  const acsUrl = `http://127.0.0.1:${door.address.port}/acs`;
  return {
    harness,
    acs,
    door,
    acsUrl,
    cpe: (options = {}) =>
      runCpe({
        acsUrl,
        mac: MAC,
        description: fanvilCpe({ mac: MAC, vendor: 'fanvil', model: 'X4' }),
        fetch: phoneFetch,
        ...options,
      }),
    async close() {
      await door.close();
      await harness.close();
    },
  };
}
