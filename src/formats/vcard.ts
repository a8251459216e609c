/**
 * vCard 3.0 (RFC 2426) for phonebooks: one card per contact, CRLF line ends, values
 * escaped (RFC 6350 §3.4) and lines folded at 75 octets.
 */

export interface Card {
  /** Formatted name (FN); N is derived from it. */
  name: string;
  /** Telephone numbers with their vCard TYPE (`work`, `cell`, `home`, `voice`, …). */
  phones: readonly { type: string; number: string }[];
  /** Written as CATEGORIES. */
  categories?: readonly string[];
}

const MAX_LINE_OCTETS = 75;

export function renderVcards(cards: readonly Card[]): string {
  const lines: string[] = [];
  for (const card of cards) {
    lines.push('BEGIN:VCARD', 'VERSION:3.0');
    lines.push(`FN:${escapeValue(card.name)}`);
    lines.push(`N:${escapeValue(card.name)};;;;`);
    for (const phone of card.phones) {
      lines.push(
        `TEL;TYPE=${phone.type.replace(/[^A-Za-z0-9-]/g, '')}:${escapeValue(phone.number)}`,
      );
    }
    if (card.categories && card.categories.length > 0) {
      lines.push(`CATEGORIES:${card.categories.map(escapeValue).join(',')}`);
    }
    lines.push('END:VCARD');
  }
  return lines.map((line) => `${fold(line)}\r\n`).join('');
}

export function escapeValue(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/;/g, '\\;')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line: CRLF and one space before each continuation, never inside a character. */
function fold(line: string): string {
  if (Buffer.byteLength(line) <= MAX_LINE_OCTETS) return line;
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    const limit = parts.length === 0 ? MAX_LINE_OCTETS : MAX_LINE_OCTETS - 1;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
