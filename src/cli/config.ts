import { createSecureContext } from 'node:tls';

import {
  flagValues,
  resolveOptions,
  SERVE_OPTIONS,
  serveFlags,
  shownValue,
} from '../config/options.ts';
import { serverConfigOf } from '../config/server-config.ts';
import { tlsMaterial } from '../config/tls-files.ts';
import { secureContextOptions } from '../transports/http/tls-context.ts';
import { pndError } from '../errors.ts';
import { need, parse, table } from './args.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial config check [--config FILE] [serve's flags…] [--json]
Reads the configuration as "plugndial serve" with the same flags and environment would:
flags ◀ PLUGNDIAL_* environment ◀ the --config file (or PLUGNDIAL_CONFIG) ◀ defaults.
Refuses an unknown key or a malformed value, naming it; reads the TLS files it names; then
prints every setting, where it came from (flag, environment, file, default), with the user
and password of a URL shown as ****. Exit 0 when serve would start with it, 2 when not.
The file's format: docs/configuration.md.`;

export async function configCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, serveFlags());
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const verb = need(positionals, 0, 'what to do (check)', USAGE);
  if (verb !== 'check')
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `unknown config command "${verb.slice(0, 40)}"; usage: ${USAGE}`,
    );

  const resolved = resolveOptions({ flags: flagValues(values), env: process.env });
  const config = serverConfigOf(resolved);
  const tls = config.security?.tls;
  if (tls?.certFile && tls.keyFile) {
    const material = tlsMaterial({
      dataDir: config.dataDir,
      ...tls,
      host: 'localhost',
      now: new Date(),
    });
    try {
      createSecureContext(secureContextOptions(material));
    } catch (error) {
      throw pndError(
        'PND_TLS_FILE',
        `${tls.certFile} and ${tls.keyFile}: the certificate and key cannot be used together (${(error as Error).message.slice(0, 120)})`,
      );
    }
  }
  const rows = SERVE_OPTIONS.map((option) => {
    const { value, source } = resolved.values.get(option.name)!;
    // A node on a shared database is named after its host unless named: show the name.
    const derived = option.name === 'node' && value === undefined ? config.node : undefined;
    const shown = value ?? derived;
    return {
      key: option.name,
      value: shown === undefined ? undefined : shownValue(option, shown),
      source,
    };
  });
  if (values['json']) {
    io.out(`${JSON.stringify({ file: resolved.file ?? null, settings: rows }, null, 2)}\n`);
    return 0;
  }
  io.out(`configuration file: ${resolved.file ?? 'none'}\n`);
  io.out(
    table(
      ['key', 'value', 'source'],
      rows.map((r) => [r.key, r.value ?? '(unset)', r.source]),
    ),
  );
  return 0;
}
