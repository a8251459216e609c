import { renderCsv } from '../../formats/csv.ts';
import { renderVcards } from '../../formats/vcard.ts';
import { escapeAttribute, escapeText } from '../../formats/xml.ts';
import { contactNumbers, type Contact } from '../../model/contact.ts';
import type { PhonebookForm } from './files.ts';

const VCARD_TYPES = { office: 'work', mobile: 'cell', other: 'voice' } as const;
const XML_FIELDS = { office: 'Telephone', mobile: 'Mobile', other: 'Other' } as const;

/**
 * A phonebook in the three forms seed 004 §4.4 names. XML is Fanvil's remote directory
 * (`FanvilIPPhoneDirectory`), vCard 3.0, and CSV with a header row.
 */
export function renderPhonebook(contacts: readonly Contact[], form: PhonebookForm): string {
  switch (form) {
    case 'vcf':
      return renderVcards(
        contacts.map((c) => ({
          name: c.name,
          phones: contactNumbers(c).map((n) => ({ type: VCARD_TYPES[n.kind], number: n.number })),
          ...(c.group ? { categories: [c.group] } : {}),
        })),
      );
    case 'csv':
      return renderCsv([
        ['Name', 'Telephone', 'Mobile', 'Other', 'Group'],
        ...contacts.map((c) => [
          c.name,
          c.office ?? '',
          c.mobile ?? '',
          c.other ?? '',
          c.group ?? '',
        ]),
      ]);
    case 'xml': {
      const lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<FanvilIPPhoneDirectory clearlight="${escapeAttribute('true')}">`,
      ];
      for (const c of contacts) {
        lines.push('  <DirectoryEntry>', `    <Name>${escapeText(c.name)}</Name>`);
        for (const n of contactNumbers(c)) {
          const field = XML_FIELDS[n.kind];
          lines.push(`    <${field}>${escapeText(n.number)}</${field}>`);
        }
        lines.push('  </DirectoryEntry>');
      }
      lines.push('</FanvilIPPhoneDirectory>');
      return lines.map((line) => `${line}\n`).join('');
    }
  }
}
