/**
 * Seeded fuzzing of every parser that reads what phones and operators send: TFTP packets and
 * options, SIP datagrams, HTTP request heads, CWMP SOAP and XML, FTP command lines, CSV, DHCP
 * option values, settings values, MAC addresses, User-Agents and request paths, plus the
 * round trips where a writer and a reader belong together.
 *
 *   node --import tsx bench/fuzz.ts [--inputs N] [--seed S] [--parser NAME[,NAME…]]
 *   npm run fuzz -- --inputs 1000000
 *
 * `npm run fuzz` runs with `--expose-gc`: a full collection before and after each target, so
 * the RSS and heap columns show what a target keeps rather than garbage not yet collected.
 *
 * A crash is an exception outside the parser's error contract (its Result, its undefined, or
 * the PlugndialError codes it documents) or a round trip that does not give its input back; a
 * hang is one input over 100 ms. Prints a table and every kept failure with its input number
 * and exact bytes; `--seed S --parser NAME --inputs <number+1>` reproduces it. Exits 1 on any
 * crash or hang.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HANG_MS, runTarget, table, type Report } from './fuzz/engine.ts';
import { TARGETS } from './fuzz/targets.ts';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

const inputs = Number(argument('inputs') ?? 10_000);
const seed = Number(argument('seed') ?? Date.now() % 2 ** 31);
const wanted = argument('parser')?.split(',');
/** Characters of a failing input printed; the file written beside has them all. */
const SHOWN = 2000;
if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed)) {
  console.error('usage: bench/fuzz.ts [--inputs N] [--seed S] [--parser NAME[,NAME…]]');
  process.exit(2);
}
const chosen = wanted ? TARGETS.filter((t) => wanted.includes(t.name)) : TARGETS;
if (wanted && chosen.length !== wanted.length) {
  console.error(`unknown parser; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}

console.log(`fuzz: seed ${seed}, ${inputs} inputs per parser, hang over ${HANG_MS} ms`);
const rssStart = process.memoryUsage.rss();
const reports: Report[] = [];
for (const t of chosen) {
  const report = await runTarget(t, { inputs, seed });
  reports.push(report);
  const mark = report.crashes + report.hangs > 0 ? 'FAIL' : 'ok';
  // Each target's figures as it ends: a long run stopped early keeps what it measured.
  console.log(
    `  ${mark} ${t.name} (${t.contract}): ${report.inputs} inputs, ${report.crashes} crashes, ` +
      `${report.hangs} hangs, slowest ${report.slowestMs.toFixed(2)} ms, ` +
      `${Math.round(report.inputsPerSecond)}/s, RSS ${report.rssAfterMb.toFixed(0)} MB, ` +
      `heap ${report.heapAfterMb.toFixed(0)} MB`,
  );
}
console.log();
process.stdout.write(table(reports));
console.log(
  `\nRSS ${(rssStart / 2 ** 20).toFixed(0)} MB before, ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB after, ` +
    `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB at most`,
);

const failing = reports.filter((r) => r.failures.length > 0);
if (failing.length > 0) {
  // Every kept failure in full, inputs of any length; the console shows the first bytes.
  const file = join(tmpdir(), `plugndial-fuzz-${seed}-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ seed, inputs, failures: failing }, null, 2));
  console.log(`\nfailures with their whole inputs: ${file}`);
}
for (const report of failing) {
  console.log(`\n${report.name}: ${report.crashes} crashes, ${report.hangs} hangs`);
  for (const f of report.failures) {
    console.log(`  #${f.index} ${f.kind}: ${f.message}`);
    const cut = f.input.length > SHOWN ? ` … (${f.input.length} characters in all)` : '';
    console.log(`    input ${f.input.slice(0, SHOWN)}${cut}`);
    console.log(
      `    again: node --import tsx bench/fuzz.ts --seed ${seed} --parser ${report.name} --inputs ${f.index + 1}`,
    );
  }
}
process.exit(failing.length > 0 ? 1 : 0);
