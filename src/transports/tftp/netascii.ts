// netascii (RFC 1350, after RFC 764): LF travels as CR LF and a bare CR as CR NUL.
// The stored bytes are the local form; conversion happens on the fly in both directions.

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

export function netasciiLength(local: Buffer): number {
  let extra = 0;
  for (let i = 0; i < local.length; i += 1) {
    const byte = local[i];
    if (byte === CR || byte === LF) extra += 1;
  }
  return local.length + extra;
}

/** Local bytes to netascii; each input byte maps on its own, so chunks convert independently. */
export function toNetascii(local: Buffer): Buffer {
  const length = netasciiLength(local);
  if (length === local.length) return local;
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (let i = 0; i < local.length; i += 1) {
    const byte = local[i] as number;
    if (byte === LF) {
      out[at++] = CR;
      out[at++] = LF;
    } else if (byte === CR) {
      out[at++] = CR;
      out[at++] = NUL;
    } else {
      out[at++] = byte;
    }
  }
  return out;
}

/** netascii back to local bytes; a CR at the end of one chunk is resolved by the next. */
export class NetasciiDecoder {
  #pendingCr = false;

  push(wire: Buffer): Buffer {
    const out = Buffer.allocUnsafe(wire.length + 1);
    let at = 0;
    for (let i = 0; i < wire.length; i += 1) {
      const byte = wire[i] as number;
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (byte === LF) {
          out[at++] = LF;
          continue;
        }
        out[at++] = CR;
        if (byte === NUL) continue;
      }
      if (byte === CR) this.#pendingCr = true;
      else out[at++] = byte;
    }
    return out.subarray(0, at);
  }

  end(): Buffer {
    if (!this.#pendingCr) return Buffer.alloc(0);
    this.#pendingCr = false;
    return Buffer.from([CR]);
  }
}
