/**
 * What a storm run says beyond its rows: plugndial against its static anchor (phones/s,
 * files/s, each family's boot time), the targets it is measured against, and a summary for
 * the CI test. Figures are measurements: only failed phones make a run fail.
 */
import { percentile, type Row, type StormResult } from './storm.ts';

export const TARGETS = {
  /** 10,000 phones on the embedded store. */
  wallS: 10,
  phones: 10_000,
  /** plugndial's phones/s and files/s against the static anchor's. */
  anchorShare: 0.5,
  /** No family's ratio below this share of the best family's. */
  familyShare: 0.5,
  peakMb: 250,
};

export interface Comparison {
  plugndial: Row;
  anchor: Row;
}

export interface Verdict {
  target: string;
  ok: boolean;
  figure: string;
}

function rate(result: StormResult, count: number): number {
  return count / result.wallMs;
}

/** plugndial's phones/s and files/s as a share of the anchor's. */
export function shares(c: Comparison): { phones: number; files: number } {
  const a = c.plugndial.result;
  const b = c.anchor.result;
  return {
    phones: rate(a, a.phones) / rate(b, b.phones),
    files: rate(a, a.files) / rate(b, b.files),
  };
}

function median(times: readonly number[] | undefined): number {
  return percentile(
    [...(times ?? [])].sort((x, y) => x - y),
    50,
  );
}

/**
 * Per family, the anchor's median boot time over plugndial's: 1 is as fast as a static
 * server. A family below half of the best family's ratio is one plugndial serves unevenly.
 */
export function familyRatios(c: Comparison): { vendor: string; ratio: number; low: boolean }[] {
  const ratios = [...c.plugndial.result.byVendor.keys()].map((vendor) => ({
    vendor,
    ratio:
      median(c.anchor.result.byVendor.get(vendor)) /
      median(c.plugndial.result.byVendor.get(vendor)),
  }));
  const best = Math.max(...ratios.map((r) => r.ratio).filter(Number.isFinite));
  return ratios.map((r) => ({
    ...r,
    low: !(r.ratio >= best * TARGETS.familyShare),
  }));
}

export function printComparison(c: Comparison): void {
  const share = shares(c);
  console.log(`\n${c.plugndial.name} against ${c.anchor.name}:`);
  console.log(`  ${share.phones.toFixed(2)}× phones/s, ${share.files.toFixed(2)}× files/s`);
  const judged = c.plugndial.result.schemes.size === 1;
  const families = familyRatios(c)
    .map(
      (r) =>
        `${r.vendor} ${r.ratio.toFixed(2)}${judged && r.low ? ' (below half of the best)' : ''}`,
    )
    .join(', ');
  console.log(`  anchor median boot / plugndial median boot, by family: ${families}`);
  if (!judged)
    console.log(
      '  (families of different doors wait on different static servers: their ratios are not judged against each other)',
    );
}

/** Every target, for every storm or comparison it applies to. */
export function verdicts(
  plugndial: readonly Row[],
  anchors: readonly Row[],
  comparisons: readonly Comparison[],
): Verdict[] {
  const out: Verdict[] = [];
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  // A smaller run is projected at its own rate: the target is for 10,000 phones.
  const projected = ({ phones, wallMs }: StormResult): number =>
    phones === TARGETS.phones ? wallMs : (wallMs / phones) * TARGETS.phones;
  for (const row of plugndial) {
    const { phones, wallMs } = row.result;
    const time = projected(row.result);
    const own =
      phones === TARGETS.phones
        ? s(wallMs)
        : `${s(time)} projected from ${phones} phones in ${s(wallMs)}`;
    // The static servers' own time for the same files says what the machine allows.
    const anchor = comparisons.find((c) => c.plugndial === row)?.anchor.result;
    out.push({
      target: `${TARGETS.phones} phones in ≤ ${TARGETS.wallS} s, ${row.name}`,
      ok: time <= TARGETS.wallS * 1000,
      figure: anchor ? `${own}; its static anchor ${s(projected(anchor))}` : own,
    });
  }
  for (const row of [...plugndial, ...anchors])
    out.push({
      target: `0 failed phones, ${row.name}`,
      ok: row.result.failed === 0,
      figure: `${row.result.failed} failed, ${row.result.retries} retries`,
    });
  for (const c of comparisons) {
    const share = shares(c);
    out.push({
      target: `≥ ${TARGETS.anchorShare}× the anchor's phones/s and files/s, ${c.plugndial.name}`,
      ok: share.phones >= TARGETS.anchorShare && share.files >= TARGETS.anchorShare,
      figure: `${share.phones.toFixed(2)}× phones/s, ${share.files.toFixed(2)}× files/s`,
    });
    // Within one door only: where some families fetch from tftpd-hpa and others from nginx,
    // their ratios compare the two static servers (tftpd-hpa forks a process a transfer, so
    // its families wait while nginx serves the rest at once), not how evenly plugndial serves.
    if (c.plugndial.result.schemes.size !== 1) continue;
    const low = familyRatios(c).filter((r) => r.low);
    out.push({
      target: `no family below half of the best family's ratio, ${c.plugndial.name}`,
      ok: low.length === 0,
      figure: low.length === 0 ? 'all within' : `below: ${low.map((r) => r.vendor).join(', ')}`,
    });
  }
  const peak = Math.max(...plugndial.map((row) => row.peakMb ?? 0));
  out.push({
    target: `peak RSS ≤ ${TARGETS.peakMb} MB (the highest of plugndial's storms)`,
    ok: peak <= TARGETS.peakMb,
    figure: `${peak.toFixed(0)} MB`,
  });
  return out;
}

export function printVerdicts(list: readonly Verdict[]): void {
  console.log('\ntargets:');
  for (const v of list) console.log(`  ${v.ok ? '✓' : '✗'} ${v.target}: ${v.figure}`);
}

/** What the CI test reads: each storm's doors and what was fetched over each. */
export function summary(
  rows: readonly (Row & { doors: string[] })[],
  list: readonly Verdict[],
): object {
  return {
    storms: rows.map((row) => ({
      name: row.name,
      doors: row.doors,
      phones: row.result.phones,
      failed: row.result.failed,
      retries: row.result.retries,
      files: row.result.files,
      images: row.result.images,
      schemes: Object.fromEntries(row.result.schemes),
      ...(row.result.cwmp
        ? { cwmp: { ...row.result.cwmp, over: Object.fromEntries(row.result.cwmp.over) } }
        : {}),
      wallMs: row.result.wallMs,
      ...(row.cpuS !== undefined ? { cpuS: row.cpuS } : {}),
      ...(row.peakMb !== undefined ? { peakMb: row.peakMb } : {}),
    })),
    targets: list,
  };
}
