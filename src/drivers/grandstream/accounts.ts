// A SIP account as Grandstream entries: its alias names (`account.N.*`) and, for the first
// four accounts, the P-values of the published templates.

import type { Settings } from '../../model/settings.ts';
import type { GsEntry, PushEntry, SettingText } from './entries.ts';

/**
 * P-values are known for accounts 1 to 4 (P47…, P401…, P501…, P601…). Published templates
 * disagree for accounts 5 and up (P1701… in one, P701… in another), so those accounts are
 * written only in the alias form, whose numbering is the account's own.
 */
export const P_VALUE_ACCOUNTS = 4;

type AccountField =
  | 'enable'
  | 'name'
  | 'server'
  | 'proxy'
  | 'userid'
  | 'authid'
  | 'password'
  | 'display'
  | 'transport';

const ACCOUNT_1: Readonly<Record<AccountField, string>> = {
  enable: 'P271',
  name: 'P270',
  server: 'P47',
  proxy: 'P48',
  userid: 'P35',
  authid: 'P36',
  password: 'P34',
  display: 'P3',
  transport: 'P130',
};
// Accounts 2–4: P<n+2><field>, e.g. account 2's server is P402.
const ACCOUNT_N: Readonly<Record<AccountField, string>> = {
  enable: '01',
  name: '17',
  server: '02',
  proxy: '03',
  userid: '04',
  authid: '05',
  password: '06',
  display: '07',
  transport: '48',
};

function accountP(n: number, field: AccountField): { p?: string } {
  if (n === 1) return { p: ACCOUNT_1[field] };
  if (n > P_VALUE_ACCOUNTS) return {};
  return { p: `P${n + 2}${ACCOUNT_N[field]}` };
}

const TRANSPORTS: Readonly<Record<string, { alias: string; p: string }>> = {
  udp: { alias: 'UDP', p: '0' },
  tcp: { alias: 'TCP', p: '1' },
  tls: { alias: 'TlsOrTcp', p: '2' },
};

/** The entries of account `n`. */
export function mapAccount(
  n: number,
  settings: Settings,
  text: SettingText,
  push: PushEntry,
): void {
  const key = (field: string): string => `accounts.${n}.${field}`;
  const alias = (name: string): string => `account.${n}.${name}`;
  const user = text(key('user'));
  const enabled = settings[key('enabled')];
  if (enabled !== undefined || user !== undefined) {
    const on = enabled === undefined || enabled === true;
    push({
      alias: alias('enable'),
      ...accountP(n, 'enable'),
      value: on ? 'Yes' : 'No',
      pValue: on ? '1' : '0',
      from: enabled === undefined ? key('user') : key('enabled'),
    });
  }
  const label = text(key('label'));
  if (label !== undefined)
    push({ alias: alias('name'), ...accountP(n, 'name'), value: label, from: key('label') });
  const address = (host: string, port: string): GsEntry | undefined => {
    const name = text(key(host));
    if (name === undefined) return undefined;
    const number = text(key(port));
    return {
      value: number === undefined ? name : `${name}:${number}`,
      from: key(host),
      ...(number === undefined ? {} : { also: [key(port)] }),
    };
  };
  const server = address('registrar', 'registrar_port');
  if (server) push({ alias: alias('sip.server.1.address'), ...accountP(n, 'server'), ...server });
  const proxy = address('outbound_proxy', 'outbound_proxy_port');
  if (proxy)
    push({ alias: alias('sip.outboundProxy.1.address'), ...accountP(n, 'proxy'), ...proxy });
  if (user !== undefined)
    push({ alias: alias('sip.userid'), ...accountP(n, 'userid'), value: user, from: key('user') });
  const authUser = text(key('auth_user'));
  if (authUser !== undefined || user !== undefined)
    push({
      alias: alias('sip.subscriber.userid'),
      ...accountP(n, 'authid'),
      value: (authUser ?? user)!,
      from: authUser === undefined ? key('user') : key('auth_user'),
    });
  const password = text(key('password'));
  if (password !== undefined)
    push({
      alias: alias('sip.subscriber.password'),
      ...accountP(n, 'password'),
      value: password,
      from: key('password'),
    });
  const display = text(key('display_name'));
  if (display !== undefined)
    push({
      alias: alias('sip.subscriber.name'),
      ...accountP(n, 'display'),
      value: display,
      from: key('display_name'),
    });
  const transport = TRANSPORTS[text(key('transport')) ?? ''];
  if (transport)
    push({
      alias: alias('sip.transport'),
      ...accountP(n, 'transport'),
      value: transport.alias,
      pValue: transport.p,
      from: key('transport'),
    });
}
