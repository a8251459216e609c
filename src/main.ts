import { isPlugndialError } from './errors.ts';
import { deviceCommand } from './cli/device.ts';
import { eventsCommand } from './cli/events.ts';
import { fileCommand } from './cli/file.ts';
import { processIO, type CommandIO } from './cli/io.ts';
import { profileCommand } from './cli/profile.ts';
import { renderCommand } from './cli/render.ts';
import { serveCommand } from './cli/serve.ts';
import { settingsCommand } from './cli/settings.ts';
import { simulateCommand } from './cli/simulate.ts';

const COMMANDS: Record<string, (args: string[], io: CommandIO) => Promise<number>> = {
  serve: serveCommand,
  device: deviceCommand,
  profile: profileCommand,
  file: fileCommand,
  render: renderCommand,
  events: eventsCommand,
  simulate: simulateCommand,
  settings: settingsCommand,
};

const HELP = `plugndial — zero-touch provisioning for SIP desk phones

  plugndial serve                 run the server (embedded store in ./data)
  plugndial device …              add, list, show, set, rm, import devices
  plugndial profile …             add, set, show, list, rm profiles
  plugndial file …                put, list, rm files served as they are
  plugndial render <mac> [file]   a device's files as its phone receives them
  plugndial events                what phones fetched
  plugndial simulate <mac> …      play a phone against a server
  plugndial settings              the canonical settings

Every command takes --help. Management commands take --data-dir (default ./data) and use
the running server's API when one holds that directory.
`;

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`plugndial: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (isPlugndialError(error)) {
      io.err(`plugndial ${name}: ${error.message} [${error.code}]\n`);
      return error.status >= 500 ? 1 : 2;
    }
    io.err(`plugndial ${name}: unexpected failure: ${(error as Error).message}\n`);
    return 1;
  }
}

const entry = process.argv[1] ?? '';
if (/main\.(ts|js)$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
