/**
 * The characters RFC 3986 writes a URL in, percent signs included. `new URL()` takes more (it
 * encodes a space, drops a tab or line break), but the text a user gave is what goes verbatim
 * into phones' files and DHCP snippets, where a space, quote or line break ends it early.
 */
export function isUrlText(text: string): boolean {
  return /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(text);
}
