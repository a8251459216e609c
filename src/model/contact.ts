import { fail, ok, type Result } from '../errors.ts';
import { DEFAULT_PROFILE } from './device.ts';
import { isPrintable } from './printable.ts';

/**
 * One entry of a phonebook, in vendor-neutral terms. A contact list belongs to a profile
 * or a device; a phone gets its device's list, else that of its last profile that has one,
 * else the `default` profile's.
 */
export interface Contact {
  name: string;
  office?: string;
  mobile?: string;
  other?: string;
  group?: string;
}

export type ContactOwner = { device: string } | { profile: string };

export interface ContactList {
  owner: ContactOwner;
  contacts: Contact[];
  updatedAt: string;
}

/**
 * Whose contact list a phone gets, in the order looked for (the first that has one wins):
 * its device's, then its profiles' from the last, then the default profile's.
 */
export function phonebookOwners(
  mac: string | undefined,
  profiles: readonly string[],
): ContactOwner[] {
  const names = [...new Set([DEFAULT_PROFILE, ...profiles])].reverse();
  return [
    ...(mac === undefined ? [] : [{ device: mac }]),
    ...names.map((profile) => ({ profile })),
  ];
}

export const MAX_CONTACTS = 10_000;
export const NUMBER_FIELDS = ['office', 'mobile', 'other'] as const;

// Digits and dial characters, or a SIP URI user@host; phones reject anything else.
const NUMBER = /^[0-9A-Za-z+*#()@:._ -]{1,64}$/;

/** Validates a list given as JSON (API) or built from CSV rows; the first bad entry fails it. */
export function validateContacts(input: unknown): Result<Contact[]> {
  if (!Array.isArray(input)) return fail('PND_INVALID_CONTACTS', 'expected a list of contacts');
  if (input.length > MAX_CONTACTS)
    return fail('PND_INVALID_CONTACTS', `more than ${MAX_CONTACTS} contacts; split the list`);
  const out: Contact[] = [];
  for (let i = 0; i < input.length; i++) {
    const checked = validateContact(input[i], `contact ${i + 1}`);
    if (!checked.ok) return checked;
    out.push(checked.value);
  }
  return ok(out);
}

function validateContact(raw: unknown, where: string): Result<Contact> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return fail('PND_INVALID_CONTACTS', `${where}: expected an object with a name and numbers`);
  const entry = raw as Record<string, unknown>;
  const known = new Set(['name', 'group', ...NUMBER_FIELDS]);
  const unknown = Object.keys(entry).find((key) => !known.has(key));
  if (unknown !== undefined)
    return fail(
      'PND_INVALID_CONTACTS',
      `${where}: unknown field "${unknown.slice(0, 40)}"; fields are name, office, mobile, other, group`,
    );
  const text = (key: string): string | undefined => {
    const value = entry[key];
    if (value === undefined || value === null) return undefined;
    const s = String(value).trim();
    return s === '' ? undefined : s;
  };
  const name = text('name');
  if (!name || name.length > 99 || !isPrintable(name))
    return fail(
      'PND_INVALID_CONTACTS',
      `${where}: a name of 1 to 99 printable characters on one line is required`,
    );
  const contact: Contact = { name };
  for (const field of NUMBER_FIELDS) {
    const number = text(field);
    if (number === undefined) continue;
    if (!NUMBER.test(number))
      return fail(
        'PND_INVALID_CONTACTS',
        `${where}: ${field} "${number.slice(0, 40)}" is not a phone number (digits, + * # or user@host)`,
      );
    contact[field] = number;
  }
  if (!NUMBER_FIELDS.some((field) => contact[field] !== undefined))
    return fail('PND_INVALID_CONTACTS', `${where}: "${name.slice(0, 40)}" has no number`);
  const group = text('group');
  if (group !== undefined) {
    if (group.length > 64 || !isPrintable(group))
      return fail(
        'PND_INVALID_CONTACTS',
        `${where}: a group is one line of at most 64 printable characters`,
      );
    contact.group = group;
  }
  return ok(contact);
}

/** The numbers of a contact in a fixed order, with their kind. */
export function contactNumbers(
  contact: Contact,
): { kind: (typeof NUMBER_FIELDS)[number]; number: string }[] {
  return NUMBER_FIELDS.flatMap((kind) =>
    contact[kind] === undefined ? [] : [{ kind, number: contact[kind]! }],
  );
}

export function ownerKey(owner: ContactOwner): string {
  return 'device' in owner ? `device:${owner.device}` : `profile:${owner.profile}`;
}
