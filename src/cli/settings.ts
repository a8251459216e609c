import { SETTINGS_SCHEMA } from '../model/settings.ts';
import { parse, table } from './args.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial settings [--json]
Lists the canonical settings: key, type, default and meaning. Devices and profiles take them
with --set key=value; N in a key is 1-based (accounts.1.user).`;

/** Lists the canonical settings an operator may set. */
export async function settingsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, {});
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (values['json']) {
    io.out(`${JSON.stringify(SETTINGS_SCHEMA, null, 2)}\n`);
    return 0;
  }
  io.out(
    table(
      ['KEY', 'TYPE', 'DEFAULT', 'MEANING'],
      SETTINGS_SCHEMA.map((s) => [
        s.pattern,
        s.kind.type === 'enum' ? s.kind.values.join('|') : s.kind.type,
        s.default === undefined ? '' : String(s.default),
        s.description,
      ]),
    ),
  );
  io.out(
    '\nN is 1-based (accounts.1.user). native.<vendor>.<vendor key>=value is passed through verbatim.\n',
  );
  return 0;
}
