import { readFileSync } from 'node:fs';

import { isPlugndialError, pndError } from '../errors.ts';
import { contactOwner } from '../management/contacts.ts';
import { phonebookOwners, type ContactList, type ContactOwner } from '../model/contact.ts';
import { DEFAULT_PROFILE } from '../model/device.ts';
import { dataDirOf, need, parse, table } from './args.ts';
import { connect, type ApiClient } from './client.ts';
import type { CommandIO } from './io.ts';
import { answerHelp, synopsis, type ActionUsage } from './usage.ts';

const USAGE: ActionUsage = {
  command: 'phonebook',
  actions: {
    import: `plugndial phonebook import <contacts.csv|contacts.json> --profile P | --device MAC
Stores the contact list of a profile or device, replacing the one it had.
CSV columns (header row): name, office, mobile, other, group.`,
    show: `plugndial phonebook show --profile P | --device MAC [--json]
A profile's contact list; for a device, the list its phone gets and where it comes from
(the device's own, else its last profile's that has one, else the default profile's).`,
    list: `plugndial phonebook list [--json]
Every contact list, by owner.`,
    rm: `plugndial phonebook rm --profile P | --device MAC
Removes a contact list.`,
  },
};

/**
 * Contact lists, rendered for each phone in its vendor's phonebook format. A phone gets its
 * device's list, else that of its last profile that has one, else the default profile's.
 */
export async function phonebookCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    profile: { type: 'string' },
    device: { type: 'string' },
  });
  const [action] = positionals;
  const helped = answerHelp(USAGE, action, values['help'] === true, io);
  if (helped !== undefined) return helped;
  const owner = (): ContactOwner =>
    contactOwner(values['profile'] as string | undefined, values['device'] as string | undefined);
  const path = (o: ContactOwner): string =>
    'device' in o
      ? `/phonebooks/devices/${o.device}`
      : `/phonebooks/profiles/${encodeURIComponent(o.profile)}`;
  const client = await connect(dataDirOf(values));
  try {
    switch (action) {
      case 'import': {
        const file = need(positionals, 1, 'contacts file', synopsis(USAGE, action));
        const target = owner();
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          throw pndError('PND_INVALID_ARGUMENT', `cannot read ${file}: not a readable file`);
        }
        const json = /\.json$/i.test(file);
        const list = await client.request<ContactList>(
          'PUT',
          path(target),
          json ? parseJson(text, file) : text,
          json ? undefined : 'text/csv',
        );
        io.out(`stored ${list.contacts.length} contacts for ${describe(target)}\n`);
        return 0;
      }
      case 'show': {
        const target = owner();
        const { list, from } =
          'device' in target
            ? await effectiveList(client, target.device)
            : { list: await client.request<ContactList>('GET', path(target)), from: undefined };
        if (values['json']) io.out(`${JSON.stringify(list, null, 2)}\n`);
        else
          io.out(
            (from ? `${from}\n` : '') +
              table(
                ['NAME', 'OFFICE', 'MOBILE', 'OTHER', 'GROUP'],
                list.contacts.map((c) => [
                  c.name,
                  c.office ?? '',
                  c.mobile ?? '',
                  c.other ?? '',
                  c.group ?? '',
                ]),
              ),
          );
        return 0;
      }
      case 'list': {
        const lists = await client.request<
          { owner: ContactOwner; contacts: number; updatedAt: string }[]
        >('GET', '/phonebooks');
        if (values['json']) io.out(`${JSON.stringify(lists, null, 2)}\n`);
        else
          io.out(
            table(
              ['OWNER', 'CONTACTS', 'UPDATED'],
              lists.map((l) => [describe(l.owner), String(l.contacts), l.updatedAt]),
            ),
          );
        return 0;
      }
      case 'rm': {
        const target = owner();
        await client.request('DELETE', path(target));
        io.out(`removed the phonebook of ${describe(target)}\n`);
        return 0;
      }
      default:
        throw pndError('PND_INVALID_ARGUMENT', `unknown action "${action}"`);
    }
  } finally {
    await client.close();
  }
}

/**
 * The list a device's phone gets and a line saying whose it is, looked for as the pipeline
 * does; none anywhere is PND_PHONEBOOK_NOT_FOUND saying where it was looked for.
 */
async function effectiveList(
  client: ApiClient,
  mac: string,
): Promise<{ list: ContactList; from: string }> {
  const device = await client.request<{ mac: string; profiles: string[] }>(
    'GET',
    `/devices/${encodeURIComponent(mac)}`,
  );
  const chain = device.profiles.filter((p) => p !== DEFAULT_PROFILE);
  for (const owner of phonebookOwners(device.mac, device.profiles)) {
    const path =
      'device' in owner
        ? `/phonebooks/devices/${owner.device}`
        : `/phonebooks/profiles/${encodeURIComponent(owner.profile)}`;
    let list: ContactList;
    try {
      list = await client.request<ContactList>('GET', path);
    } catch (error) {
      if (isPlugndialError(error) && error.code === 'PND_PHONEBOOK_NOT_FOUND') continue;
      throw error;
    }
    const from =
      'device' in owner
        ? "the device's own"
        : owner.profile !== DEFAULT_PROFILE
          ? `from profile ${owner.profile}`
          : chain.length > 0
            ? `from the default profile (the device and its profiles ${chain.join(', ')} have none)`
            : 'from the default profile (the device has none)';
    return { list, from };
  }
  const looked =
    chain.length > 0
      ? `neither it, nor its profiles (${chain.join(', ')}), nor the default profile has one`
      : 'neither it nor the default profile has one';
  throw pndError(
    'PND_PHONEBOOK_NOT_FOUND',
    `device ${device.mac} gets no phonebook: ${looked}; give it one with plugndial phonebook import contacts.csv --device ${device.mac} (or --profile NAME for a group)`,
  );
}

function describe(owner: ContactOwner): string {
  return 'device' in owner ? `device ${owner.device}` : `profile ${owner.profile}`;
}

function parseJson(text: string, file: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? { contacts: value } : value;
  } catch {
    throw pndError(
      'PND_INVALID_CONTACTS',
      `${file} is not JSON; give a list of contacts or a CSV file`,
    );
  }
}
