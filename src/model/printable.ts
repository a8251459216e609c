/**
 * Text a phone's screen and an operator's terminal show as written: no control character
 * (C0, DEL, C1: a terminal acts on an escape), no line or paragraph separator, no direction
 * override that would show a name backwards, no lone surrogate (XML and UTF-8 cannot carry
 * one). For names and models; setting values have their own rule (a tab is allowed there).
 */
export function isPrintable(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text)) return false;
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}
