/**
 * Turns a path as a phone sent it into safe segments, or undefined when the path is
 * not one we ever serve: `..` (encoded or not), NUL, control characters, or anything
 * that fails to decode. Undefined becomes the plain not-found answer.
 */
export interface PathOptions {
  /** HTTP paths are percent-encoded; TFTP and FTP names are taken literally. */
  percentEncoded: boolean;
  /** TFTP clients on Windows send `\` as separator; HTTP never legitimately does. */
  backslashIsSeparator: boolean;
}

const MAX_PATH = 1024;

export function normalisePath(raw: string, options: PathOptions): string[] | undefined {
  if (raw.length === 0 || raw.length > MAX_PATH) return undefined;
  let path = raw;
  if (options.percentEncoded) {
    try {
      path = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\0-\x1f\x7f]/.test(path)) return undefined;
  if (path.includes('\\')) {
    if (!options.backslashIsSeparator) return undefined;
    path = path.replace(/\\/g, '/');
  }
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..' || s.length > 255)) return undefined;
  return segments;
}
