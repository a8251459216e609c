// What the operator sees of a device's files (`plugndial render`, the admin API): each file
// as its phone receives it, which canonical key made which native line, and why a file the
// phone asks for is not served.

import type { Explanation } from '../drivers/driver.ts';
import { configKeyProblem, type KeyProblem } from '../drivers/config-key.ts';
import { driverForVendor } from '../drivers/registry.ts';
import type { Mac } from '../model/mac.ts';
import { isSecretKey } from '../model/settings.ts';
import type { ProvisioningPipeline } from '../provisioning/pipeline.ts';
import type { CachedArtifact } from '../provisioning/etag.ts';
import type { Store } from '../store/store.ts';

export interface FilePreview {
  artifact?: CachedArtifact;
  explanation?: Explanation;
  driver?: string;
  /** Why the phone is not served this file, when the operator can fix it. */
  withheld?: KeyProblem;
  /**
   * The secret values the file may carry (every secret setting of the device, the
   * credentials it is handed), for masking: a driver may write them in a form of its own.
   */
  secrets?: string[];
}

/** Renders one of a device's files as its phone would receive it from `origin`. */
export async function previewFile(
  pipeline: Pick<ProvisioningPipeline, 'render'>,
  mac: Mac,
  fileName: string,
  origin: string,
): Promise<FilePreview> {
  const rendered = await pipeline.render(mac, fileName, origin);
  if (!rendered) return {};
  const { device, driver, recognition, context, artifact } = rendered;
  const withheld = artifact
    ? undefined
    : configKeyProblem(driver.configKeys, device.vendor, context.settings);
  const secrets = Object.entries(context.settings).flatMap(([key, value]) =>
    isSecretKey(key) && typeof value === 'string' && value !== '' ? [value] : [],
  );
  if (context.credentials?.password) secrets.push(context.credentials.password);
  for (const value of [...secrets]) secrets.push(...(driver.writtenForms?.(value) ?? []));
  return {
    driver: driver.name,
    ...(artifact ? { artifact } : {}),
    explanation: driver.explain(recognition, context),
    ...(withheld && driver.configKeys?.encrypts(recognition) ? { withheld } : {}),
    secrets,
  };
}

/** The file names a device has, as its driver names them. */
export async function deviceFiles(
  store: Pick<Store, 'getDevice'>,
  pipeline: Pick<ProvisioningPipeline, 'render'>,
  mac: Mac,
): Promise<string[]> {
  const device = await store.getDevice(mac);
  if (!device) return [];
  // A driver lists every file its phones may ask for; some exist only with some settings
  // (a category without content, a single-file layout), and those are left out; one that
  // is withheld (encrypted under a key that does not fit) is listed: the phone asks for it.
  const present: string[] = [];
  for (const file of driverForVendor(device.vendor)?.files(mac, device.model) ?? []) {
    const preview = await previewFile(pipeline, mac, file, 'http://localhost');
    if (preview.artifact || preview.withheld) present.push(file);
  }
  return present;
}
