import { fail, pndError, type Result } from '../errors.ts';
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
  // Every bad row is named, by its line, so one round of fixes is enough.
  const problems: { line: number; message: string; structural: boolean }[] = [];
  const contacts: Contact[] = [];
  for (const { cells: row, line } of rows) {
    if (row.length > columns.length) {
      problems.push({ line, message: 'more cells than columns', structural: true });
      continue;
    }
    const entry: Record<string, string> = {};
    columns.forEach((column, c) => {
      const cell = row[c]?.trim();
      if (cell) entry[column] = cell;
    });
    const checked = validateContacts([entry]);
    if (checked.ok) contacts.push(...checked.value);
    else
      problems.push({
        line,
        message: checked.error.message.replace(/^contact 1: /, ''),
        structural: false,
      });
  }
  if (problems.length > 0) return rowsRefused(problems);
  // The list as a whole: its length.
  return validateContacts(contacts);
}

/** Bad rows named in one refusal; the rest are counted. */
const MAX_REPORTED_ROWS = 100;

function rowsRefused(
  problems: readonly { line: number; message: string; structural: boolean }[],
): Result<never> {
  const shown = problems
    .slice(0, MAX_REPORTED_ROWS)
    .map(({ line, message }) => ({ line, message }));
  const more = problems.length - shown.length;
  const rows = problems.length === 1 ? '1 row is' : `${problems.length} rows are`;
  return fail(
    problems.some((p) => p.structural) ? 'PND_INVALID_CSV' : 'PND_INVALID_CONTACTS',
    [
      `${rows} refused; no contact was stored:`,
      ...shown.map((p) => `  line ${p.line}: ${p.message}`),
      ...(more > 0 ? [`  … and ${more} more bad rows`] : []),
    ].join('\n'),
    { rows: shown },
  );
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
