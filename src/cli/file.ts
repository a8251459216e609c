import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

import { pndError } from '../errors.ts';
import { normalisePath } from '../provisioning/path.ts';
import type { StoredFile } from '../store/store.ts';
import { dataDirOf, need, parse, readableFile, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';
import { answerHelp, synopsis, type ActionUsage } from './usage.ts';

const USAGE: ActionUsage = {
  command: 'file',
  actions: {
    put: `plugndial file put <local file> [<served path>]
Stores a file that phones fetch as it is (certificates, images, firmware), at the served
path (default: the file's name), e.g. plugndial file put ca.pem certs/ca.pem.`,
    list: `plugndial file list [--json]
The stored files, with size, type and when they changed.`,
    rm: `plugndial file rm <served path>
Removes a stored file.`,
  },
};

/** The file overlay: anything served as is when no driver claims the path. */
export async function fileCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {});
  const [action] = positionals;
  const helped = answerHelp(USAGE, action, values['help'] === true, io);
  if (helped !== undefined) return helped;
  const client = await connect(dataDirOf(values));
  try {
    switch (action) {
      case 'put': {
        const local = need(positionals, 1, 'local file', synopsis(USAGE, action));
        readableFile(local);
        const path = servedPath(positionals[2] ?? basename(local));
        const stored = await client.request<StoredFile>(
          'PUT',
          `/files/${path}`,
          createReadStream(local),
          'application/octet-stream',
        );
        io.out(
          `stored ${stored.path} (${stored.size} bytes, sha256 ${stored.sha256.slice(0, 16)}…)\n`,
        );
        return 0;
      }
      case 'list': {
        const files = await client.request<StoredFile[]>('GET', '/files');
        if (values['json']) io.out(`${JSON.stringify(files, null, 2)}\n`);
        else
          io.out(
            table(
              ['PATH', 'SIZE', 'TYPE', 'UPDATED'],
              files.map((f) => [f.path, String(f.size), f.contentType, f.updatedAt]),
            ),
          );
        return 0;
      }
      case 'rm': {
        const served = need(positionals, 1, 'served path', synopsis(USAGE, action));
        await client.request('DELETE', `/files/${servedPath(served)}`);
        io.out(`removed ${served}\n`);
        return 0;
      }
      default:
        throw pndError('PND_INVALID_ARGUMENT', `unknown action "${action}"`);
    }
  } finally {
    await client.close();
  }
}

/** The served path, URL-encoded segment by segment; `..` and the like are refused here. */
function servedPath(served: string): string {
  const segments = normalisePath(served, { percentEncoded: false, backslashIsSeparator: false });
  if (!segments || segments.length === 0) {
    throw pndError(
      'PND_INVALID_PATH',
      `"${served.slice(0, 120)}" is not a served path; use a relative path without "..", e.g. firmware/fip14g.rom`,
    );
  }
  return segments.map(encodeURIComponent).join('/');
}
