import type { Mac } from '../../model/mac.ts';

/**
 * The files of a Fanvil phone as recognise names them: the general file of its model, its
 * MAC file, a file the operator named (`name.cfg`, or an ID typed at `$input`), and its
 * phonebook in one of three forms.
 */
export type FanvilFile = 'general' | 'mac' | 'named' | 'phonebook';

export type ConfigForm = 'text' | 'xml';
export type PhonebookForm = 'xml' | 'vcf' | 'csv';

export const TEXT_TYPE = 'text/plain; charset=utf-8';
export const XML_TYPE = 'application/xml';
export const ENCRYPTED_TYPE = 'application/octet-stream';
export const PHONEBOOK_TYPES: Record<PhonebookForm, string> = {
  xml: 'application/xml',
  vcf: 'text/vcard; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** The name used in phonebook URLs for the list of the general file (the default profile's). */
export const COMMON_PHONEBOOK = 'fanvil';
export const PHONEBOOK_SUFFIX = '-contacts';

export function macFileName(mac: Mac, extension = 'cfg'): string {
  return `${mac}.${extension}`;
}

export function phonebookName(owner: string, form: PhonebookForm): string {
  return `${owner}${PHONEBOOK_SUFFIX}.${form}`;
}

export function isFanvilFile(file: string): file is FanvilFile {
  return file === 'general' || file === 'mac' || file === 'named' || file === 'phonebook';
}
