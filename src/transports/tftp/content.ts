// A pipeline answer opened as blocks to send: in memory or read from the store as the window
// moves, converted to netascii when the client asked for it.

import type { Answer } from '../../provisioning/request.ts';
import { toNetascii } from './netascii.ts';
import { bufferSource, rangeSource } from './source.ts';
import type { BlockSource } from './source.ts';

/** Bytes of a stored file read ahead of the window (a window larger than this is read whole). */
const READ_AHEAD = 64 * 1024;

export interface OpenedContent {
  source: BlockSource;
  /** The size for the `tsize` option; unknown for a stream converted to netascii. */
  size: number | undefined;
}

/** The answer's content as a block source; undefined when it cannot be opened. */
export function openContent(answer: Answer, netascii: boolean): OpenedContent | undefined {
  try {
    if (answer.body !== undefined) {
      const bytes = netascii ? toNetascii(answer.body) : answer.body;
      return { source: bufferSource(bytes), size: bytes.length };
    }
    if (answer.open !== undefined) {
      const open = answer.open.bind(answer);
      // The converted size of a stream is unknown without reading it twice: tsize is left out.
      return netascii
        ? { source: rangeSource(open, answer.size, READ_AHEAD, toNetascii), size: undefined }
        : { source: rangeSource(open, answer.size, READ_AHEAD), size: answer.size };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
