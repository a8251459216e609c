import type { PhoneFetch } from '../drivers/driver.ts';
import { isPlugndialError } from '../errors.ts';
import { tftpGet } from '../transports/tftp/client.ts';

/** A phone's client for any URL it is given: HTTP(S) with its User-Agent, or TFTP. */
export const phoneFetch: PhoneFetch = async (url, options = {}) => {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    const response = await fetch(url, {
      headers: options.userAgent ? { 'user-agent': options.userAgent } : {},
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  }
  if (scheme === 'tftp') {
    try {
      return { status: 200, body: await tftpGet(url, { blksize: 512, tsize: true }) };
    } catch (error) {
      const tftpCode = isPlugndialError(error)
        ? (error.details?.['tftpCode'] as number | undefined)
        : undefined;
      return {
        status: tftpCode === 1 ? 404 : tftpCode === undefined ? 408 : 403,
        body: Buffer.alloc(0),
      };
    }
  }
  return { status: 400, body: Buffer.alloc(0) };
};
