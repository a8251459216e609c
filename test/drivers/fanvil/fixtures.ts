import type { Contact } from '../../../src/model/contact.ts';
import type { Settings } from '../../../src/model/settings.ts';

/** Two accounts, time, language and DSS keys: what one office phone carries. */
export const ACCOUNTS: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.display_name': 'Reception',
  'accounts.1.registrar': '172.16.6.70',
  'accounts.1.registrar_port': 5060,
  'accounts.1.password': 's3cret-Pass',
  'accounts.1.outbound_proxy': '172.16.6.71',
  'accounts.1.outbound_proxy_port': 5060,
  'accounts.2.user': '1002',
  'accounts.2.auth_user': 'auth1002',
  'accounts.2.registrar': '172.16.6.70',
  'accounts.2.password': 'other-Pass',
  'accounts.2.enabled': false,
  'time.timezone': 'Europe/Berlin',
  'time.ntp_servers': ['pool.ntp.org', 'time.example.com'],
  'locale.language': 'de',
  'keys.1.type': 'line',
  'keys.1.account': 1,
  'keys.1.label': 'Line 1',
  'keys.2.type': 'blf',
  'keys.2.value': '1002',
  'keys.2.account': 1,
  'keys.2.pickup_value': '*8',
  'keys.2.label': 'Bob',
  'keys.3.type': 'speed_dial',
  'keys.3.value': '100',
  'keys.3.label': 'Reception',
  'keys.4.type': 'dnd',
};

export const CONTACTS: Contact[] = [
  { name: 'Reception', office: '100' },
  { name: 'Doe, John', office: '101', mobile: '+491701234567', group: 'Sales' },
  { name: 'Müller & Söhne', other: 'sales@pbx.example.com' },
];

export const FIRMWARE = {
  vendor: 'fanvil',
  model: 'X4',
  version: '2.12.0.1',
  fileName: 'x4.z',
  size: 1024,
  sha256: '0'.repeat(64),
  url: 'tftp://172.16.6.70/firmware/fanvil/X4/2.12.0.1/x4.z',
};
