import { maskUserinfo } from '../redact.ts';
import type { PhoneFetch, PhoneStep } from './driver.ts';

/**
 * Small helpers the phone scripts share. Vendor-neutral, and no I/O of its own: fetching
 * only wraps the PhoneFetch a script is given.
 */

/** One fetch as a phone sees it: a failure is status 0, an empty body and why. */
export interface Fetched<U extends string | URL = string> {
  url: U;
  status: number;
  body: Buffer;
  error?: string;
}

/** Fetches once; a thrown error becomes `{ status: 0, body: empty, error }`, never a rejection. */
export async function fetchOnce<U extends string | URL>(
  fetch: PhoneFetch,
  url: U,
  userAgent: string,
): Promise<Fetched<U>> {
  try {
    const answer = await fetch(typeof url === 'string' ? url : url.href, { userAgent });
    return { url, status: answer.status, body: answer.body };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { url, status: 0, body: Buffer.alloc(0), error: message.slice(0, 200) };
  }
}

/** A base URL names a directory, with or without its trailing slash; undefined if not a URL. */
export function parseBase(baseUrl: string): URL | undefined {
  try {
    return new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    return undefined;
  }
}

/** Steps are printed and logged: the credentials in `ftp://user:pass@host/` must not be. */
export function shownUrl(url: URL): string {
  return maskUserinfo(url.href);
}

/** Why a fetch did not answer 200. */
export function missNote(answer: Fetched<string | URL>): string {
  return answer.error ?? (answer.status === 404 ? 'not found' : `status ${answer.status}`);
}

/**
 * The step for one answer, its URL shown with any password masked, whether the script
 * fetched a URL object or a string (a base URL the operator gave with `user:pass@`). A note
 * is kept when given, even an empty one.
 */
export function answerStep(
  answer: Fetched<string | URL>,
  applied: boolean,
  note?: string,
): PhoneStep {
  return {
    url: typeof answer.url === 'string' ? maskUserinfo(answer.url) : shownUrl(answer.url),
    status: answer.status,
    bytes: answer.body.length,
    applied,
    ...(note === undefined ? {} : { note }),
  };
}

/** The step for an answer that was not 200: not applied, and why. */
export function missStep(answer: Fetched<string | URL>): PhoneStep {
  return answerStep(answer, false, missNote(answer));
}

/** The step for a URL with its password masked. An empty note is left out. */
export function urlStep(
  url: URL,
  status: number,
  bytes: number,
  applied: boolean,
  note?: string,
): PhoneStep {
  return { url: shownUrl(url), status, bytes, applied, ...(note ? { note } : {}) };
}

/** A step that fetched nothing (not a URL, not taken), its URL masked and cut to 200 characters. */
export function noteStep(url: string, note: string): PhoneStep {
  return { url: maskUserinfo(url).slice(0, 200), status: 0, bytes: 0, applied: false, note };
}
