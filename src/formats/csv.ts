import { fail, ok, type Result } from '../errors.ts';

/** A CSV row and the line of the file it starts on (1-based; quoted line breaks count). */
export interface CsvRow {
  line: number;
  cells: string[];
}

/**
 * RFC 4180 CSV: comma separated, `"` quoting with `""` escapes, CRLF or LF rows.
 * Returns rows of cells; the caller interprets the header.
 */
export function parseCsv(text: string, maxRows = 100_000): Result<string[][]> {
  const rows = parseCsvRows(text, maxRows);
  return rows.ok ? ok(rows.value.map((row) => row.cells)) : rows;
}

/** As parseCsv, each row with the line it starts on, so messages can name the file's lines. */
export function parseCsvRows(text: string, maxRows = 100_000): Result<CsvRow[]> {
  const rows: CsvRow[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const end = (): void => {
    row.push(cell);
    cell = '';
    if (!(row.length === 1 && row[0] === '')) rows.push({ line: start, cells: row });
    row = [];
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      end();
      line++;
      start = line;
      if (rows.length > maxRows) return fail('PND_INVALID_CSV', `more than ${maxRows} rows`);
    } else cell += ch;
  }
  if (quoted) return fail('PND_INVALID_CSV', `line ${start}: a quoted cell is not closed`);
  end();
  return ok(rows);
}

/** Writes rows as RFC 4180 CSV with CRLF row ends; cells with `,`, `"` or line breaks are quoted. */
export function renderCsv(rows: readonly (readonly string[])[]): string {
  const cell = (text: string): string =>
    /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  return rows.map((row) => `${row.map(cell).join(',')}\r\n`).join('');
}
