/**
 * Seed 003's markers: the phone replaces them in every URL it fetches (the provisioning
 * server URL, and each URL of a reference file).
 */
export interface MarkerValues {
  /** `<MACADR>` / `{mac}`: uppercase, no colons. */
  mac: string;
  /** `<SERIAL>` / `{serial}`. */
  serial: string;
  /** `<HWTYP>` / `{type}`: D100, D200, … */
  type: string;
}

const MARKERS: readonly [RegExp, keyof MarkerValues][] = [
  [/<MACADR>|\{mac\}/g, 'mac'],
  [/<SERIAL>|\{serial\}/g, 'serial'],
  [/<HWTYP>|\{type\}/g, 'type'],
];

export function substituteMarkers(url: string, values: MarkerValues): string {
  let out = url;
  for (const [marker, key] of MARKERS) out = out.replace(marker, encodeURIComponent(values[key]));
  return out;
}

/**
 * Seed 003 writes markers bare inside reference files (`<URL>prov.py?mac=<MACADR></URL>`),
 * which no XML reader accepts. The phone reads them as text; so does this, before parsing.
 */
export function escapeBareMarkers(xml: string): string {
  return xml.replace(/<(MACADR|SERIAL|HWTYP)>/g, '&lt;$1&gt;');
}
