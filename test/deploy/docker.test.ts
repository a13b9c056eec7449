import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { devOnlyDependencies } from '../helpers/dev-only.js';
import { type ComposeFile, type ComposeService, interpolateCompose, parsePort, parseVolume } from '../helpers/compose.js';
import { execForm, parseCopy, parseDockerfile, parseEnv, parseHealthcheck, type Stage } from '../helpers/dockerfile.js';
import { isIgnored, parseDockerignore } from '../helpers/dockerignore.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { BIN, CrowsnestProcess } from '../helpers/processes.js';
import { cleanEnv, mustRun, runCommand } from '../helpers/run-cli.js';

/**
 * No Docker engine runs in CI, so the image is checked by replaying it: the build stage's COPY and RUN
 * steps run as plain commands in a clean copy of the build context (the repository's files minus
 * Dockerfile.dockerignore), the runtime stage's COPY --from=build steps assemble the runtime
 * directory, and the compose demo then runs from that directory alone with the compose file's
 * commands, environment and configs (addresses moved to 127.0.0.1 and port 0). The runtime stage's
 * RUN step is not replayed (it needs root: a symlink in /usr/local/bin and a /data owned by the
 * runtime user); its effects are checked as text instead.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKER = join(ROOT, 'deploy', 'docker');
const run = promisify(execFile);

const dockerfileText = await readFile(join(DOCKER, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfileText);
const composeText = await readFile(join(DOCKER, 'compose.yaml'), 'utf8');
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string>; dependencies: Record<string, string> };

/** Random demo tokens: compose.yaml insists on them. */
const TOKENS = { CROWSNEST_TOKEN: randomBytes(12).toString('hex'), CROWSNEST_ADMIN_TOKEN: randomBytes(12).toString('hex') };
const compose = parse(interpolateCompose(composeText, TOKENS)) as ComposeFile;

const argsOf = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const lastArg = (stage: Stage, keyword: string) => argsOf(stage, keyword).at(-1);
const buildStage = stages[0] as Stage;
const runtimeStage = stages.at(-1) as Stage;

/** The host file a service's `--config` names, through its bind mounts. */
function configFileOf(service: ComposeService): string {
  const command = service.command ?? [];
  const path = command[command.indexOf('--config') + 1];
  if (path === undefined) throw new Error(`command ${JSON.stringify(command)} has no --config FILE`);
  for (const v of (service.volumes ?? []).map(parseVolume)) {
    if (v.source.startsWith('.') && path.startsWith(`${v.target}/`)) return join(DOCKER, v.source, path.slice(v.target.length + 1));
  }
  throw new Error(`${path} is not inside a bind-mounted directory`);
}

/** `${NAME}` and `${NAME:-default}` references in the values of a Crowsnest config (comments aside). */
function configVars(text: string): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)) found.add(m[1] as string);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(parse(text));
  return found;
}

/** The Crowsnest services (the monitoring profile's Prometheus and Grafana are checked in grafana.test.ts). */
const crowsnestServices = Object.fromEntries(Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('crowsnest:'))) as Record<string, ComposeService>;
const serviceNames = Object.keys(crowsnestServices);

describe('deploy/docker/Dockerfile', () => {
  it('builds in a node:20-slim stage with every dependency, then prunes the dev dependencies', () => {
    expect(stages).toHaveLength(2);
    expect(buildStage.from).toBe('node:20-slim');
    expect(buildStage.name).toBe('build');
    const runs = argsOf(buildStage, 'RUN');
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm prune --omit=dev\b/.test(r))).toBe(true);
  });

  it('runs on node:20-slim as a non-root user with the data volume at /data owned by that user', () => {
    expect(runtimeStage.from).toBe('node:20-slim');
    const user = lastArg(runtimeStage, 'USER');
    expect(user, 'USER').toBeDefined();
    const uid = (user as string).split(':')[0] as string;
    expect(uid === '0' || uid === 'root').toBe(false);
    // Numeric, so Kubernetes' runAsNonRoot can verify it.
    expect(uid).toMatch(/^\d+$/);
    expect(argsOf(runtimeStage, 'VOLUME')).toContain('/data');
    expect(argsOf(runtimeStage, 'RUN').join('\n')).toMatch(new RegExp(`chown ${user}\\s+/data\\b`));
  });

  it('runs the crowsnest CLI, through a symlink on PATH, and checks health on /-/health', () => {
    expect(execForm(lastArg(runtimeStage, 'ENTRYPOINT') as string)).toEqual(['crowsnest']);
    expect(argsOf(runtimeStage, 'RUN').join('\n')).toContain('ln -s /app/bin/crowsnest /usr/local/bin/crowsnest');
    const env = Object.assign({}, ...argsOf(runtimeStage, 'ENV').map(parseEnv)) as Record<string, string>;
    expect(env['CROWSNEST_HEALTH_URL']).toMatch(/^http:\/\/127\.0\.0\.1:7777\/-\/health$/);
    const health = parseHealthcheck(lastArg(runtimeStage, 'HEALTHCHECK') as string);
    expect(health.command.join(' ')).toContain('CROWSNEST_HEALTH_URL');
    expect(execForm(lastArg(runtimeStage, 'CMD') as string)[0]).toBe('start');
  });

  describe('replayed as plain commands in a clean directory', () => {
    let tmp: string;
    let appDir: string;
    const children: CrowsnestProcess[] = [];

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'crowsnest-docker-'));
      // The build context: what `docker build .` would send from this checkout, minus .dockerignore.
      const ignore = parseDockerignore(await readFile(join(DOCKER, 'Dockerfile.dockerignore'), 'utf8'));
      const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
      const context = join(tmp, 'context');
      for (const file of stdout.split('\0').filter((f) => f !== '' && !isIgnored(ignore, f))) {
        if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree, not yet committed
        await mkdir(dirname(join(context, file)), { recursive: true });
        await cp(join(ROOT, file), join(context, file));
      }
      const roots: Record<string, string> = {};
      let index = 0;
      for (const stage of stages) {
        const root = join(tmp, `stage-${index++}`);
        if (stage.name !== undefined) roots[stage.name] = root;
        let workdir = '/';
        let env: Record<string, string> = {};
        for (const ins of stage.instructions) {
          if (ins.keyword === 'WORKDIR') {
            workdir = posix.resolve(workdir, ins.args);
            await mkdir(join(root, workdir), { recursive: true });
          } else if (ins.keyword === 'ENV') {
            env = { ...env, ...parseEnv(ins.args) };
          } else if (ins.keyword === 'COPY') {
            const step = parseCopy(ins.args);
            const fromRoot = step.from === undefined ? undefined : roots[step.from];
            if (step.from !== undefined && fromRoot === undefined) throw new Error(`COPY --from=${step.from}: no such stage`);
            for (const source of step.sources) {
              const src = fromRoot === undefined ? join(context, source) : join(fromRoot, source);
              const destPath = posix.resolve(workdir, step.dest);
              const dest = step.dest.endsWith('/') || step.sources.length > 1 ? join(root, destPath, source === '.' ? '' : posix.basename(source)) : join(root, destPath);
              if (!existsSync(src)) throw new Error(`Dockerfile line ${ins.line}: COPY source ${source} does not exist in ${fromRoot === undefined ? 'the build context' : `stage ${step.from}`}`);
              await cp(src, dest, { recursive: true, verbatimSymlinks: true });
            }
          } else if (ins.keyword === 'RUN' && stage === buildStage) {
            await mustRun('sh', ['-ec', ins.args], { cwd: join(root, workdir), env: cleanEnv(env), timeoutMs: 600_000 });
          }
        }
        if (stage === runtimeStage) appDir = join(root, workdir);
      }
    }, 900_000);

    afterAll(async () => {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
    });

    it('leaves the runtime with its dependencies only, the compiled code and the UI', async () => {
      const modules = await readdir(join(appDir, 'node_modules'));
      for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(appDir, 'node_modules', dep)), dep).toBe(true);
      expect(devOnlyDependencies(ROOT, pkg.devDependencies).filter((d) => existsSync(join(appDir, 'node_modules', d)))).toEqual([]);
      expect(modules.length).toBeGreaterThan(10);
      expect(existsSync(join(appDir, 'dist', 'bin', 'main.js'))).toBe(true);
      expect(existsSync(join(appDir, 'ui', 'dist', 'index.html'))).toBe(true);
      const { stdout } = await mustRun(join(appDir, 'bin', 'crowsnest'), ['--version'], { cwd: appDir, env: cleanEnv() });
      expect(stdout.trim()).toBe(pkg.version);
    });

    it('runs the compose demo from the runtime files: the global hub sees both regions, the eu hub only eu; health checks pass; SIGTERM exits 0', async () => {
      const imageEnv = Object.assign({}, ...argsOf(runtimeStage, 'ENV').map(parseEnv)) as Record<string, string>;
      const health = parseHealthcheck(lastArg(runtimeStage, 'HEALTHCHECK') as string).command;
      const entrypoint = join(appDir, 'bin', execForm(lastArg(runtimeStage, 'ENTRYPOINT') as string)[0] as string);
      const ports = new Map<string, { container: number; actual: number }>();
      const healthUrls = new Map<string, string>();
      const started = new Map<string, CrowsnestProcess>();
      // Start in dependency order: a service's links need the ports of the services it depends on.
      const pending = [...serviceNames];
      while (pending.length > 0) {
        const i = pending.findIndex((n) => (crowsnestServices[n]?.depends_on ?? []).every((d) => started.has(d)));
        expect(i, `a dependency cycle among ${pending.join(', ')}`).toBeGreaterThanOrEqual(0);
        const name = pending.splice(i, 1)[0] as string;
        const service = crowsnestServices[name] as ComposeService;
        const env: Record<string, string> = { ...imageEnv };
        for (const [k, v] of Object.entries(service.environment ?? {})) {
          let value = String(v);
          if (/^0\.0\.0\.0:\d+$/.test(value)) value = '127.0.0.1:0';
          else if (value === '/data') value = join(tmp, 'volumes', name);
          else {
            value = value.replace(/^(wss?|https?):\/\/([a-z0-9-]+):(\d+)/, (m, scheme: string, host: string, port: string) => {
              const target = ports.get(host);
              if (target === undefined) return m;
              expect(Number(port), `${name}: ${k} names ${host}'s container port`).toBe(target.container);
              return `${scheme}://127.0.0.1:${target.actual}`;
            });
          }
          env[k] = value;
        }
        const command = (service.command ?? []).map((a) => (a.startsWith('/etc/crowsnest/') ? configFileOf(service) : a));
        const child = new CrowsnestProcess(spawn(entrypoint, command, { cwd: appDir, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
        children.push(child);
        started.set(name, child);
        const actual = await child.port(command[0] === 'hub' ? 'hub listening' : 'agent started');
        const container = Number(/:(\d+)$/.exec(String(service.environment?.['CROWSNEST_LISTEN']))?.[1]);
        ports.set(name, { container, actual });
        healthUrls.set(name, String(service.environment?.['CROWSNEST_HEALTH_URL']).replace(`:${container}/`, `:${actual}/`));
      }
      const global = `http://127.0.0.1:${ports.get('hub-global')?.actual}`;
      const eu = `http://127.0.0.1:${ports.get('hub-eu')?.actual}`;
      const globalServices = await pollUntil(() => getJson<string[]>(`${global}/services/`), (s) => s.length === 3, 30_000);
      expect(globalServices).toEqual(['checkout', 'payments', 'search']);
      // Region eu's services reach the eu hub, and only them (global's checkout may come from us alone).
      expect(await pollUntil(() => getJson<string[]>(`${eu}/services/`), (s) => s.length >= 2, 30_000)).toEqual(['checkout', 'search']);
      const sources = await pollUntil(
        () => getJson<{ items: { name: string; kind: string; via: string[] }[] }>(`${global}/api/v1/sources`),
        (s) => s.items.some((x) => x.name === 'agent-eu'),
        30_000,
      );
      expect(sources.items.map((s) => `${s.name} ${s.kind} via [${s.via.join(',')}]`).sort()).toEqual(['agent-eu agent via [eu]', 'agent-us agent via []', 'eu hub via []']);
      // The image's HEALTHCHECK command, as Docker runs it, against each running service.
      for (const [name, url] of healthUrls) {
        const result = await runCommand(health[0] === 'node' ? process.execPath : (health[0] as string), health.slice(1), { env: cleanEnv({ CROWSNEST_HEALTH_URL: url }) });
        expect(result.code, `healthcheck of ${name}`).toBe(0);
      }
      for (const name of [...serviceNames].reverse()) expect(await started.get(name)?.stop(), `exit code of ${name}`).toBe(0);
      const down = await runCommand(process.execPath, health.slice(1), { env: cleanEnv({ CROWSNEST_HEALTH_URL: healthUrls.get('hub-global') }) });
      expect(down.code, 'healthcheck of a stopped hub').not.toBe(0);
    }, 120_000);
  });
});

describe('deploy/docker/compose.yaml', () => {
  it('refuses to start without the federation and admin tokens (no demo ever runs on a known token)', () => {
    expect(() => interpolateCompose(composeText, {})).toThrow(/CROWSNEST_TOKEN/);
    expect(() => interpolateCompose(composeText, { CROWSNEST_TOKEN: 'x' })).toThrow(/CROWSNEST_ADMIN_TOKEN/);
  });

  it('has two agents with demo targets, a regional hub and a global hub', async () => {
    const roles: string[] = [];
    for (const [name, service] of Object.entries(crowsnestServices)) {
      const config = parse(await readFile(configFileOf(service), 'utf8')) as { hub?: { upstream?: unknown }; agent?: unknown; demo?: unknown };
      if (config.hub !== undefined) roles.push(config.hub.upstream === undefined ? `${name}: global hub` : `${name}: regional hub`);
      if (config.agent !== undefined) roles.push(`${name}: agent${config.demo !== undefined ? ' with demo targets' : ''}`);
    }
    expect(roles.sort()).toEqual(['agent-eu: agent with demo targets', 'agent-us: agent with demo targets', 'hub-eu: regional hub', 'hub-global: global hub']);
  });

  it('runs every Crowsnest service from the one image the Dockerfile builds, tagged with the package version; the rest only with --profile', () => {
    const images = new Set(Object.values(crowsnestServices).map((s) => s.image));
    expect([...images]).toEqual([`crowsnest:${pkg.version}`]);
    for (const [name, s] of Object.entries(compose.services)) if (!(name in crowsnestServices)) expect((s as { profiles?: string[] }).profiles, name).toEqual(['monitoring']);
    const builds = Object.values(compose.services).filter((s) => s.build !== undefined);
    expect(builds).toHaveLength(1);
    const build = builds[0]?.build as { context: string; dockerfile: string };
    expect(join(DOCKER, build.context)).toBe(ROOT.replace(/\/$/, ''));
    expect(existsSync(join(DOCKER, build.context, build.dockerfile))).toBe(true);
    for (const [name, s] of Object.entries(crowsnestServices)) {
      expect(['start', 'hub', 'agent'], name).toContain(s.command?.[0]);
      if (s.command?.[0] === 'start') expect(configFileOf(s), `${name} runs "start": its config has a demo section`).toMatch(/agent-/);
    }
  });

  it('gives every service a config that passes `crowsnest check-config` with the service environment', async () => {
    for (const [name, service] of Object.entries(crowsnestServices)) {
      const file = configFileOf(service);
      const result = await runCommand(process.execPath, [BIN, 'check-config', file], { env: cleanEnv(service.environment) });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
    }
  });

  it('sets every variable a config reads, and no variable nothing reads', async () => {
    const imageReads = new Set(['CROWSNEST_HEALTH_URL']);
    for (const [name, service] of Object.entries(crowsnestServices)) {
      const reads = configVars(await readFile(configFileOf(service), 'utf8'));
      const set = new Set(Object.keys(service.environment ?? {}));
      expect([...reads].filter((v) => !set.has(v)), `${name}: read but not set`).toEqual([]);
      expect([...set].filter((v) => !reads.has(v) && !imageReads.has(v)), `${name}: set but never read`).toEqual([]);
    }
  });

  it('publishes each listen port on 127.0.0.1, probes it, keeps data on a named volume and mounts configs read-only', () => {
    const hostPorts = new Set<number>();
    for (const [name, s] of Object.entries(crowsnestServices)) {
      const env = s.environment ?? {};
      const listenPort = Number(/^0\.0\.0\.0:(\d+)$/.exec(String(env['CROWSNEST_LISTEN']))?.[1]);
      expect(listenPort, `${name}: CROWSNEST_LISTEN`).toBeGreaterThan(0);
      const ports = (s.ports ?? []).map(parsePort);
      expect(ports.map((p) => p.container), name).toEqual([listenPort]);
      expect(ports.every((p) => p.ip === '127.0.0.1'), `${name} publishes on 127.0.0.1 only`).toBe(true);
      for (const p of ports) {
        expect(hostPorts.has(p.host), `host port ${p.host} used twice`).toBe(false);
        hostPorts.add(p.host);
      }
      expect(env['CROWSNEST_HEALTH_URL']).toBe(`http://127.0.0.1:${listenPort}/-/health`);
      const volumes = (s.volumes ?? []).map(parseVolume);
      const data = volumes.find((v) => v.target === env['CROWSNEST_DATA_DIR']);
      expect(data, `${name}: a volume at its data dir`).toBeDefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
      expect(volumes.filter((v) => v.source.startsWith('.')).every((v) => v.readOnly), `${name}: bind mounts read-only`).toBe(true);
      expect(s.stop_grace_period, `${name}: time for the final snapshot or flush`).toBeDefined();
    }
  });

  it('links only to services it depends on, at their listen ports', () => {
    for (const [name, s] of Object.entries(crowsnestServices)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        const m = /^wss?:\/\/([a-z0-9-]+):(\d+)\/federate$/.exec(String(v));
        if (m === null) continue;
        const target = compose.services[m[1] as string];
        expect(target, `${name}: ${k} names an existing service`).toBeDefined();
        expect(s.depends_on ?? [], `${name} depends on ${m[1]}`).toContain(m[1]);
        expect(target?.environment?.['CROWSNEST_LISTEN']).toBe(`0.0.0.0:${m[2]}`);
      }
    }
  });
});

describe('dockerignore matching', () => {
  const rules = parseDockerignore('# comment\n**/node_modules\ndist\n*.tgz\ndocs\n!docs/keep.md\n');

  it('matches a pattern against the path from the context root, and everything below a matched directory', () => {
    expect(isIgnored(rules, 'dist/bin/main.js')).toBe(true);
    expect(isIgnored(rules, 'ui/dist/index.html')).toBe(false);
    expect(isIgnored(rules, 'crowsnest-0.1.0.tgz')).toBe(true);
    expect(isIgnored(rules, 'sub/crowsnest-0.1.0.tgz')).toBe(false);
  });

  it('matches ** across directories and lets a later ! pattern re-include', () => {
    expect(isIgnored(rules, 'node_modules/x/index.js')).toBe(true);
    expect(isIgnored(rules, 'ui/node_modules/x/index.js')).toBe(true);
    expect(isIgnored(rules, 'docs/guide.md')).toBe(true);
    expect(isIgnored(rules, 'docs/keep.md')).toBe(false);
  });
});
