/**
 * What a PromQL expression reads, found without a full parser: the metric names it selects and the
 * label names it matches or groups by. Enough to check a dashboard's queries against what a process
 * really exposes; syntax itself is left to promtool.
 */

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan', 'Inf', 'NaN']);

export interface PromqlRefs {
  readonly metrics: string[];
  readonly labels: string[];
}

/** Metric and label names of `expr` (Grafana's `label_values(selector, label)` understood too). */
export function promqlRefs(expr: string): PromqlRefs {
  const metrics = new Set<string>();
  const labels = new Set<string>();
  let rest = expr;
  const lv = /^\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(rest);
  if (lv !== null) {
    labels.add(lv[2] as string);
    rest = lv[1] as string;
  }
  rest = rest.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_m, body: string) => {
    for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(m[1] as string);
    return ' ';
  });
  rest = rest.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, list: string) => {
    for (const l of list.split(',').map((x) => x.trim()).filter(Boolean)) labels.add(l);
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  for (const m of rest.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*|\d[\w.]*/g)) {
    const token = m[0];
    if (/^\d/.test(token) || KEYWORDS.has(token)) continue;
    const after = rest.slice((m.index ?? 0) + token.length);
    if (/^\s*\(/.test(after)) continue; // a function or an aggregation
    metrics.add(token);
  }
  return { metrics: [...metrics], labels: [...labels] };
}

/** Metric name -> label names seen on its samples, from a Prometheus text exposition. */
export interface Exposition {
  /** Every name a scrape can return (histograms: _bucket, _sum, _count), samples or not. */
  readonly names: Set<string>;
  /** Label names of the samples seen, per name; absent when the name had no sample. */
  readonly labels: Map<string, Set<string>>;
}

/** Reads a text exposition (as prom-client writes it). */
export function parseExposition(text: string, into: Exposition = { names: new Set(), labels: new Map() }): Exposition {
  for (const line of text.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line);
    if (type !== null) {
      const name = type[1] as string;
      into.names.add(name);
      if (type[2] === 'histogram' || type[2] === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) into.names.add(name + suffix);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s/.exec(line);
    if (sample === null) continue;
    const name = sample[1] as string;
    into.names.add(name);
    let set = into.labels.get(name);
    if (set === undefined) into.labels.set(name, (set = new Set()));
    for (const m of (sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(m[1] as string);
  }
  return into;
}
