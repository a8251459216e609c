import { renderBoot, renderCfg } from '../../formats/cfg.ts';
import type { Mac } from '../../model/mac.ts';
import type { Settings } from '../../model/settings.ts';
import type {
  Artifact,
  Explanation,
  FirmwareRef,
  NativeEntry,
  Recognition,
  RenderContext,
} from '../driver.ts';
import { NULL_VALUE, VERSION_LINE } from './cfg-markers.ts';
import { dialectFor } from './dialect.ts';
import { configKey, encryptCfg, securityFile } from './encryption.ts';
import {
  COMMON_BOOT,
  COMMON_CFG,
  COMMON_NAME,
  CONTENT_TYPE,
  ENCRYPTED_TYPE,
  PHONEBOOK_SUFFIX,
  PHONEBOOK_TYPE,
  SECURITY_SUFFIX,
  isBootFile,
  isCfgFile,
  isDeviceFile,
  isPhonebookFile,
  isSecurityFile,
  isUploadFile,
  isYealinkFile,
  macBareName,
  macBootName,
  macCfgName,
  modelCfgName,
  uploadName,
  type YealinkFile,
} from './files.ts';
import { mapSettings, overwriteMode } from './mapping.ts';
import { commonFileOf, modelInfo, modelOfCode, releaseOf, type YealinkModel } from './models.ts';
import { renderPhonebook } from './phonebook.ts';

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
  // What the phone writes is served back from what it sent (the pipeline's uploads), never rendered.
  if (isUploadFile(file) || file === 'firmware-image') return undefined;
  const mac = context.device?.mac ?? recognition.mac;
  if (isDeviceFile(file) && (!context.device || !mac)) return undefined;
  const name = fileName(file, mac, recognition.params?.['code']);
  if (name === undefined) return undefined;
  if (isBootFile(file)) {
    return { file: name, entries: bootEntries(file, mac, context), ignored: [] };
  }
  if (isPhonebookFile(file)) {
    if (!context.contacts || context.contacts.length === 0) return undefined;
    return { file: name, entries: [], ignored: [] };
  }
  if (isSecurityFile(file)) {
    return configKey(context.settings) ? { file: name, entries: [], ignored: [] } : undefined;
  }
  const derived = derivedSettings(file, mac, context);
  const dialect = dialectFor(context.vendor);
  const model = dialect === 'yealink' ? modelOf(file, recognition, context) : undefined;
  // A shared file is read by phones of every release: only a phone's own file follows its firmware.
  const firmware = file === 'mac-cfg' ? context.reported?.firmware : undefined;
  const release = dialect === 'yealink' ? releaseOf(model, firmware) : undefined;
  const mapping = mapSettings(dialect, {
    settings: derived.settings,
    now: context.now,
    baseUrl: context.baseUrl,
    ...(model ? { model } : {}),
    ...(release !== undefined ? { release } : {}),
    ...(context.accessoryFirmware ? { accessories: context.accessoryFirmware } : {}),
  });
  const mapped = mapping.entries.map((e) =>
    e.from !== undefined && derived.from[e.from] !== undefined
      ? { ...e, from: derived.from[e.from] }
      : e,
  );
  // `%NULL%` is how a cfg says "empty": a value of those very characters would reach the
  // phone as nothing, so it is not written, and the explanation says why.
  const entries = mapped.filter((e) => e.value !== NULL_VALUE);
  const unsaid = mapped.filter((e) => e.value === NULL_VALUE).map((e) => e.from ?? e.key);
  const notes = [
    ...mapping.notes,
    ...unsaid.map(
      (key) => `${key} is not written: its value ${NULL_VALUE} means empty to the phone`,
    ),
  ];
  return {
    file: name,
    entries,
    ignored: [...mapping.ignored, ...unsaid],
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/**
 * The model a cfg is written for: the one its number names (the User-Agent's where several
 * share it) for a per-model file, the device's own or the one it reports for its MAC file;
 * none for `y000000000000.cfg`, which every phone shares.
 */
function modelOf(
  file: YealinkFile,
  recognition: Recognition,
  context: RenderContext,
): YealinkModel | undefined {
  const reported = context.reported?.model ?? recognition.reported?.model;
  if (file === 'model-cfg') {
    const code = recognition.params?.['code'];
    return code !== undefined && /^\d+$/.test(code)
      ? modelOfCode(Number(code), reported)
      : undefined;
  }
  if (file === 'mac-cfg') return modelInfo(context.device?.model) ?? modelInfo(reported);
  return undefined;
}

/**
 * A firmware image asked for by its own name (`T46S-66.86.0.15.rom`, `W56H-61.87.0.5.rom`):
 * the catalogue image this phone is offered under that name, its own or one of its handsets'.
 */
export function firmwareImage(
  recognition: Recognition,
  context: RenderContext,
): FirmwareRef | undefined {
  const name = recognition.params?.['name']?.toLowerCase();
  if (recognition.file !== 'firmware-image' || name === undefined) return undefined;
  const offered = [
    ...(context.firmware ? [context.firmware] : []),
    ...(context.accessoryFirmware ?? []),
  ];
  const image = offered.find((t) => t.fileName.toLowerCase() === name);
  return image && { vendor: image.vendor, model: image.model, version: image.version };
}

/**
 * The settings as the cfg states them: the catalogue's firmware URL and the phonebook
 * plugndial serves stand in for firmware.url and phonebook.url when the operator gave none,
 * and stored files' paths become URLs the phone can fetch.
 */
function derivedSettings(
  file: YealinkFile,
  mac: Mac | undefined,
  context: RenderContext,
): { settings: Settings; from: Record<string, string> } {
  const settings: Settings = { ...context.settings };
  const from: Record<string, string> = {};
  // The credentials the access policy asks of this phone from now on, in its own cfg only.
  if (file === 'mac-cfg' && context.credentials) {
    settings['provisioning.username'] = context.credentials.username;
    settings['provisioning.password'] = context.credentials.password;
  }
  if (settings['firmware.url'] === undefined && context.firmware) {
    settings['firmware.url'] = context.firmware.url;
    from['firmware.url'] = 'firmware.version';
  }
  if (settings['phonebook.url'] === undefined && context.contacts && context.contacts.length > 0) {
    const owner = file === 'mac-cfg' && mac ? mac : COMMON_NAME;
    settings['phonebook.url'] = `${context.baseUrl}${owner}${PHONEBOOK_SUFFIX}`;
    from['phonebook.url'] = 'phonebook (contacts)';
  }
  for (const key of ['resources.certificate', 'resources.background']) {
    const path = settings[key];
    if (typeof path === 'string') {
      settings[key] = `${context.baseUrl}${path.split('/').map(encodeURIComponent).join('/')}`;
    }
  }
  return { settings, from };
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const explanation = explainFile(recognition, context);
  if (!explanation) return undefined;
  const file = recognition.file as YealinkFile;
  const key = configKey(context.settings);
  if (isSecurityFile(file))
    return key ? { body: securityFile(key), contentType: ENCRYPTED_TYPE } : undefined;
  if (isPhonebookFile(file)) {
    const xml = renderPhonebook(context.contacts!, dialectFor(context.vendor));
    return { body: Buffer.from(xml, 'utf8'), contentType: PHONEBOOK_TYPE };
  }
  // Asked to encrypt without a usable key: no cfg at all rather than a plain one.
  if (isCfgFile(file) && key === null) return undefined;
  const text = isBootFile(file)
    ? renderBoot(
        explanation.entries.filter((e) => e.key === INCLUDE).map((e) => e.value),
        {
          firstLine: VERSION_LINE,
          overwriteMode: explanation.entries.some((e) => e.key === OVERWRITE && e.value === '1'),
        },
      )
    : renderCfg(explanation.entries, {
        firstLine: VERSION_LINE,
        // A Yealink phone keeps its value for `key=` (unless overwrite_mode is on): an empty
        // setting is written `%NULL%`, which clears it (VENDORS-MORE.md).
        ...(dialectFor(context.vendor) === 'yealink' ? { emptyValue: NULL_VALUE } : {}),
      });
  const body = Buffer.from(text, 'utf8');
  const installs = file === 'mac-cfg' && context.credentials !== undefined;
  const artifact: Artifact =
    isCfgFile(file) && key
      ? { body: encryptCfg(body, key), contentType: ENCRYPTED_TYPE }
      : { body, contentType: CONTENT_TYPE };
  return installs ? { ...artifact, installsCredentials: true } : artifact;
}

/**
 * The MAC boot file names the common cfg first, so the device's own lines win: a Yealink
 * phone whose model is known gets its model's file (`y000000000077.cfg` for a W60B), which
 * carries what differs by model; any other phone the shared `y000000000000.cfg`.
 */
function bootEntries(
  file: YealinkFile,
  mac: Mac | undefined,
  context: RenderContext,
): NativeEntry[] {
  const model =
    file !== 'common-boot' && dialectFor(context.vendor) === 'yealink'
      ? (modelInfo(context.device?.model) ?? modelInfo(context.reported?.model))
      : undefined;
  const common = model ? commonFileOf(model) : COMMON_CFG;
  // Relative names resolve against the boot file's own URL: the phone keeps its door and prefix.
  const includes = file === 'common-boot' || !mac ? [COMMON_CFG] : [common, macCfgName(mac)];
  const entries: NativeEntry[] = includes.map((name) => ({ key: INCLUDE, value: name }));
  if (overwriteMode(context.settings)) {
    entries.push({ key: OVERWRITE, value: '1', from: 'provisioning.overwrite_mode' });
  }
  return entries;
}

function fileName(
  file: YealinkFile,
  mac: Mac | undefined,
  code: string | undefined,
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
      return code === undefined ? undefined : modelCfgName(code);
    case 'mac-phonebook':
      return mac && `${mac}${PHONEBOOK_SUFFIX}`;
    case 'common-phonebook':
      return `${COMMON_NAME}${PHONEBOOK_SUFFIX}`;
    case 'mac-security':
      return mac && `${mac}${SECURITY_SUFFIX}`;
    case 'common-security':
      return `${COMMON_NAME}${SECURITY_SUFFIX}`;
    case 'model-security':
      return code === undefined
        ? undefined
        : `${modelCfgName(code).slice(0, -4)}${SECURITY_SUFFIX}`;
    case 'mac-local':
    case 'mac-contact':
    case 'mac-calllog':
      return mac && uploadName(file, mac);
    case 'firmware-image':
      return undefined;
  }
}
