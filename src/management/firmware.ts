import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';

import { knownVendors } from '../drivers/registry.ts';
import { pndError, type PlugndialError } from '../errors.ts';
import type { FirmwareImage, FirmwareKey, FirmwareUpload, Store } from '../store/store.ts';

/** What an operator gives to add an image (CLI flags, API query). */
export interface FirmwareInput {
  vendor?: string;
  model?: string;
  version?: string;
  file?: string;
  size?: string;
  sha256?: string;
}

export const MAX_IMAGE_BYTES = 1024 * 1024 * 1024;

// A model may carry a make (`leadtek/LR8051S`, the Plug-n-Dial class); versions and file
// names become URL path segments and manifest values.
// A model as phones name it, which may have single spaces between words (`Maxwell 3`).
const MODEL =
  /^[A-Za-z0-9](?:[A-Za-z0-9._+-]| (?=[A-Za-z0-9])){0,63}(\/[A-Za-z0-9][A-Za-z0-9._+-]{0,63})?$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export function firmwareKey(input: FirmwareInput): FirmwareKey {
  const vendor = input.vendor ?? '';
  if (!knownVendors().includes(vendor))
    throw pndError(
      'PND_UNKNOWN_VENDOR',
      `--vendor: "${vendor.slice(0, 40)}" is not a vendor; known: ${knownVendors().join(', ')}`,
    );
  const model = input.model ?? '';
  if (!MODEL.test(model))
    throw pndError(
      'PND_INVALID_ARGUMENT',
      '--model: the model as the phone reports it, e.g. X4, SIP-T46G, "Maxwell 3" or leadtek/LR8051S',
    );
  const version = input.version ?? '';
  if (!VERSION.test(version))
    throw pndError(
      'PND_INVALID_ARGUMENT',
      '--version: letters, digits, ".", "_", "+" and "-", e.g. 2.12.0.1',
    );
  return { vendor, model, version };
}

/** Checks an upload's description; the bytes are checked while they stream in. */
export function firmwareUpload(input: FirmwareInput): FirmwareUpload {
  const key = firmwareKey(input);
  const fileName = input.file ?? '';
  if (!FILE_NAME.test(fileName) || fileName.toLowerCase() === 'currentversion.txt')
    throw pndError(
      'PND_INVALID_ARGUMENT',
      'file: the image name phones will see, letters, digits, ".", "_", "+" and "-", e.g. x4.z',
    );
  const upload: FirmwareUpload = {
    ...key,
    fileName,
    contentType: 'application/octet-stream',
  };
  if (input.size !== undefined) {
    const size = Number(input.size);
    if (!Number.isSafeInteger(size) || size < 0)
      throw pndError('PND_INVALID_ARGUMENT', 'size: the image size in bytes');
    upload.size = size;
  }
  if (input.sha256 !== undefined) {
    if (!/^[0-9a-f]{64}$/i.test(input.sha256))
      throw pndError('PND_INVALID_ARGUMENT', 'sha256: 64 hex digits');
    upload.sha256 = input.sha256.toLowerCase();
  }
  return upload;
}

/** Stores an image; the store refuses it whole when the bytes or the key do not fit. */
export async function addFirmware(
  store: Store,
  input: FirmwareInput,
  source: Readable,
): Promise<FirmwareImage> {
  const upload = firmwareUpload(input);
  // Refused before any byte is stored; the store checks again inside its transaction.
  if (await store.openFirmware(upload)) {
    source.resume();
    throw pndError(
      'PND_FIRMWARE_EXISTS',
      `the catalogue already has ${upload.vendor} ${upload.model} ${upload.version}; remove it first ("plugndial firmware rm") or use another version`,
    );
  }
  const checked = imageCheck(upload.fileName);
  // A failing source (a client that goes away) fails the check stream, hence the upload.
  pipeline(source, checked, () => undefined);
  return store.putFirmware(upload, checked);
}

/**
 * Refuses what cannot be a firmware image, as soon as its first bytes show it: an empty
 * file, a web page or error text saved in its place (the usual mistake when an image is
 * downloaded by hand), or anything beyond MAX_IMAGE_BYTES. Vendors publish no magic
 * numbers for their images, so no vendor format is checked.
 */
export function imageCheck(fileName: string): Transform {
  let head = Buffer.alloc(0);
  let checked = false;
  let size = 0;
  const refuse = (why: string): PlugndialError =>
    pndError(
      'PND_FIRMWARE_REFUSED',
      `${fileName} is not a firmware image: ${why}; nothing was stored`,
    );
  const inspect = (): PlugndialError | undefined => {
    checked = true;
    const text = head.subarray(0, 512).toString('latin1').trimStart().toLowerCase();
    if (/^(<!doctype html|<html|<\?xml|<head|<body)/.test(text))
      return refuse('it is a web page or XML document');
    if (/^(404|403|not found|error|access denied)\b/.test(text))
      return refuse('it is an error message');
    return undefined;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback): void {
      size += chunk.length;
      if (size > MAX_IMAGE_BYTES) return done(refuse(`it is larger than ${MAX_IMAGE_BYTES} bytes`));
      if (!checked) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= 512) {
          const error = inspect();
          if (error) return done(error);
        }
      }
      done(null, chunk);
    },
    flush(done: TransformCallback): void {
      if (size === 0) return done(refuse('it is empty'));
      done(checked ? null : (inspect() ?? null));
    },
  });
}
