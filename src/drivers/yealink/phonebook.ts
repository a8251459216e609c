import { emptyElement, escapeText } from '../../formats/xml.ts';
import type { Contact } from '../../model/contact.ts';
import type { Dialect } from './dialect.ts';

const ALL = 'All Contacts';

/**
 * A phonebook as each dialect takes it. Yealink gets its remote phone book
 * (`YealinkIPPhoneDirectory`, the file `remote_phonebook.data.1.url` names); Flyingvoice's
 * seed names a local contact file (`local_contact.data.url`) without its layout, so it gets
 * Yealink's local contact layout (`root_group` / `root_contact`), which Flyingvoice copied.
 */
export function renderPhonebook(contacts: readonly Contact[], dialect: Dialect): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  if (dialect === 'yealink') {
    lines.push('<YealinkIPPhoneDirectory>');
    for (const c of contacts) {
      lines.push(' <DirectoryEntry>', `  <Name>${escapeText(c.name)}</Name>`);
      for (const number of [c.office, c.mobile, c.other]) {
        if (number !== undefined) lines.push(`  <Telephone>${escapeText(number)}</Telephone>`);
      }
      lines.push(' </DirectoryEntry>');
    }
    lines.push('</YealinkIPPhoneDirectory>');
  } else {
    const groups = [...new Set(contacts.map((c) => c.group ?? ALL))];
    lines.push('<root_group>');
    for (const group of groups) {
      lines.push(
        ` ${emptyElement('group', [
          ['display_name', group],
          ['ring', 'Auto'],
        ])}`,
      );
    }
    lines.push('</root_group>', '<root_contact>');
    for (const c of contacts) {
      const attributes: [string, string][] = [
        ['display_name', c.name],
        ['office_number', c.office ?? ''],
        ['mobile_number', c.mobile ?? ''],
        ['other_number', c.other ?? ''],
        ['line', '0'],
        ['ring', 'Auto'],
        ['group_id_name', c.group ?? ALL],
      ];
      lines.push(` ${emptyElement('contact', attributes)}`);
    }
    lines.push('</root_contact>');
  }
  return lines.map((line) => `${line}\n`).join('');
}
