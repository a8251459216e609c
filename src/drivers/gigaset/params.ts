import {
  groupIndexes,
  nativeKey,
  settingToText,
  type SettingValue,
  type Settings,
} from '../../model/settings.ts';
import type { NativeEntry } from '../driver.ts';
import { PRODUCT_ID_KEY } from './models.ts';

/** The `<param>` lines of a settings file, and the canonical keys they could not express. */
export interface ParamMapping {
  entries: NativeEntry[];
  ignored: string[];
}

type Convert = (value: SettingValue) => string | undefined;

interface Rule {
  /** The parameter; in account rules `N` is the 0-based account index. */
  name: string;
  /** The canonical key; in account rules `N` is the 1-based account index. */
  from?: string;
  convert?: Convert;
  /** When `from` is absent, the canonical key whose value stands in for it. */
  otherwise?: { from: string; convert?: Convert };
}

const flag: Convert = (value) =>
  value === true || value === 'true' || value === 1 || value === '1'
    ? '1'
    : value === false || value === 'false' || value === 0 || value === '0'
      ? '0'
      : undefined;

/**
 * Seed 002's parameters in the seed's order. Those without `from` have no canonical key;
 * `native.gigaset.<name>` sets them, in this place, and overrides a mapped value.
 */
const GLOBAL: readonly Rule[] = [
  { name: 'SIP.LogLevel' },
  { name: 'SIP.TransportProtocol' },
  { name: 'SIP.Port' },
  { name: 'SIP.Timers.Session' },
  { name: 'SIP.Timers.FailedRegistration' },
  { name: 'SIP.Timers.Subscription' },
  { name: 'SIP.PRACK' },
  { name: 'SIP.RTP.Port' },
  { name: 'SIP.RTP.UseRandomPorts' },
  { name: 'SIP.RTP.UseSymmetricPorts' },
  { name: 'SIP.RTP.UseRTCP' },
  { name: 'SIP.RTP.Duration' },
  { name: 'SIP.Security.AcceptNonSRTPCalls' },
  { name: 'SIP.AvailableCodecs' },
  { name: 'SIP.ActiveCodecs' },
  { name: 'SIP.DefaultAccount' },
];

// The registrar is where this phone registers, sends its calls and names its domain, unless
// a native key says otherwise; Gigaset keeps the three apart.
const ACCOUNT: readonly Rule[] = [
  { name: 'SIP.Account.N.AccountName', from: 'accounts.N.label' },
  {
    name: 'SIP.Account.N.Active',
    from: 'accounts.N.enabled',
    convert: flag,
    otherwise: { from: 'accounts.N.user', convert: (): string => '1' },
  },
  { name: 'SIP.Account.N.Provider' },
  {
    name: 'SIP.Account.N.AuthName',
    from: 'accounts.N.auth_user',
    otherwise: { from: 'accounts.N.user' },
  },
  { name: 'SIP.Account.N.AuthPassword', from: 'accounts.N.password' },
  { name: 'SIP.Account.N.DisplayName', from: 'accounts.N.display_name' },
  { name: 'SIP.Account.N.Username', from: 'accounts.N.user' },
  { name: 'SIP.Account.N.Domain', from: 'accounts.N.registrar' },
  { name: 'SIP.Account.N.CLIPSource' },
  { name: 'SIP.Account.N.CLIR' },
  { name: 'SIP.Account.N.ProxyServer.Address', from: 'accounts.N.registrar' },
  { name: 'SIP.Account.N.ProxyServer.Port', from: 'accounts.N.registrar_port' },
  { name: 'SIP.Account.N.RegistrationServer.Address', from: 'accounts.N.registrar' },
  { name: 'SIP.Account.N.RegistrationServer.Port', from: 'accounts.N.registrar_port' },
  { name: 'SIP.Account.N.RegistrationServer.RefreshTimer' },
  { name: 'SIP.Account.N.STUN.Enabled' },
  { name: 'SIP.Account.N.STUN.Address' },
  { name: 'SIP.Account.N.STUN.Port' },
  { name: 'SIP.Account.N.STUN.RefreshTimer' },
  { name: 'SIP.Account.N.STUN.NATRefreshTimer' },
  { name: 'SIP.Account.N.OutboundProxy.Mode' },
  { name: 'SIP.Account.N.OutboundProxy.Address', from: 'accounts.N.outbound_proxy' },
  { name: 'SIP.Account.N.OutboundProxy.Port', from: 'accounts.N.outbound_proxy_port' },
  { name: 'SIP.Account.N.DTMFTransmission' },
  { name: 'SIP.Account.N.AutoNegOfDTMFTransmission' },
];

const NATIVE_ACCOUNT = /^SIP\.Account\.(\d{1,2})\./;

/** A parameter name the settings file can carry. */
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

/**
 * Canonical settings as Gigaset parameters: the seed's table in order, accounts 0-based
 * (`accounts.1` is `SIP.Account.0`), then native parameters the table does not know, sorted.
 */
export function mapParams(settings: Settings, used: Iterable<string> = []): ParamMapping {
  const entries: NativeEntry[] = [];
  const consumed = new Set<string>(used);
  const native = new Map<string, string>();
  for (const key of Object.keys(settings).sort()) {
    const parsed = nativeKey(key);
    if (parsed?.driver !== 'gigaset' || key === PRODUCT_ID_KEY) continue;
    if (PARAM_NAME.test(parsed.vendorKey)) native.set(parsed.vendorKey, key);
  }
  const emit = (name: string, value: string, from: string): void => {
    entries.push({ key: name, value, from });
    consumed.add(from);
  };
  const apply = (rules: readonly Rule[], index?: number): void => {
    for (const rule of rules) {
      const name = index === undefined ? rule.name : rule.name.replace('.N.', `.${index}.`);
      const nativeFrom = native.get(name);
      if (nativeFrom !== undefined) {
        emit(name, settingToText(settings[nativeFrom]!), nativeFrom);
        native.delete(name);
        continue;
      }
      const mapped = mapRule(rule, settings, index);
      if (mapped) emit(name, mapped.value, mapped.from);
    }
  };
  apply(GLOBAL);
  for (const index of accountIndexes(settings, native)) apply(ACCOUNT, index);
  for (const [name, from] of native) emit(name, settingToText(settings[from]!), from);
  const ignored = Object.keys(settings)
    .filter((key) => !consumed.has(key) && key !== PRODUCT_ID_KEY)
    .sort();
  return { entries, ignored };
}

function mapRule(
  rule: Rule,
  settings: Settings,
  index: number | undefined,
): { value: string; from: string } | undefined {
  const at = (key: string): string =>
    index === undefined ? key : key.replace('.N.', `.${index + 1}.`);
  if (rule.from !== undefined) {
    const from = at(rule.from);
    const value = settings[from];
    if (value !== undefined) {
      const text = (rule.convert ?? settingToText)(value);
      return text === undefined ? undefined : { value: text, from };
    }
  }
  if (!rule.otherwise) return undefined;
  const from = at(rule.otherwise.from);
  const value = settings[from];
  if (value === undefined) return undefined;
  const text = (rule.otherwise.convert ?? settingToText)(value);
  return text === undefined ? undefined : { value: text, from };
}

/** 0-based indexes of the accounts the settings describe, canonically or natively. */
function accountIndexes(settings: Settings, native: ReadonlyMap<string, string>): number[] {
  const found = new Set(groupIndexes(settings, 'accounts').map((n) => n - 1));
  for (const name of native.keys()) {
    const match = NATIVE_ACCOUNT.exec(name);
    if (match) found.add(Number(match[1]));
  }
  return [...found].sort((a, b) => a - b);
}
