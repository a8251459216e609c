/**
 * Whether a statement only reads. A read outside a transaction is usually a phone's request
 * waiting for its answer, and the next read often follows at once (the device, then its
 * contact list), so both ends of the embedded engine's thread poll for a short while around
 * such reads; writes and transactions (event batches, management) are not worth the CPU a
 * busy door would lose.
 */
export function isRead(sql: string): boolean {
  return READ.test(sql);
}

const READ = /^\s*(SELECT|WITH)\b/i;
