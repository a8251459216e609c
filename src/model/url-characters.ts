/**
 * The characters RFC 3986 writes a URL in, percent signs included. `new URL()` takes more (it
 * encodes a space, drops a tab or line break), but the text a user gave is what goes verbatim
 * into phones' files and DHCP snippets, where a space, quote or line break ends it early.
 * (formats/dhcp-options.ts's isUrlText is looser, for what a DHCP option carries: any printable
 * ASCII.)
 */
export function inUrlCharacters(text: string): boolean {
  return /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(text);
}
