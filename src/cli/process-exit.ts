// How a command ends the process. Two things go wrong with `main().then(process.exit)`:
// process.exit drops what a pipe has not taken yet (stdout to a pipe is asynchronous, so a
// reader gets the first 64 KiB), and a command whose work never settles (a request cut in a
// way nothing notices) leaves Node's default exit code 0, which a script takes for success.

const UNFINISHED =
  'plugndial: the command stopped before it finished (its request was never answered); take nothing it was to change as done: check with the show or list command, then try again\n';

/**
 * Runs a command as this process: the exit status is 1 until the command has returned its
 * own, and the process exits only once everything written to stdout and stderr has been
 * taken by their readers.
 */
export function runAsProcess(command: () => Promise<number>): void {
  process.exitCode = 1;
  let settled = false;
  for (const stream of [process.stdout, process.stderr]) {
    // A reader that went away (`| head`) ends the output, not the command.
    stream.on('error', () => undefined);
  }
  process.once('beforeExit', () => {
    if (settled) return;
    process.exitCode = 1;
    process.stderr.write(UNFINISHED);
  });
  command().then(
    (code) => finish(code),
    () => finish(1),
  );
  function finish(code: number): void {
    settled = true;
    process.exitCode = code;
    void Promise.all([drained(process.stdout), drained(process.stderr)]).then(() =>
      process.exit(code),
    );
  }
}

/** Resolves once the stream has handed every byte written so far to the system. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableLength === 0) return resolve();
    // Writes complete in order: the empty one's callback comes after every earlier byte.
    stream.write('', () => resolve());
  });
}
