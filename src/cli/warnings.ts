import type { Finding } from '../management/check.ts';
import type { CommandIO } from './io.ts';

/**
 * A change is stored even when it leaves something broken; what it leaves broken is said
 * on stderr, one line a finding, so scripts reading stdout see the same answer as before.
 */
export function printWarnings(io: CommandIO, answer: unknown): void {
  const warnings = (answer as { warnings?: Finding[] } | undefined)?.warnings ?? [];
  for (const w of warnings) {
    const devices =
      w.count === 0
        ? ''
        : ` (${w.count} ${w.count === 1 ? 'device' : 'devices'}: ${w.devices.slice(0, 3).join(', ')}${w.count > 3 ? ', …' : ''})`;
    io.err(`warning: ${w.problem}${devices}; ${w.fix}\n`);
  }
}
