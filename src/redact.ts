// URL userinfo is a credential (`http://user:pass@host/` is how some phones are handed one):
// it goes to phones as given, and is masked in every line written about it — the log,
// provisioning events, messages and what `simulate` prints.

// The userinfo runs to the last '@' before the host: a password may hold '@', quotes or '<'
// (URL parsers take the last '@'), so only what ends an authority ends it — white space,
// '/', '?', '#' — and, in a JSON line, a closing quote (one followed by , : } ] or the end);
// a quote inside a JSON string is escaped (\") and is part of it.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#"\\]|\\.|"(?![,:}\]]|$))*@/gi;

/** The text with the userinfo of every URL in it replaced by `****`. */
export function maskUserinfo(text: string): string {
  // Most lines hold no URL with userinfo: skip the regular expression for them.
  if (!text.includes('@') || !text.includes('://')) return text;
  return text.replace(USERINFO, '$1****@');
}

/**
 * One URL given whole as a value (`--database`, `--public-url`): the userinfo runs to the last
 * '@' of the text, whatever it holds. A password with a space or '/' that was not
 * percent-encoded ends no authority here: it is masked with the rest, never shown in part.
 */
export function maskUrlValue(value: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  const at = value.lastIndexOf('@');
  if (!scheme || at < scheme[0].length) return maskUserinfo(value);
  return `${scheme[0]}****${value.slice(at)}`;
}
