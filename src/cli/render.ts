import type { Explanation } from '../drivers/driver.ts';
import { dataDirOf, need, parse } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';

const USAGE = 'plugndial render <mac> [file] [--explain] [--secrets] [--json]';

interface Rendered {
  file: string;
  driver: string;
  contentType: string | null;
  body: string | null;
  explanation?: Explanation;
}

/** Shows a device's files exactly as its phone receives them, or how they were derived. */
export async function renderCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    explain: { type: 'boolean' },
    secrets: { type: 'boolean' },
  });
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const mac = need(positionals, 0, 'MAC', USAGE);
  const client = await connect(dataDirOf(values));
  try {
    const base = `/devices/${encodeURIComponent(mac)}/files`;
    const files = positionals[1] ? [positionals[1]] : await client.request<string[]>('GET', base);
    const q = new URLSearchParams();
    if (values['explain']) q.set('explain', 'true');
    if (values['secrets']) q.set('secrets', 'true');
    const results: Rendered[] = [];
    for (const file of files) {
      results.push(
        await client.request<Rendered>(
          'GET',
          `${base}/${encodeURIComponent(file)}${q.size ? `?${q}` : ''}`,
        ),
      );
    }
    if (values['json']) {
      io.out(`${JSON.stringify(positionals[1] ? results[0] : results, null, 2)}\n`);
      return 0;
    }
    for (const result of results) {
      if (files.length > 1) io.out(`==> ${result.file} <==\n`);
      if (values['explain'] && result.explanation) io.out(explainText(result.explanation));
      else io.out(result.body ?? '');
      if (files.length > 1) io.out('\n');
    }
    return 0;
  } finally {
    await client.close();
  }
}

function explainText(explanation: Explanation): string {
  const width = Math.max(0, ...explanation.entries.map((e) => e.key.length + e.value.length + 1));
  const lines = explanation.entries.map(
    (e) => `${`${e.key}=${e.value}`.padEnd(width)}  # ${e.from ?? 'driver'}`,
  );
  const notes = explanation.notes ?? [];
  if (notes.length > 0) lines.push('', ...notes.map((note) => `# ${note}`));
  if (explanation.ignored.length > 0) {
    lines.push('', `# not expressed by this dialect: ${explanation.ignored.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
