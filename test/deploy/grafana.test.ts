import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type ComposeFile, interpolateCompose, parseVolume } from '../helpers/compose.js';
import { pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';
import { type Exposition, parseExposition, promqlRefs } from '../helpers/promql.js';

/**
 * deploy/grafana/crowsnest.json: every query reads metrics and labels that a running hub and agent
 * really expose (started here from the compose demo's configs, so the global hub has the `source`
 * label the dashboard splits regions by), every query is PromQL promtool accepts (checked offline as
 * recording rules), and the dashboard covers what operators look at. Also the compose file's
 * monitoring profile: Prometheus and Grafana wired to these files.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKER = join(ROOT, 'deploy', 'docker');
const run = promisify(execFile);

interface Target { refId: string; expr: string }
interface Panel { id: number; type: string; title: string; targets?: Target[]; panels?: Panel[]; datasource?: { type: string; uid: string } }
interface Variable { name: string; type: string; query?: string | { query: string } }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy', 'grafana', 'crowsnest.json'), 'utf8')) as Dashboard;
const composeText = await readFile(join(DOCKER, 'compose.yaml'), 'utf8');

/** Every query of the dashboard: panel targets and query variables. */
function queries(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const visit = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) out.push({ where: `panel ${p.id} "${p.title}" ${t.refId}`, expr: t.expr });
      visit(p.panels ?? []);
    }
  };
  visit(d.panels);
  for (const v of d.templating.list) {
    if (v.type === 'query') out.push({ where: `variable ${v.name}`, expr: typeof v.query === 'string' ? v.query : (v.query?.query ?? '') });
  }
  return out;
}

/** Labels Prometheus adds to every series of a target (instance, job and the scrape config's labels). */
async function targetLabels(): Promise<Set<string>> {
  const config = parse(await readFile(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as { scrape_configs: { static_configs: { labels?: Record<string, string> }[] }[] };
  const labels = new Set(['instance', 'job']);
  for (const job of config.scrape_configs) for (const sc of job.static_configs) for (const l of Object.keys(sc.labels ?? {})) labels.add(l);
  return labels;
}

/** What is wrong with the dashboard's queries against what the processes expose; empty when nothing. */
function dashboardProblems(d: Dashboard, exposed: Exposition, fromTargets: Set<string>): string[] {
  const problems: string[] = [];
  for (const { where, expr } of queries(d)) {
    const refs = promqlRefs(expr);
    if (refs.metrics.length === 0) problems.push(`${where}: reads no metric: ${expr}`);
    for (const m of refs.metrics) if (!exposed.names.has(m)) problems.push(`${where}: ${m} is not exposed by the hub or the agent`);
    // A label must be on one of the query's metrics, or come from the scrape target. Metrics with no
    // sample yet (a labelled counter never incremented) cannot be checked, so they excuse any label.
    const known = refs.metrics.map((m) => exposed.labels.get(m));
    if (known.some((k) => k === undefined)) continue;
    for (const l of refs.labels) {
      if (!fromTargets.has(l) && !known.some((k) => k?.has(l))) problems.push(`${where}: no metric of the query has the label ${l}`);
    }
  }
  return problems;
}

/** Runs promtool; a missing promtool fails (CI installs Debian's `prometheus` package). */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.env['PROMTOOL'] ?? 'promtool', args, { cwd: ROOT });
    return stdout + stderr;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed: install the Debian package "prometheus" (npm test does, through npm run setup:system) or set PROMTOOL');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('PromQL references', () => {
  it('finds metric names and the labels matched or grouped by, not functions, keywords, strings or durations', () => {
    expect(promqlRefs('histogram_quantile(0.99, sum by (le, instance) (rate(a_bucket{job="x", b=~"$hub"}[$__rate_interval])))')).toEqual({ metrics: ['a_bucket'], labels: ['job', 'b', 'le', 'instance'] });
    expect(promqlRefs('max by (instance) (rss and on (instance) groups) / 1e3')).toEqual({ metrics: ['rss', 'groups'], labels: ['instance'] });
    expect(promqlRefs('time() - max(last_success_seconds) > bool 0')).toEqual({ metrics: ['last_success_seconds'], labels: [] });
    expect(promqlRefs('label_values(occurrences{instance=~"$hub"}, service_name)')).toEqual({ metrics: ['occurrences'], labels: ['service_name', 'instance'] });
  });
});

describe('deploy/grafana/crowsnest.json', () => {
  const procs = new Processes();
  const exposed: Exposition = { names: new Set(), labels: new Map() };
  let fromTargets: Set<string>;
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'crowsnest-grafana-'));
    fromTargets = await targetLabels();
    // The compose demo's global hub (metrics.source_label) and us agent with its demo targets.
    const token = randomBytes(12).toString('hex');
    const env = { CROWSNEST_TOKEN: token, CROWSNEST_ADMIN_TOKEN: randomBytes(12).toString('hex'), CROWSNEST_LISTEN: '127.0.0.1:0', CROWSNEST_DATA_DIR: join(tmp, 'hub') };
    const hub: CrowsnestProcess = procs.spawn(['hub', '--config', join(DOCKER, 'config', 'hub-global.yaml')], env);
    const hubPort = await hub.port('hub listening');
    const agent = procs.spawn(['start', '--config', join(DOCKER, 'config', 'agent-us.yaml')], { ...env, CROWSNEST_DATA_DIR: join(tmp, 'agent'), CROWSNEST_HUB: `ws://127.0.0.1:${hubPort}/federate` });
    const agentPort = await agent.port('agent started');
    const hubText = await pollUntil(() => fetch(`http://127.0.0.1:${hubPort}/metrics`).then((r) => r.text()), (t) => /^periskop_error_occurrences\{.*source="agent-us"/m.test(t) && /^crowsnest_hub_merge_duration_seconds_count \d*[1-9]/m.test(t), 30_000);
    const agentText = await pollUntil(() => fetch(`http://127.0.0.1:${agentPort}/metrics`).then((r) => r.text()), (t) => /^crowsnest_agent_scrapes_total\{/m.test(t), 30_000);
    parseExposition(hubText, exposed);
    parseExposition(agentText, exposed);
  }, 90_000);

  afterAll(async () => {
    await procs.cleanup();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('is a Grafana dashboard with a uid, unique panel ids, a Prometheus data source variable and a query in every panel', () => {
    expect(dashboard.uid).toBe('crowsnest');
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  it('reads only metrics and labels that a running hub and agent expose', () => {
    expect(exposed.names.size).toBeGreaterThan(40);
    expect(dashboardProblems(dashboard, exposed, fromTargets)).toEqual([]);
  });

  it('reports a query on a metric nobody exposes, or on a label its metric lacks (the check above can fail)', () => {
    const broken = structuredClone(dashboard);
    const panel = broken.panels.find((p) => p.targets?.some((t) => t.expr.includes('crowsnest_hub_merge_duration_seconds_bucket'))) as Panel;
    (panel.targets as Target[])[0] = { refId: 'A', expr: 'rate(crowsnest_hub_merges_total[5m])' };
    const other = broken.panels.find((p) => p.targets?.some((t) => t.expr.includes('crowsnest_agent_targets{'))) as Panel;
    (other.targets as Target[])[0] = { refId: 'A', expr: 'sum by (zone) (crowsnest_agent_targets)' };
    expect(dashboardProblems(broken, exposed, fromTargets).sort()).toEqual([
      `panel ${panel.id} "${panel.title}" A: crowsnest_hub_merges_total is not exposed by the hub or the agent`,
      `panel ${other.id} "${other.title}" A: no metric of the query has the label zone`,
    ].sort());
  });

  it('has queries promtool accepts (checked offline as recording rules)', async () => {
    const rules = queries(dashboard).filter((q) => !q.expr.startsWith('label_values(')).map((q, i) => ({
      record: `dashboard:query_${i}`,
      expr: q.expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?\w+\}?/g, '.*'),
    }));
    expect(rules.length).toBeGreaterThan(25);
    for (const r of rules) expect(r.expr).not.toContain('$');
    const file = join(tmp, 'dashboard-rules.yml');
    await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    expect(await promtool('check', 'rules', file)).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('shows what operators look for: error rate by service and by region, top growing errors, sources, scrape health, merge and snapshot times, notification failures, memory', () => {
    const all = queries(dashboard).map((q) => q.expr);
    const has = (re: RegExp) => all.some((e) => re.test(e));
    expect(has(/sum by \(service_name\) \(rate\(periskop_error_occurrences/), 'by service').toBe(true);
    expect(has(/sum by \(service_name, source\) \(rate\(periskop_error_occurrences/), 'by region').toBe(true);
    expect(has(/topk\(\d+, .*increase\(periskop_error_occurrences/), 'top growing').toBe(true);
    expect(has(/crowsnest_hub_sources_connected/), 'sources connected').toBe(true);
    expect(has(/crowsnest_agent_targets\{state="down"\}/) && has(/crowsnest_agent_scrapes_total/), 'scrape health').toBe(true);
    expect(has(/crowsnest_hub_merge_duration_seconds_bucket/) && has(/crowsnest_hub_snapshot_duration_seconds_bucket/), 'merge and snapshot times').toBe(true);
    expect(has(/crowsnest_hub_notifications_total\{result=~"failed\|dropped"\}/), 'notification failures').toBe(true);
    expect(has(/crowsnest_hub_memory_bytes/) && has(/process_resident_memory_bytes and on \(instance\) crowsnest_agent_groups/), 'memory').toBe(true);
  });
});

describe('the compose monitoring profile', () => {
  const compose = parse(interpolateCompose(composeText, { CROWSNEST_TOKEN: 'x', CROWSNEST_ADMIN_TOKEN: 'y' })) as ComposeFile;
  const monitoring = (name: string) => compose.services[name] as ComposeFile['services'][string] & { profiles?: string[] };

  it('runs Prometheus with deploy/prometheus, whose config promtool accepts and which scrapes every Crowsnest service at its listen port', async () => {
    const prometheus = monitoring('prometheus');
    expect(prometheus.profiles).toEqual(['monitoring']);
    const mount = (prometheus.volumes ?? []).map(parseVolume).find((v) => v.target === '/etc/prometheus');
    expect(mount && join(DOCKER, mount.source)).toBe(join(ROOT, 'deploy', 'prometheus'));
    expect(await promtool('check', 'config', 'deploy/prometheus/prometheus.yml')).toContain('SUCCESS');
    const config = parse(await readFile(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const scraped = config.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets));
    const crowsnest = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('crowsnest:'));
    expect(scraped.sort()).toEqual(crowsnest.map(([name, s]) => `${name}:${String(s.environment?.['CROWSNEST_LISTEN']).split(':')[1]}`).sort());
    expect(config.scrape_configs.map((j) => j.job_name).sort()).toEqual(['crowsnest-agent', 'crowsnest-hub']);
  });

  it('runs Grafana with the dashboard and a default Prometheus data source at the Prometheus service', async () => {
    const grafana = monitoring('grafana');
    expect(grafana.profiles).toEqual(['monitoring']);
    const volumes = (grafana.volumes ?? []).map(parseVolume);
    const dashboardMount = volumes.find((v) => v.target.endsWith('.json'));
    expect(dashboardMount && join(DOCKER, dashboardMount.source)).toBe(join(ROOT, 'deploy', 'grafana', 'crowsnest.json'));
    const provisioning = volumes.find((v) => v.target === '/etc/grafana/provisioning');
    expect(provisioning && existsSync(join(DOCKER, provisioning.source))).toBe(true);
    const dir = join(DOCKER, provisioning?.source ?? '');
    const providers = parse(await readFile(join(dir, 'dashboards', 'crowsnest.yaml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] };
    expect(dashboardMount?.target.startsWith(`${providers.providers[0]?.options.path}/`)).toBe(true);
    const sources = parse(await readFile(join(dir, 'datasources', 'prometheus.yaml'), 'utf8')) as { datasources: { type: string; url: string; isDefault: boolean }[] };
    expect(sources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true })]);
  });
});
