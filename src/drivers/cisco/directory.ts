import { escapeText } from '../../formats/xml.ts';
import { contactNumbers, type Contact } from '../../model/contact.ts';

/**
 * The phone's XML directory (`CiscoIPPhoneDirectory`, the XML object the XML Directory
 * Service URL returns: a title, then one `DirectoryEntry` of `Name` and `Telephone` per
 * number, a contact's further numbers with the kind after its name).
 */
export function renderDirectory(contacts: readonly Contact[], title: string): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<CiscoIPPhoneDirectory>'];
  lines.push(`  <Title>${escapeText(title)}</Title>`, '  <Prompt>Select an entry</Prompt>');
  for (const contact of contacts) {
    contactNumbers(contact).forEach((number, i) => {
      const name = i === 0 ? contact.name : `${contact.name} (${number.kind})`;
      lines.push(
        '  <DirectoryEntry>',
        `    <Name>${escapeText(name)}</Name>`,
        `    <Telephone>${escapeText(number.number)}</Telephone>`,
        '  </DirectoryEntry>',
      );
    });
  }
  lines.push('</CiscoIPPhoneDirectory>');
  return lines.map((line) => `${line}\n`).join('');
}
