import { fail, ok, pndError, type Result } from '../errors.ts';
import { parseCsvRows } from '../formats/csv.ts';
import { validateContacts, type Contact, type ContactOwner } from '../model/contact.ts';
import { parseMac } from '../model/mac.ts';
import { PROFILE_NAME } from '../model/device.ts';

const COLUMNS = ['name', 'office', 'mobile', 'other', 'group'];

/**
 * A contact list from CSV: a header row naming columns among name, office, mobile, other
 * and group (any order, any case), then one contact per row. Any bad row refuses the file.
 */
export function contactsFromCsv(text: string): Result<Contact[]> {
  const parsed = parseCsvRows(text);
  if (!parsed.ok) return parsed;
  const [head, ...rows] = parsed.value;
  if (!head) return fail('PND_INVALID_CSV', 'the file is empty; the first row names the columns');
  const columns = head.cells.map((cell) => cell.trim().toLowerCase());
  const unknown = columns.find((column) => !COLUMNS.includes(column));
  if (unknown !== undefined)
    return fail(
      'PND_INVALID_CSV',
      `unknown column "${unknown.slice(0, 40)}"; columns are ${COLUMNS.join(', ')}`,
    );
  if (!columns.includes('name')) return fail('PND_INVALID_CSV', 'the header has no name column');
  const entries: Record<string, string>[] = [];
  for (const { cells: row, line } of rows) {
    if (row.length > columns.length)
      return fail('PND_INVALID_CSV', `line ${line}: more cells than columns`);
    const entry: Record<string, string> = {};
    columns.forEach((column, c) => {
      const cell = row[c]?.trim();
      if (cell) entry[column] = cell;
    });
    entries.push(entry);
  }
  const contacts = validateContacts(entries);
  if (!contacts.ok) {
    // Name the file's line, not the list position.
    const message = contacts.error.message.replace(
      /^contact (\d+)/,
      (_m, n: string) => `line ${rows[Number(n) - 1]?.line ?? Number(n) + 1}`,
    );
    return fail('PND_INVALID_CONTACTS', message);
  }
  return ok(contacts.value);
}

/** `{ profile }` or `{ device }` from what the caller named; exactly one of them. */
export function contactOwner(
  profile: string | undefined,
  device: string | undefined,
): ContactOwner {
  if ((profile === undefined) === (device === undefined))
    throw pndError('PND_INVALID_ARGUMENT', 'name one owner: --profile <name> or --device <mac>');
  if (profile !== undefined) {
    if (!PROFILE_NAME.test(profile))
      throw pndError('PND_INVALID_ARGUMENT', `"${profile.slice(0, 64)}" is not a profile name`);
    return { profile };
  }
  const mac = parseMac(device!);
  if (!mac.ok) throw mac.error;
  return { device: mac.value };
}
