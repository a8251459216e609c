import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

import { pndError } from '../errors.ts';
import type { FirmwareImage, FirmwareKey } from '../store/store.ts';
import { dataDirOf, need, parse, readableFile, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';
import { printWarnings } from './warnings.ts';
import { answerHelp, synopsis, type ActionUsage } from './usage.ts';

const USAGE: ActionUsage = {
  command: 'firmware',
  actions: {
    add: `plugndial firmware add <image file> --vendor V --model M --version X [--name <served name>]
Adds an image to the catalogue; a device or profile with firmware.version=X is offered it
while its phone reports another version. The upload is checked (size, SHA-256, not empty,
not a web page) before it is stored.`,
    list: `plugndial firmware list [--vendor V] [--json]
The catalogue: vendor, model, version, file name, size, SHA-256.`,
    rm: `plugndial firmware rm --vendor V --model M --version X
Removes an image from the catalogue.`,
  },
};

/**
 * The firmware catalogue. A device or profile with `firmware.version` set is offered the
 * image of its vendor and model in that version, by each driver in its own way, while it
 * reports another version.
 */
export async function firmwareCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    vendor: { type: 'string' },
    model: { type: 'string' },
    version: { type: 'string' },
    name: { type: 'string' },
  });
  const [action] = positionals;
  const helped = answerHelp(USAGE, action, values['help'] === true, io);
  if (helped !== undefined) return helped;
  const text = (key: string): string | undefined =>
    typeof values[key] === 'string' ? (values[key] as string) : undefined;
  const key = (): URLSearchParams => {
    const query = new URLSearchParams();
    for (const name of ['vendor', 'model', 'version']) {
      const value = text(name);
      if (value === undefined)
        throw pndError(
          'PND_INVALID_ARGUMENT',
          `missing --${name}; usage: ${synopsis(USAGE, String(action))}`,
        );
      query.set(name, value);
    }
    return query;
  };
  const client = await connect(dataDirOf(values));
  try {
    switch (action) {
      case 'add': {
        const local = need(positionals, 1, 'image file', synopsis(USAGE, action));
        const query = key();
        const size = readableFile(local);
        // Declared up front, so the server refuses an upload that arrives cut short or changed.
        query.set('file', text('name') ?? basename(local));
        query.set('size', String(size));
        query.set('sha256', await sha256Of(local));
        const image = await client.request<FirmwareImage>(
          'POST',
          `/firmware?${query}`,
          createReadStream(local),
          'application/octet-stream',
        );
        io.out(
          `added ${image.vendor} ${image.model} ${image.version} as ${image.fileName} (${image.size} bytes, sha256 ${image.sha256.slice(0, 16)}…)\n`,
        );
        printWarnings(io, image);
        return 0;
      }
      case 'list': {
        const vendor = text('vendor');
        const images = await client.request<FirmwareImage[]>(
          'GET',
          `/firmware${vendor ? `?${new URLSearchParams({ vendor })}` : ''}`,
        );
        if (values['json']) io.out(`${JSON.stringify(images, null, 2)}\n`);
        else
          io.out(
            table(
              ['VENDOR', 'MODEL', 'VERSION', 'FILE', 'SIZE', 'SHA256', 'ADDED'],
              images.map((i) => [
                i.vendor,
                i.model,
                i.version,
                i.fileName,
                String(i.size),
                `${i.sha256.slice(0, 12)}…`,
                i.createdAt,
              ]),
            ),
          );
        return 0;
      }
      case 'rm': {
        const removed = await client.request<{ removed: FirmwareKey }>(
          'DELETE',
          `/firmware?${key()}`,
        );
        io.out(
          `removed ${removed.removed.vendor} ${removed.removed.model} ${removed.removed.version}\n`,
        );
        printWarnings(io, removed);
        return 0;
      }
      default:
        throw pndError('PND_INVALID_ARGUMENT', `unknown action "${action}"`);
    }
  } finally {
    await client.close();
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
