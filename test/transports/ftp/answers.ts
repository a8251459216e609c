import { Readable } from 'node:stream';

import type { Answer, TransferOutcome } from '../../../src/provisioning/request.ts';

/** 16 MiB, streamed: more than loopback's buffers hold for a reader that waits. */
export function hugeAnswer(done: (outcome: TransferOutcome) => void): Answer {
  const piece = Buffer.alloc(65_536, 3);
  return {
    status: 200,
    contentType: 'application/octet-stream',
    size: 256 * piece.length,
    open: () => Readable.from(Array.from({ length: 256 }, () => piece)),
    done,
  };
}
