import type { Finding } from '../management/check.ts';
import type { CheckReport } from '../management/check-scope.ts';
import { dataDirOf, parse, table } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';

const USAGE = `plugndial check [--mac M | --profile P | --vendor V] [--json]
Lists what will break a phone before it does, and the fix: encryption keys that do not fit
a vendor, firmware.version without a catalogue image, a --public-url no door listens on
(with a running server), native keys of another driver, unknown models, device credentials
for phones that cannot take them, accounts without registrar. Exit status 1 when there is
any finding, 0 when none.`;

/** `plugndial check`: the findings of GET /check, as a table or JSON; exit 1 on any. */
export async function checkCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, {
    mac: { type: 'string' },
    profile: { type: 'string' },
    vendor: { type: 'string' },
  });
  if (values['help']) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const q = new URLSearchParams();
  for (const name of ['mac', 'profile', 'vendor']) {
    const value = values[name];
    if (typeof value === 'string') q.set(name, value);
  }
  const client = await connect(dataDirOf(values));
  try {
    const report = await client.request<CheckReport>('GET', `/check${q.size ? `?${q}` : ''}`);
    if (values['json']) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(reportText(report));
    return report.findings.length > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

function reportText(report: CheckReport): string {
  const summary = `${report.checked} devices checked, ${report.findings.length} ${report.findings.length === 1 ? 'problem' : 'problems'}\n`;
  if (report.findings.length === 0) return summary;
  return `${table(
    ['KIND', 'DEVICES', 'PROBLEM', 'FIX'],
    report.findings.map((f) => [f.kind, devicesText(f), f.problem, f.fix]),
  )}${summary}`;
}

function devicesText(finding: Finding): string {
  if (finding.count === 0) return 'server';
  const first = finding.devices.slice(0, 2).join(',');
  return finding.count > 2 ? `${first},… (${finding.count})` : first;
}
