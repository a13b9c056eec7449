/**
 * Reads figures from a Prometheus text exposition: the sum of every sample of a metric whose labels
 * include `match` (e.g. all `crowsnest_agent_scrapes_total` with result="ok").
 */
export function metricSum(text: string, name: string, match: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const labels = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    if (!Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** How many samples of a metric an exposition holds (series count). */
export function seriesCount(text: string, name: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) n++;
  return n;
}
