import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';

import { pndError } from '../errors.ts';
import { normalisePath } from '../provisioning/path.ts';
import type { StoredFile } from '../store/store.ts';
import { dataDirOf, need, parse, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial file put <local file> [<served path>]
plugndial file list [--json]
plugndial file rm <served path>`;

/** The file overlay: anything served as is when no driver claims the path. */
export async function fileCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {});
  const [action] = positionals;
  if (values['help'] || !action) {
    io.out(`${USAGE}\n`);
    return action ? 0 : 2;
  }
  const client = await connect(dataDirOf(values));
  try {
    switch (action) {
      case 'put': {
        const local = need(positionals, 1, 'local file', USAGE);
        try {
          if (!statSync(local).isFile()) throw new Error('not a file');
        } catch {
          throw pndError('PND_INVALID_ARGUMENT', `cannot read ${local}: not a readable file`);
        }
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
        const served = need(positionals, 1, 'served path', USAGE);
        await client.request('DELETE', `/files/${servedPath(served)}`);
        io.out(`removed ${served}\n`);
        return 0;
      }
      default:
        throw pndError('PND_INVALID_ARGUMENT', `unknown action "${action}"; usage:\n${USAGE}`);
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
