import { pndError } from '../errors.ts';
import type { CommandIO } from './io.ts';

/**
 * A command with actions (`device add`, `device list`, …): each action's own usage, its
 * first line the synopsis. `--help` after an action prints that action's usage alone.
 */
export interface ActionUsage {
  command: string;
  actions: Readonly<Record<string, string>>;
  /** Lines after the synopses in the command's own usage. */
  footer?: string;
}

/** The command's usage: every action's synopsis, then how to see one action's usage. */
export function commandUsage(usage: ActionUsage): string {
  const synopses = Object.values(usage.actions).map((text) => text.split('\n')[0]);
  return [
    ...synopses,
    ...(usage.footer ? ['', usage.footer] : []),
    '',
    `plugndial ${usage.command} ACTION --help shows one action's usage.`,
  ].join('\n');
}

/**
 * Answers `--help` (exit 0) and a missing action (the usage on stderr, exit 2); refuses an
 * unknown action. Returns the exit code when the command is done, else undefined.
 */
export function answerHelp(
  usage: ActionUsage,
  action: string | undefined,
  help: boolean,
  io: CommandIO,
): number | undefined {
  if (action !== undefined && !(action in usage.actions)) {
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `unknown action "${action.slice(0, 40)}"; expected ${Object.keys(usage.actions).join(', ')} (plugndial ${usage.command} --help)`,
    );
  }
  if (help) {
    io.out(`${action === undefined ? commandUsage(usage) : usage.actions[action]}\n`);
    return 0;
  }
  if (action === undefined) {
    io.err(`${commandUsage(usage)}\n`);
    return 2;
  }
  return undefined;
}

/** An action's first usage line, for "missing …" messages. */
export function synopsis(usage: ActionUsage, action: string): string {
  return (usage.actions[action] ?? '').split('\n')[0]!;
}
