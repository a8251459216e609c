import { renderBoot, renderCfg } from '../../formats/cfg.ts';
import type { Mac } from '../../model/mac.ts';
import type { Artifact, Explanation, NativeEntry, Recognition, RenderContext } from '../driver.ts';
import { dialectFor } from './dialect.ts';
import {
  COMMON_BOOT,
  COMMON_CFG,
  CONTENT_TYPE,
  isBootFile,
  isDeviceFile,
  isYealinkFile,
  macBareName,
  macBootName,
  macCfgName,
  modelCfgName,
  type YealinkFile,
} from './files.ts';
import { mapSettings, overwriteMode } from './mapping.ts';

const INCLUDE = 'include:config';
const OVERWRITE = 'overwrite_mode';

/**
 * The native lines of one file. Render writes exactly these lines, so `--explain`
 * can never disagree with what the phone receives.
 */
export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const file = recognition.file;
  if (!isYealinkFile(file)) return undefined;
  const mac = context.device?.mac ?? recognition.mac;
  if (isDeviceFile(file) && (!context.device || !mac)) return undefined;
  const name = fileName(file, mac, recognition.params?.model);
  if (name === undefined) return undefined;
  if (isBootFile(file)) {
    return { file: name, entries: bootEntries(file, mac, context), ignored: [] };
  }
  const mapping = mapSettings(context.settings, dialectFor(context.vendor), context.now);
  return { file: name, entries: mapping.entries, ignored: mapping.ignored };
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const explanation = explainFile(recognition, context);
  if (!explanation) return undefined;
  const text = isBootFile(recognition.file as YealinkFile)
    ? renderBoot(
        explanation.entries.filter((e) => e.key === INCLUDE).map((e) => e.value),
        { overwriteMode: explanation.entries.some((e) => e.key === OVERWRITE && e.value === '1') },
      )
    : renderCfg(explanation.entries);
  return { body: Buffer.from(text, 'utf8'), contentType: CONTENT_TYPE };
}

/** The MAC boot file names the common cfg first, so the device's own lines win. */
function bootEntries(
  file: YealinkFile,
  mac: Mac | undefined,
  context: RenderContext,
): NativeEntry[] {
  // Relative names resolve against the boot file's own URL: the phone keeps its door and prefix.
  const includes = file === 'common-boot' || !mac ? [COMMON_CFG] : [COMMON_CFG, macCfgName(mac)];
  const entries: NativeEntry[] = includes.map((name) => ({ key: INCLUDE, value: name }));
  if (overwriteMode(context.settings)) {
    entries.push({ key: OVERWRITE, value: '1', from: 'provisioning.overwrite_mode' });
  }
  return entries;
}

function fileName(
  file: YealinkFile,
  mac: Mac | undefined,
  model: string | undefined,
): string | undefined {
  switch (file) {
    case 'mac-bare':
      return mac && macBareName(mac);
    case 'mac-boot':
      return mac && macBootName(mac);
    case 'mac-cfg':
      return mac && macCfgName(mac);
    case 'common-boot':
      return COMMON_BOOT;
    case 'common-cfg':
      return COMMON_CFG;
    case 'model-cfg':
      return model === undefined ? undefined : modelCfgName(model);
  }
}
