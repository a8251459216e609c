/**
 * Unique version control (seed 002): `YYYY-MM-DD_HH:MM:SS`, the same in an updates file and
 * in the file it points to (here, in that file's name). The instant comes from the store (see
 * provisioning/content-versions.ts); this only writes and reads it, in UTC.
 */
export function formatUvc(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)}_${iso.slice(11, 19)}`;
}

/** The UVC as it stands in a file name: `:` is not welcome in every path. */
export function uvcInName(uvc: string): string {
  return uvc.replace(/:/g, '-');
}

/** Back from a file name's form; undefined for anything that is not a UVC. */
export function uvcFromName(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})$/.exec(text);
  return match ? `${match[1]}_${match[2]}:${match[3]}:${match[4]}` : undefined;
}
