/**
 * A storm phone that boots as a TR-069 CPE: instead of its phone script, its CWMP client
 * informs the ACS door, fetches what each Download names and reports TransferComplete
 * (src/simulate/cwmp.ts), from the phone's own address.
 */
import type { Driver, PhoneFetch, PhoneIdentity } from '../../src/drivers/driver.ts';
import { runCpe, type CpeMemory } from '../../src/simulate/cwmp.ts';

/** FileType of the Download that delivers the phone's configuration (TR-069 A.3.2.8). */
const CONFIGURATION = '3 Vendor Configuration File';

export interface CpeBoot {
  ok: boolean;
  why: string;
  /** What the CPE remembers for its next attempt (its acknowledged files, bootstrap). */
  memory: CpeMemory;
  /** CWMP sessions opened and HTTP messages exchanged with the ACS. */
  sessions: number;
  messages: number;
  /** Downloads the ACS sent, and of those the configuration's. */
  downloads: number;
  configured: boolean;
}

/**
 * One boot over CWMP. `fetch` fetches what a Download names (the HTTP or HTTPS door); a boot
 * is whole when the sessions complete, every Download succeeded and the configuration came
 * (on this attempt or, for a retry, an earlier one: the ACS does not send an acknowledged
 * file again).
 */
export async function bootByCwmp(
  phone: { identity: PhoneIdentity; driver: Driver; address: string },
  acsUrl: string,
  fetch: PhoneFetch,
  memory: CpeMemory,
  configuredBefore: boolean,
): Promise<CpeBoot> {
  const describe = phone.driver.phone.tr069;
  if (!describe)
    return {
      ok: false,
      why: `${phone.identity.vendor} phones have no TR-069 client`,
      memory,
      sessions: 0,
      messages: 0,
      downloads: 0,
      configured: false,
    };
  const run = await runCpe({
    acsUrl,
    mac: phone.identity.mac,
    description: describe(phone.identity),
    fetch,
    localAddress: phone.address,
    memory,
  });
  const fault = run.downloads.find((download) => download.faultCode !== 0);
  const configured =
    configuredBefore || run.downloads.some((download) => download.fileType === CONFIGURATION);
  const why = !run.ok
    ? `CWMP: ${run.exchanges.at(-1) ?? 'no exchange'}`
    : fault
      ? `Download ${fault.fileType} ${fault.url}: ${fault.status} fault ${fault.faultCode}`
      : 'the ACS sent no configuration';
  return {
    ok: run.ok && !fault && configured,
    why,
    memory: run.memory,
    sessions: run.exchanges.filter((line) => line.startsWith('Inform')).length,
    messages: run.exchanges.length,
    downloads: run.downloads.length,
    configured,
  };
}
