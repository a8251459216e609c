import { pndError } from '../errors.ts';
import { assignments, dataDirOf, onlyOperand, parse, strings, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';
import { printWarnings } from './warnings.ts';
import { answerHelp, synopsis, type ActionUsage } from './usage.ts';

const USAGE: ActionUsage = {
  command: 'profile',
  actions: {
    add: `plugndial profile add <name> [--description D] [--set key=value]…
Adds a profile: settings a group of phones shares (devices name it with --profile).`,
    set: `plugndial profile set <name> [--description D] [--set key=value]… [--unset key]…
Changes a profile; the default profile (every phone's) is changed this way too.`,
    show: `plugndial profile show <name> [--json] [--secrets]
A profile's settings, passwords and keys masked unless --secrets.`,
    list: `plugndial profile list [--json]
Every profile, with how many settings it holds.`,
    rm: `plugndial profile rm <name>
Removes a profile no device uses.`,
  },
};

interface ProfileJson {
  name: string;
  description: string | null;
  settings: Record<string, unknown>;
}

export async function profileCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    description: { type: 'string' },
    set: { type: 'string', multiple: true },
    unset: { type: 'string', multiple: true },
    secrets: { type: 'boolean' },
  });
  const [action] = positionals;
  const helped = answerHelp(USAGE, action, values['help'] === true, io);
  if (helped !== undefined) return helped;
  const client = await connect(dataDirOf(values));
  const path = (name: string): string => `/profiles/${encodeURIComponent(name)}`;
  try {
    switch (action) {
      case 'add': {
        const name = onlyOperand(positionals, 'profile name', synopsis(USAGE, action));
        const added = await client.request('POST', '/profiles', {
          name,
          settings: assignments(values['set']),
          ...(values['description'] ? { description: values['description'] } : {}),
        });
        io.out(`added profile ${name}\n`);
        printWarnings(io, added);
        return 0;
      }
      case 'set': {
        const name = onlyOperand(positionals, 'profile name', synopsis(USAGE, action));
        const updated = await client.request('PATCH', path(name), {
          settings: assignments(values['set']),
          unset: strings(values['unset']),
          ...(values['description'] !== undefined ? { description: values['description'] } : {}),
        });
        io.out(`updated profile ${name}\n`);
        printWarnings(io, updated);
        return 0;
      }
      case 'show': {
        const name = onlyOperand(positionals, 'profile name', synopsis(USAGE, action));
        const profile = await client.request<ProfileJson>(
          'GET',
          `${path(name)}${values['secrets'] ? '?secrets=true' : ''}`,
        );
        if (values['json']) io.out(`${JSON.stringify(profile, null, 2)}\n`);
        else
          io.out(
            [
              `name         ${profile.name}`,
              `description  ${profile.description ?? ''}`,
              'settings',
              ...Object.entries(profile.settings).map(
                ([k, v]) => `  ${k}=${Array.isArray(v) ? v.join(',') : String(v)}`,
              ),
            ].join('\n') + '\n',
          );
        return 0;
      }
      case 'list': {
        const profiles = await client.request<ProfileJson[]>('GET', '/profiles');
        if (values['json']) io.out(`${JSON.stringify(profiles, null, 2)}\n`);
        else
          io.out(
            table(
              ['NAME', 'SETTINGS', 'DESCRIPTION'],
              profiles.map((p) => [
                p.name,
                String(Object.keys(p.settings).length),
                p.description ?? '',
              ]),
            ),
          );
        return 0;
      }
      case 'rm': {
        const name = onlyOperand(positionals, 'profile name', synopsis(USAGE, action));
        await client.request('DELETE', path(name));
        io.out(`removed profile ${name}\n`);
        return 0;
      }
      default:
        throw pndError('PND_INVALID_ARGUMENT', `unknown action "${action}"`);
    }
  } finally {
    await client.close();
  }
}
