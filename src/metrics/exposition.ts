// Counters, histograms and gauges in the Prometheus text format (version 0.0.4), made to be
// updated on the hot path: a child is found through one Map per label, keyed by the values
// as they come (numbers too), so a warm update allocates nothing. prom-client hashes a
// labels object on every update, which costs about as much as a third of a warm phone
// request; it still supplies the process metrics (server-metrics.ts).

type LabelValue = string | number;

interface Child {
  readonly labels: readonly string[];
}

export class CounterChild implements Child {
  value = 0;
  constructor(readonly labels: readonly string[]) {}

  inc(by = 1): void {
    this.value += by;
  }
}

export class HistogramChild implements Child {
  /** Observations per bucket, not yet cumulative; the last is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: readonly string[],
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

/** One metric family with a fixed list of label names (at most four). */
abstract class Family<C extends Child> {
  readonly #root = new Map<LabelValue, unknown>();
  readonly #children: C[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (labelNames.length > 4) throw new Error(`${name}: at most four labels`);
  }

  /** A family without labels shows its one sample, zero, before anything is counted. */
  protected init(): void {
    if (this.labelNames.length === 0) this.at();
  }

  protected abstract make(labels: readonly string[]): C;

  /** The child for these label values, made the first time they are seen. */
  at(a: LabelValue = '', b: LabelValue = '', c: LabelValue = '', d: LabelValue = ''): C {
    const m1 = this.#level(this.#root, a);
    const m2 = this.#level(m1, b);
    const m3 = this.#level(m2, c);
    let child = m3.get(d) as C | undefined;
    if (child === undefined) {
      const labels = [a, b, c, d].slice(0, this.labelNames.length).map(String);
      child = this.make(labels);
      m3.set(d, child);
      this.#children.push(child);
    }
    return child;
  }

  children(): readonly C[] {
    return this.#children;
  }

  #level(map: Map<LabelValue, unknown>, key: LabelValue): Map<LabelValue, unknown> {
    let next = map.get(key) as Map<LabelValue, unknown> | undefined;
    if (next === undefined) {
      next = new Map();
      map.set(key, next);
    }
    return next;
  }
}

export class Counter extends Family<CounterChild> {
  constructor(name: string, help: string, labelNames: readonly string[]) {
    super(name, help, labelNames);
    this.init();
  }

  protected make(labels: readonly string[]): CounterChild {
    return new CounterChild(labels);
  }

  render(): string {
    let text = header(this.name, this.help, 'counter');
    for (const child of this.children())
      text += sample(this.name, this.labelNames, child.labels, child.value);
    return text;
  }
}

export class Histogram extends Family<HistogramChild> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
    this.init();
  }

  protected make(labels: readonly string[]): HistogramChild {
    return new HistogramChild(labels, this.bounds);
  }

  render(): string {
    let text = header(this.name, this.help, 'histogram');
    const names = [...this.labelNames, 'le'];
    for (const child of this.children()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += child.counts[i]!;
        const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
        text += sample(`${this.name}_bucket`, names, [...child.labels, le], cumulative);
      }
      text += sample(`${this.name}_sum`, this.labelNames, child.labels, child.sum);
      text += sample(`${this.name}_count`, this.labelNames, child.labels, child.count);
    }
    return text;
  }
}

/**
 * A value read when scraped (transfers in flight, queue depth), never updated in between: a
 * gauge, or a counter someone else keeps.
 */
export class Collected {
  constructor(
    readonly type: 'gauge' | 'counter',
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly read: () => readonly { labels: readonly string[]; value: number }[],
  ) {}

  render(): string {
    let text = header(this.name, this.help, this.type);
    for (const { labels, value } of this.read())
      text += sample(this.name, this.labelNames, labels, value);
    return text;
  }
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

function sample(
  name: string,
  labelNames: readonly string[],
  labels: readonly string[],
  value: number,
): string {
  const pairs = labelNames.map((label, i) => `${label}="${escapeLabel(labels[i] ?? '')}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${number(value)}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
