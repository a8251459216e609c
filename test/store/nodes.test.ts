/**
 * Three nodes (the sources, through tsx) on one PostgreSQL server, a small storm spread over
 * them and one node SIGKILLed in the middle of it; bench/storm-nodes.ts is the full size, on
 * the compiled build.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runNodesStorm } from '../../bench/support/nodes-storm.ts';
import { withPostgres } from '../support/postgres.ts';
import { BIN } from '../support/serve.ts';

const PHONES = 300;

await withPostgres('several nodes under a storm', () => {
  test(
    'three nodes on one database: a storm with one node killed, the same files, each other’s changes and events',
    { timeout: 110_000 },
    async () => {
      const report = await runNodesStorm({
        phones: PHONES,
        concurrency: 32,
        durable: false,
        samplePerFamily: 1,
        eventsPerNode: PHONES,
        idleChanges: 3,
        lullMs: 1500,
        peer: false,
        bin: BIN,
      });

      // Every phone booted; those caught on C when it died did so on another node.
      assert.equal(report.storm.phones, PHONES);
      assert.deepEqual(report.storm.failures, []);
      assert.equal(report.storm.failed, 0);
      const [a, b, c] = report.nodes;
      assert.equal(c?.killed, true);
      assert.ok(report.storm.retries > 0, 'no phone was under way on C when it was killed');
      assert.ok((c?.served ?? 0) > 0 && (a?.served ?? 0) > 0 && (b?.served ?? 0) > 0);
      assert.equal((a?.served ?? 0) + (b?.served ?? 0) + (c?.served ?? 0), PHONES);

      // A change through A reached B's and C's phone doors (propagate rejects otherwise).
      const idle = report.propagation.idle;
      assert.equal(idle.filter((sample) => sample.node === 'B').length, 3);
      assert.equal(idle.filter((sample) => sample.node === 'C').length, 3);
      const shown = [...idle, ...report.propagation.storm].map(
        (sample) => `${sample.node} ${(sample.ms - sample.answeredMs).toFixed(0)} ms`,
      );
      console.log(`a change through A served after A answered: ${shown.join(', ')}`);

      // The same files, bodies and ETags on every node, with the versions phones compare.
      assert.deepEqual(report.agreement.differences, []);
      for (const list of [report.agreement.before, report.agreement.after]) {
        const versions = (vendor: string): number =>
          list.find((entry) => entry.vendor === vendor)?.versions ?? 0;
        assert.ok(versions('gigaset') > 0, 'no Gigaset UVC compared');
        assert.ok(versions('fanvil') > 0, 'no Fanvil version compared');
        assert.ok(list.every((entry) => entry.files > 0));
      }

      // Events recorded by each node, the killed one too, read back from the two left.
      assert.deepEqual(report.events.problems, []);
      assert.ok((report.events.checked['A'] ?? 0) > 0);
      assert.ok((report.events.checked['B'] ?? 0) > 0);
      assert.ok((report.events.checked['C'] ?? 0) > 0, 'no phone of C was old enough to check');
      assert.ok(report.events.newest.same, 'A and B answer different newest events');
      assert.ok(report.events.newest.count > 0);
    },
  );
});
