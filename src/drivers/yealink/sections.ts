import type { Dialect } from './dialect.ts';
import { handsetRules, otaLines, templateLines, templateRule } from './dect.ts';
import { keyPrefix, pickupField } from './keys.ts';
import type { MapContext, Rule, Section } from './mapping-rules.ts';
import { SERVER_KEYS_RELEASE, SERVER_TRANSPORT_RELEASE, type YealinkModel } from './models.ts';
import {
  adminPassword,
  dateFormat,
  flag,
  keyType,
  language,
  listItem,
  notifyReboot,
  repeatEnable,
  repeatMinutes,
  timeFormat,
  transport,
} from './native-values.ts';

/**
 * The canonical-to-native tables, one per dialect; Yealink's depends on the model where the
 * generations differ (key layout, legacy transport key, DECT server templates and handsets).
 * Sources are cited in README.md.
 */
export function sectionsFor(
  dialect: Dialect,
  model: YealinkModel | undefined,
  release: number | undefined,
): readonly Section[] {
  return dialect === 'flyingvoice' ? FLYINGVOICE : yealinkSections(model, release);
}

const enabledByUser: Rule['otherwise'] = { from: 'accounts.N.user', convert: (): string => '1' };

const TIME: readonly Rule[] = [
  { from: 'time.ntp_servers', to: 'local_time.ntp_server1', convert: listItem(0) },
  { from: 'time.ntp_servers', to: 'local_time.ntp_server2', convert: listItem(1) },
  { from: 'time.time_format', to: 'local_time.time_format', convert: timeFormat },
  { from: 'time.date_format', to: 'local_time.date_format', convert: dateFormat },
];

const LINE_KEYS: readonly Rule[] = [
  { from: 'keys.N.type', to: 'linekey.N.type', convert: keyType },
  { from: 'keys.N.account', to: 'linekey.N.line' },
  { from: 'keys.N.value', to: 'linekey.N.value' },
  { from: 'keys.N.label', to: 'linekey.N.label' },
];

/** Seed 001's keys exactly; the web-only provisioning fields have no documented key. */
const FLYINGVOICE: readonly Section[] = [
  {
    group: 'accounts',
    rules: [
      {
        from: 'accounts.N.enabled',
        to: 'account.N.enable',
        convert: flag,
        otherwise: enabledByUser,
      },
      { from: 'accounts.N.label', to: 'account.N.label' },
      { from: 'accounts.N.display_name', to: 'account.N.display_name' },
      {
        from: 'accounts.N.auth_user',
        to: 'account.N.auth_name',
        otherwise: { from: 'accounts.N.user' },
      },
      { from: 'accounts.N.password', to: 'account.N.password' },
      { from: 'accounts.N.user', to: 'account.N.user_name' },
      { from: 'accounts.N.registrar', to: 'account.N.sip_server_host' },
      { from: 'accounts.N.registrar_port', to: 'account.N.sip_server_port' },
      { from: 'accounts.N.outbound_proxy', to: 'account.N.outbound_host' },
      { from: 'accounts.N.outbound_proxy_port', to: 'account.N.outbound_port' },
    ],
  },
  { zone: true, rules: TIME },
  {
    group: 'keys',
    rules: [...LINE_KEYS, { from: 'keys.N.pickup_value', to: 'linekey.N.pickup_value' }],
  },
  {
    rules: [
      { from: 'provisioning.url', to: 'auto_provision.server.url' },
      { from: 'provisioning.username', to: 'auto_provision.server.username' },
      { from: 'provisioning.password', to: 'auto_provision.server.password' },
      { from: 'phonebook.url', to: 'local_contact.data.url' },
      // Yealink's key before the static. prefix, which Flyingvoice copied (not in seed 001).
      { from: 'firmware.url', to: 'firmware.url' },
      { from: 'security.web_http', to: 'wui.http_enable', convert: flag },
      { from: 'security.web_https', to: 'wui.https_enable', convert: flag },
      { from: 'locale.language', to: 'lang.gui', convert: language },
    ],
  },
];

const ACCOUNT_NAMES: readonly Rule[] = [
  { from: 'accounts.N.enabled', to: 'account.N.enable', convert: flag, otherwise: enabledByUser },
  { from: 'accounts.N.label', to: 'account.N.label' },
  { from: 'accounts.N.display_name', to: 'account.N.display_name' },
  {
    from: 'accounts.N.auth_user',
    to: 'account.N.auth_name',
    otherwise: { from: 'accounts.N.user' },
  },
  { from: 'accounts.N.user', to: 'account.N.user_name' },
  { from: 'accounts.N.password', to: 'account.N.password' },
];

const OUTBOUND: readonly Rule[] = [
  {
    from: 'accounts.N.outbound_proxy',
    to: 'account.N.outbound_proxy_enable',
    convert: (): string => '1',
  },
  { from: 'accounts.N.outbound_proxy', to: 'account.N.outbound_proxy.1.address' },
  { from: 'accounts.N.outbound_proxy_port', to: 'account.N.outbound_proxy.1.port' },
];

/**
 * The account's own server and outbound proxy: V8x keys; firmware before V80 names the
 * transport apart, and firmware of V70 and before (T2xP) reads the flat keys Flyingvoice
 * kept: `sip_server_host`, `outbound_host`, with no second server or proxy switch.
 */
function serverRules(release: number | undefined): readonly Rule[] {
  if (release !== undefined && release < SERVER_KEYS_RELEASE) return FLAT_SERVER;
  const legacy = release !== undefined && release < SERVER_TRANSPORT_RELEASE;
  return [
    { from: 'accounts.N.registrar', to: 'account.N.sip_server.1.address' },
    { from: 'accounts.N.registrar_port', to: 'account.N.sip_server.1.port' },
    {
      from: 'accounts.N.transport',
      to: legacy ? 'account.N.transport' : 'account.N.sip_server.1.transport_type',
      convert: transport,
    },
    ...OUTBOUND,
  ];
}

const FLAT_SERVER: readonly Rule[] = [
  { from: 'accounts.N.registrar', to: 'account.N.sip_server_host' },
  { from: 'accounts.N.registrar_port', to: 'account.N.sip_server_port' },
  { from: 'accounts.N.transport', to: 'account.N.transport', convert: transport },
  { from: 'accounts.N.outbound_proxy', to: 'account.N.outbound_host' },
  { from: 'accounts.N.outbound_proxy_port', to: 'account.N.outbound_port' },
];

const KEY_RULES: readonly Rule[] = [
  { from: 'keys.N.type', to: 'K.type', convert: keyType },
  { from: 'keys.N.account', to: 'K.line' },
  { from: 'keys.N.value', to: 'K.value' },
  { from: 'keys.N.label', to: 'K.label' },
];

/** The pickup code goes to `extension` or `pickup_value`, whichever the key's kind reads. */
function pickupRule(model: YealinkModel | undefined, release: number | undefined): Rule {
  return {
    from: 'keys.N.pickup_value',
    to: (n: number): string => {
      const prefix = keyPrefix(n, model) ?? `linekey.${n}`;
      return `${prefix}.${pickupField(prefix, release)}`;
    },
  };
}

/**
 * Files the phone writes back (provisioning.uploads=store): its local changes
 * (`<mac>-local.cfg`, kept only while local changes win: custom.protect) and its local
 * contacts (`<mac>-contact.xml`), sent with PUT to the door the file came from when that
 * is HTTP(S); over TFTP the phone's provisioning server URL is used.
 */
const UPLOAD_RULES: readonly Rule[] = [
  {
    from: 'provisioning.uploads',
    to: 'static.auto_provision.custom.protect',
    convert: storeOnly('1'),
  },
  {
    from: 'provisioning.uploads',
    to: 'static.auto_provision.custom.sync',
    convert: (v) => (v === 'store' ? '1' : '0'),
  },
  {
    from: 'provisioning.uploads',
    to: 'static.auto_provision.custom.upload_method',
    convert: storeOnly('0'),
  },
  {
    from: 'provisioning.uploads',
    to: 'static.auto_provision.custom.sync.path',
    compute: uploadPath,
  },
  {
    from: 'provisioning.uploads',
    to: 'static.auto_provision.local_contact.backup.enable',
    convert: (v) => (v === 'store' ? '1' : '0'),
  },
  {
    from: 'provisioning.uploads',
    to: 'static.auto_provision.local_contact.backup.path',
    compute: uploadPath,
  },
];

function storeOnly(native: string): (value: unknown) => string | undefined {
  return (value) => (value === 'store' ? native : undefined);
}

function uploadPath(context: MapContext): string | undefined {
  const base = context.baseUrl;
  if (context.settings['provisioning.uploads'] !== 'store' || base === undefined) return undefined;
  return /^https?:\/\//i.test(base) ? base : undefined;
}

function yealinkSections(
  model: YealinkModel | undefined,
  release: number | undefined,
): readonly Section[] {
  const dect = model?.dect;
  const templates = dect?.serverTemplates === true;
  const sections: Section[] = [];
  if (templates) sections.push({ lines: templateLines, rules: [] });
  sections.push(
    {
      group: 'accounts',
      ...(dect ? { max: dect.accounts } : {}),
      rules: [
        ...ACCOUNT_NAMES,
        ...(templates ? [templateRule, ...OUTBOUND] : serverRules(release)),
      ],
    },
    { zone: true, rules: TIME },
  );
  // Handsets and their images belong to a DECT base; a phone of unknown model gets them too.
  if (dect || !model) {
    sections.push(
      { group: 'handsets', ...(dect ? { max: dect.handsets } : {}), rules: handsetRules },
      { lines: otaLines, rules: [] },
    );
  }
  sections.push(
    {
      group: 'keys',
      prefix: (n: number): string | undefined => keyPrefix(n, model),
      rules: [...KEY_RULES, pickupRule(model, release)],
    },
    { rules: [...PROVISIONING, ...(dect ? DECT_LOCALE : DESK_LOCALE)] },
  );
  return sections;
}

const PROVISIONING: readonly Rule[] = [
  { from: 'provisioning.url', to: 'static.auto_provision.server.url' },
  { from: 'provisioning.username', to: 'static.auto_provision.server.username' },
  { from: 'provisioning.password', to: 'static.auto_provision.server.password' },
  { from: 'provisioning.resync_on_reset', to: 'static.auto_provision.power_on', convert: flag },
  {
    from: 'provisioning.resync_interval',
    to: 'static.auto_provision.repeat.enable',
    convert: repeatEnable,
  },
  {
    from: 'provisioning.resync_interval',
    to: 'static.auto_provision.repeat.minutes',
    convert: repeatMinutes,
  },
  { from: 'provisioning.pnp', to: 'static.auto_provision.pnp_enable', convert: flag },
  { from: 'provisioning.resync_from_sip', to: 'sip.notify_reboot_enable', convert: notifyReboot },
  ...UPLOAD_RULES,
  { from: 'firmware.url', to: 'static.firmware.url' },
  { from: 'phonebook.url', to: 'remote_phonebook.data.1.url' },
  { from: 'phonebook.name', to: 'remote_phonebook.data.1.name' },
  { from: 'resources.certificate', to: 'static.trusted_certificates.url' },
  { from: 'resources.background', to: 'wallpaper_upload.url' },
  { from: 'security.admin_password', to: 'static.security.user_password', convert: adminPassword },
  { from: 'security.web_http', to: 'static.wui.http_enable', convert: flag },
  { from: 'security.web_https', to: 'static.wui.https_enable', convert: flag },
];

const DESK_LOCALE: readonly Rule[] = [
  { from: 'locale.language', to: 'lang.gui', convert: language },
];

/** A base has no screen of its own: its web pages and its handsets take the language. */
const DECT_LOCALE: readonly Rule[] = [
  { from: 'locale.language', to: 'lang.wui', convert: language },
  { from: 'locale.language', to: 'custom.handset.language', convert: language },
  { from: 'time.time_format', to: 'custom.handset.time_format', convert: timeFormat },
];
