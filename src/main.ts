import { readFileSync } from 'node:fs';

import { isPlugndialError } from './errors.ts';
import { maskUserinfo } from './redact.ts';
import { processIO, type CommandIO } from './cli/io.ts';
import { runAsProcess } from './cli/process-exit.ts';

type Command = (args: string[], io: CommandIO) => Promise<number>;

// Loaded on demand: a management command need not load the server's doors, nor the reverse.
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./cli/serve.ts')).serveCommand,
  device: async () => (await import('./cli/device.ts')).deviceCommand,
  profile: async () => (await import('./cli/profile.ts')).profileCommand,
  file: async () => (await import('./cli/file.ts')).fileCommand,
  render: async () => (await import('./cli/render.ts')).renderCommand,
  events: async () => (await import('./cli/events.ts')).eventsCommand,
  simulate: async () => (await import('./cli/simulate.ts')).simulateCommand,
  resync: async () => (await import('./cli/resync.ts')).resyncCommand,
  firmware: async () => (await import('./cli/firmware.ts')).firmwareCommand,
  phonebook: async () => (await import('./cli/phonebook.ts')).phonebookCommand,
  settings: async () => (await import('./cli/settings.ts')).settingsCommand,
  dhcp: async () => (await import('./cli/dhcp.ts')).dhcpCommand,
  check: async () => (await import('./cli/check.ts')).checkCommand,
  config: async () => (await import('./cli/config.ts')).configCommand,
  backup: async () => (await import('./cli/archive.ts')).archiveCommand('backup'),
  restore: async () => (await import('./cli/archive.ts')).archiveCommand('restore'),
  export: async () => (await import('./cli/archive.ts')).archiveCommand('export'),
  import: async () => (await import('./cli/archive.ts')).archiveCommand('import'),
};

const HELP = `plugndial — zero-touch provisioning for SIP desk phones

  plugndial serve                 run the server (embedded store in ./data)
  plugndial device …              add, list, show, set, rm, credentials, import, pending, claim devices
  plugndial profile …             add, set, show, list, rm profiles
  plugndial file …                put, list, rm files served as they are
  plugndial firmware …            add, list, rm images of the firmware catalogue
  plugndial phonebook …           import, show, list, rm contact lists
  plugndial render <mac> [file]   a device's files as its phone receives them
  plugndial events                what phones fetched
  plugndial simulate <mac> …      play a phone against a server
  plugndial resync <mac>…         tell phones to provision again (SIP check-sync)
  plugndial settings              the canonical settings
  plugndial check                 what will break a phone before it does, and the fix
  plugndial config check          serve's effective configuration, where each value comes from
  plugndial dhcp --format F       a DHCP server snippet pointing phones here (isc, kea, dnsmasq)
  plugndial dhcp explain …        which URL each vendor's phone derives from DHCP options
  plugndial backup <file>         the whole store as one file, while the server serves
  plugndial restore <file>        fill an empty store with a backup
  plugndial export <file>         the store as a file to move it (--events: with events)
  plugndial import <file>         fill an empty store, e.g. PostgreSQL, with an export

Every command and action takes --help (plugndial device add --help), and plugndial help
COMMAND [ACTION] says the same. Management commands take --data-dir (default ./data) and use
the running server's API when one holds that directory. plugndial --version: the version.
`;

/** The version in package.json, beside src/ and dist/ alike. */
export function version(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version?: string };
  return manifest.version ?? 'unknown';
}

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [first, ...more] = argv;
  if (first === '--version' || first === '-V') {
    io.out(`plugndial ${version()}\n`);
    return 0;
  }
  if (!first) {
    io.err(HELP);
    return 2;
  }
  // `plugndial help device add` is `plugndial device add --help`.
  const asHelp = first === 'help' && more.length > 0;
  const [name, ...rest] = asHelp ? [...more, '--help'] : argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return 0;
  }
  const load = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(`plugndial: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (error) {
    if (isPlugndialError(error)) {
      io.err(`plugndial ${name}: ${error.message} [${error.code}]\n`);
      return error.status >= 500 ? 1 : 2;
    }
    // Not from the catalogue: its text is the operator's own machine's, but a URL in it keeps
    // no credentials.
    io.err(
      `plugndial ${name}: unexpected failure: ${maskUserinfo(String((error as Error)?.message ?? error))}\n`,
    );
    return 1;
  }
}

const entry = process.argv[1] ?? '';
if (/main\.(ts|js)$/.test(entry)) runAsProcess(() => main(process.argv.slice(2)));
