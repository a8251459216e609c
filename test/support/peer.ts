import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Interop tests run real peers. Under CI a missing peer fails the test (CI installs them
 * all); on a developer's machine it skips with the package to install.
 */
export function hasPeer(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

export function requirePeer(t: TestContext, binary: string, debianPackage: string): boolean {
  if (hasPeer(binary)) return true;
  const message = `${binary} is missing: apt-get install ${debianPackage}`;
  if (process.env['CI']) throw new Error(message);
  t.skip(message);
  return false;
}
