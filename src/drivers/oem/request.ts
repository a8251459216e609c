import { parseMac } from '../../model/mac.ts';
import type { Mac } from '../../model/mac.ts';

/**
 * The Plug-n-Dial APS request (seed 000): `GET /<Make/Model>/app?class=<Make/Model>;
 * mac_address=<mac>`, parameters separated by `;` (as the seed writes it) or `&`.
 */
export interface AppQuery {
  deviceClass: string;
  mac: Mac;
}

const CLASS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$/;

/** The class and MAC of an app query, or undefined for anything malformed. */
export function parseAppQuery(query: string): AppQuery | undefined {
  if (query.length > 1024) return undefined;
  const values = new Map<string, string>();
  for (const part of query.split(/[;&]/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).toLowerCase();
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    // The same parameter twice is ambiguous: refuse rather than guess.
    if (values.has(key)) return undefined;
    values.set(key, value);
  }
  const deviceClass = values.get('class');
  const macText = values.get('mac_address');
  if (deviceClass === undefined || macText === undefined || !CLASS.test(deviceClass))
    return undefined;
  const mac = parseMac(macText);
  return mac.ok ? { deviceClass, mac: mac.value } : undefined;
}

/** An APS class, `<Make>/<Model>` (or one word), as the phone sends it and devices name it. */
export function isDeviceClass(text: string): boolean {
  return CLASS.test(text);
}

/** `leadtek/LR8051S` → OEM `leadtek`, model `LR8051S`; a class of one word is its own OEM. */
export function splitClass(deviceClass: string): { oem: string; model: string } {
  const slash = deviceClass.indexOf('/');
  return slash < 0
    ? { oem: deviceClass, model: deviceClass }
    : { oem: deviceClass.slice(0, slash), model: deviceClass.slice(slash + 1) };
}

export function isFirmwareFileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(name);
}
