// Prometheus' text exposition format (version 0.0.4): metric families with HELP and TYPE lines, escaped label
// values, cumulative histogram buckets. Pure: the daemon's metrics (metrics.ts) hand it numbers, it writes text.

export type Labels = Record<string, string>;

/** The content type Prometheus asks for and this format answers with. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Fixed bucket bounds (seconds, or any unit) and what fell into each, kept non-cumulative. */
export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) this.counts[i] = (this.counts[i] as number) + 1;
  }
}

/** Latency buckets for requests and heal rounds: 1 ms to 10 s. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/** Collects families and writes them out; a family with no samples still gets its HELP and TYPE lines. */
export class Exposition {
  private readonly lines: string[] = [];
  private readonly names = new Set<string>();

  private head(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): void {
    if (this.names.has(name)) throw new Error(`metric family ${name} written twice`);
    this.names.add(name);
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  counter(name: string, help: string, samples: Iterable<[Labels, number]>): void {
    this.head(name, help, 'counter');
    for (const [labels, v] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(v)}`);
  }

  gauge(name: string, help: string, samples: Iterable<[Labels, number]>): void {
    this.head(name, help, 'gauge');
    for (const [labels, v] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(v)}`);
  }

  histogram(name: string, help: string, samples: Iterable<[Labels, Histogram]>): void {
    this.head(name, help, 'histogram');
    for (const [labels, h] of samples) {
      let cumulative = 0;
      h.bounds.forEach((b, i) => {
        cumulative += h.counts[i] as number;
        this.lines.push(`${name}_bucket${formatLabels(labels, ['le', formatValue(b)])} ${cumulative}`);
      });
      this.lines.push(`${name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${h.count}`);
      this.lines.push(`${name}_sum${formatLabels(labels)} ${formatValue(h.sum)}`);
      this.lines.push(`${name}_count${formatLabels(labels)} ${h.count}`);
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
