import { escapeText } from '../../formats/xml.ts';
import { contactNumbers, type Contact } from '../../model/contact.ts';

// The phone's `Phone type` for each number (Grandstream's phonebook.xml: Work, Home, Cell).
const TYPES = { office: 'Work', mobile: 'Cell', other: 'Home' } as const;

/**
 * `phonebook.xml` as Grandstream phones download it (their XML phonebook format, as public
 * provisioning templates write it): `<AddressBook>` of `<Contact>` with first and last name,
 * one `<Phone type="…">` per number on account 1, and its group. A name is split at its last
 * space into first and last name.
 */
export function renderPhonebook(contacts: readonly Contact[]): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<AddressBook>',
    '  <version>1</version>',
  ];
  for (const contact of contacts) {
    const space = contact.name.lastIndexOf(' ');
    const first = space > 0 ? contact.name.slice(0, space) : contact.name;
    const last = space > 0 ? contact.name.slice(space + 1) : '';
    lines.push('  <Contact>', `    <FirstName>${escapeText(first)}</FirstName>`);
    lines.push(`    <LastName>${escapeText(last)}</LastName>`);
    for (const number of contactNumbers(contact)) {
      lines.push(
        `    <Phone type="${TYPES[number.kind]}">`,
        `      <phonenumber>${escapeText(number.number)}</phonenumber>`,
        '      <accountindex>1</accountindex>',
        '    </Phone>',
      );
    }
    if (contact.group) lines.push(`    <Group>${escapeText(contact.group)}</Group>`);
    lines.push('  </Contact>');
  }
  lines.push('</AddressBook>');
  return lines.map((line) => `${line}\n`).join('');
}
