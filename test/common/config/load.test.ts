import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatPath, loadConfigFile, parseConfig } from '../../../common/config/load.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';

/** The problems of a config that must not load, one string per line as an operator reads them. */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, 'crowsnest.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('the config was accepted');
}

const yaml = (lines: string[]) => lines.join('\n') + '\n';

/** Periskop's own development config (periskop-dev/periskop@01781b6 config.dev.yaml), verbatim. */
const PERISKOP_DEV_CONFIG = yaml([
  'services:',
  '  - name: mock-target',
  '    dns_sd_configs:',
  '      names:',
  '        - localhost',
  '      refresh_interval: 45s',
  '      type: A',
  '      port: 7778',
  '    scraper:',
  '      endpoint: /errors',
  '      refresh_interval: 10s',
]);

/** Periskop's docker config (periskop-dev/periskop config.docker.yaml), verbatim. */
const PERISKOP_DOCKER_CONFIG = yaml([
  'repository:',
  '  type: memory',
  'services:',
  '- name: mock-target',
  '  dns_sd_configs:',
  '  - names:',
  '    - mock-target',
  '    refresh_interval: 10s',
  '    type: A',
  '    port: 7778',
  '  scraper:',
  '    endpoint: "/errors"',
  '    refresh_interval: 10s',
  '- name: periskop',
  '  static_configs:',
  '  - targets:',
  '    - api:7777',
  '  scraper:',
  '    endpoint: "/errors"',
  '    refresh_interval: 10s',
]);

/** What a service block without file, HTTP or Kubernetes discovery and without relabeling parses to. */
const NO_OTHER_DISCOVERY = { file_sd_configs: [], http_sd_configs: [], kubernetes_sd_configs: [], relabel_configs: [] };
/** Prometheus' scrape defaults of a service block. */
const SCRAPE_DEFAULTS = { scheme: 'http', params: {} };

/**
 * A Periskop config using every discovery block Periskop accepts through Prometheus' discovery config,
 * plus relabel_configs (Periskop's `relabel_configs` field), written as Prometheus users write them.
 */
const PERISKOP_DISCOVERY_CONFIG = yaml([
  'repository:',
  '  type: memory',
  'services:',
  '- name: checkout',
  '  static_configs:',
  '  - targets: [ "10.0.0.1:8080" ]',
  '    labels: { env: prod }',
  '  dns_sd_configs:',
  '  - names: [ _errors._tcp.checkout.internal ]',
  '  file_sd_configs:',
  '  - files: [ /etc/periskop/targets/*.json, /etc/periskop/targets/*.yml ]',
  '    refresh_interval: 1m',
  '  http_sd_configs:',
  '  - url: http://sd.internal/targets',
  '  kubernetes_sd_configs:',
  '  - role: pod',
  '    namespaces:',
  '      names: [ shop ]',
  '  - role: endpoints',
  '    kubeconfig_file: /etc/periskop/kubeconfig',
  '  relabel_configs:',
  '  - source_labels: [__meta_kubernetes_pod_annotation_periskop_io_scrape]',
  '    action: keep',
  '    regex: true',
  '  - source_labels: [__address__, __meta_kubernetes_pod_annotation_periskop_io_port]',
  '    action: replace',
  '    regex: ([^:]+)(?::\\d+)?;(\\d+)',
  '    replacement: $1:$2',
  '    target_label: __address__',
  '  - action: labelmap',
  '    regex: __meta_kubernetes_pod_label_(.+)',
  '  - source_labels: [__address__]',
  '    modulus: 4',
  '    target_label: __tmp_hash',
  '    action: hashmod',
  '  scraper:',
  '    endpoint: /errors',
  '    refresh_interval: 30s',
]);

describe('parseConfig', () => {
  describe('defaults', () => {
    it('fills in every hub default', () => {
      const config = parseConfig('hub: {}\n', 'c.yaml', {});
      expect(config.hub).toEqual({
        listen: '127.0.0.1:7777',
        data_dir: './data/hub',
        snapshot_interval: 30_000,
        agent_tokens: [],
        notifications: [],
        samples_per_group: 20,
        sample_budget_bytes: 256 * 1024 * 1024,
        metrics: { max_series: 10_000, source_label: false },
        retention: 90 * 86_400_000,
        max_groups: 1_000_000,
        sync_admission: { slots: 4, stall_timeout: 30_000 },
        peers: [],
        peer_grace: 15_000,
        limits: DEFAULT_LIMITS,
      });
      expect(config.agent).toBeUndefined();
      expect(config.log).toEqual({ level: 'info' });
    });

    it('fills in every agent and service default', () => {
      const config = parseConfig(yaml(['agent:', '  name: eu-west-1', '  services:', '    - name: checkout']), 'c.yaml', {});
      expect(config.agent).toEqual({
        name: 'eu-west-1',
        listen: '127.0.0.1:7778',
        hubs: [],
        state_interval: 10_000,
        labels: {},
        services: [{
          name: 'checkout',
          static_configs: [],
          dns_sd_configs: [],
          ...NO_OTHER_DISCOVERY,
          scraper: { endpoint: '/errors', refresh_interval: 10_000, timeout: 5_000 },
          ...SCRAPE_DEFAULTS,
        }],
        imports: [],
        push: { default_service: 'push', max_services: 100, tokens: [] },
        flush_interval: 1_000,
        samples_per_group: 10,
        origin_ttl: 3_600_000,
        origin_tombstones: 10_000,
        origin_tombstone_keys: 500_000,
        origin_tombstone_ttl: 604_800_000,
        max_groups_per_service: 10_000,
        max_tombstones_per_service: 100_000,
        scrape: { concurrency: 64 },
        limits: DEFAULT_LIMITS,
      });
    });

    it('overrides only the limits that are set', () => {
      const config = parseConfig(yaml(['hub:', '  limits:', '    causeDepth: 3']), 'c.yaml', {});
      expect(config.hub?.limits).toEqual({ ...DEFAULT_LIMITS, causeDepth: 3 });
    });

    it('reads durations into milliseconds', () => {
      const config = parseConfig(yaml(['hub:', '  snapshot_interval: 1m30s']), 'c.yaml', {});
      expect(config.hub?.snapshot_interval).toBe(90_000);
    });
  });

  describe('environment variables', () => {
    it('replaces ${VAR} with the variable', () => {
      const config = parseConfig(yaml(['hub:', '  agent_tokens: ["${TOKEN}"]']), 'c.yaml', { TOKEN: 's3cret' });
      expect(config.hub?.agent_tokens).toEqual(['s3cret']);
    });

    it('uses the default of ${VAR:-default} when the variable is unset', () => {
      const config = parseConfig(yaml(['hub:', '  agent_tokens: ["${TOKEN:-dev-token}"]']), 'c.yaml', {});
      expect(config.hub?.agent_tokens).toEqual(['dev-token']);
    });

    it('prefers the variable over the default when it is set', () => {
      const config = parseConfig(yaml(['hub:', '  agent_tokens: ["${TOKEN:-dev-token}"]']), 'c.yaml', { TOKEN: 'prod' });
      expect(config.hub?.agent_tokens).toEqual(['prod']);
    });

    it('reads $$ as a literal $, so ${...} can be written', () => {
      const config = parseConfig(yaml(['hub:', '  agent_tokens: ["pa$$word", "$${TOKEN}"]']), 'c.yaml', { TOKEN: 'no' });
      expect(config.hub?.agent_tokens).toEqual(['pa$word', '${TOKEN}']);
    });

    it('replaces variables inside a longer string', () => {
      const config = parseConfig(yaml(['hub:', '  data_dir: "${BASE}/hub"']), 'c.yaml', { BASE: '/var/lib/crowsnest' });
      expect(config.hub?.data_dir).toBe('/var/lib/crowsnest/hub');
    });

    it('never reads a value as YAML, so a variable cannot inject keys', () => {
      const config = parseConfig(yaml(['hub:', '  admin_token: "${ADMIN}"']), 'c.yaml', { ADMIN: 'x\nagent_tokens: [evil]' });
      expect(config.hub?.admin_token).toBe('x\nagent_tokens: [evil]');
      expect(config.hub?.agent_tokens).toEqual([]);
    });
  });

  describe('plain Periskop configs', () => {
    it("runs Periskop's docker config as hub + agent, ignoring repository", () => {
      const config = parseConfig(PERISKOP_DOCKER_CONFIG, 'config.docker.yaml', {});
      expect(config.hub?.listen).toBe('127.0.0.1:7777');
      expect(config.agent?.name).toBe(hostname());
      expect(config.agent?.services).toEqual([
        {
          name: 'mock-target',
          static_configs: [],
          dns_sd_configs: [{ names: ['mock-target'], type: 'A', port: 7778, refresh_interval: 10_000 }],
          ...NO_OTHER_DISCOVERY,
          scraper: { endpoint: '/errors', refresh_interval: 10_000, timeout: 5_000 },
          ...SCRAPE_DEFAULTS,
        },
        {
          name: 'periskop',
          static_configs: [{ targets: ['api:7777'], labels: {} }],
          dns_sd_configs: [],
          ...NO_OTHER_DISCOVERY,
          scraper: { endpoint: '/errors', refresh_interval: 10_000, timeout: 5_000 },
          ...SCRAPE_DEFAULTS,
        },
      ]);
    });

    it("reads Periskop's dev config, whose dns_sd_configs is a single object", () => {
      const config = parseConfig(PERISKOP_DEV_CONFIG, 'config.dev.yaml', {});
      expect(config.hub).toBeDefined();
      expect(config.agent?.services[0]?.dns_sd_configs).toEqual([{ names: ['localhost'], type: 'A', port: 7778, refresh_interval: 45_000 }]);
    });

    it('reads a Periskop config with file, HTTP, DNS and Kubernetes discovery and relabel_configs', () => {
      const service = parseConfig(PERISKOP_DISCOVERY_CONFIG, 'periskop.yaml', {}).agent?.services[0];
      expect(service?.file_sd_configs).toEqual([{ files: ['/etc/periskop/targets/*.json', '/etc/periskop/targets/*.yml'], refresh_interval: 60_000 }]);
      expect(service?.http_sd_configs).toEqual([{ url: 'http://sd.internal/targets', refresh_interval: 60_000 }]);
      expect(service?.kubernetes_sd_configs.map((k) => k.role)).toEqual(['pod', 'endpoints']);
      expect(service?.kubernetes_sd_configs[0]?.namespaces).toEqual({ own_namespace: false, names: ['shop'] });
      expect(service?.relabel_configs.map((r) => r.action)).toEqual(['keep', 'replace', 'labelmap', 'hashmod']);
      expect(service?.relabel_configs[1]?.regex).toBe('([^:]+)(?::\\d+)?;(\\d+)');
    });

    it('names the YAML path of a bad relabel rule in a Periskop config', () => {
      expect(problemsOf(yaml(['services:', '- name: s', '  relabel_configs:', '  - action: hashmod', '    source_labels: [a]', '    target_label: b'])))
        .toMatchInlineSnapshot(`"services[0].relabel_configs[0].modulus (line 4): relabel configuration for hashmod requires non-zero modulus"`);
    });

    it('names an unsupported discovery mechanism as an unknown key', () => {
      expect(problemsOf(yaml(['services:', '- name: s', '  consul_sd_configs: []'])))
        .toMatchInlineSnapshot(`"services[0].consul_sd_configs (line 3): unknown key "consul_sd_configs""`);
    });

    it('keeps other top-level sections next to the Periskop services', () => {
      const config = parseConfig(yaml(['log:', '  level: debug', 'services: []']), 'c.yaml', {});
      expect(config.log.level).toBe('debug');
      expect(config.agent?.services).toEqual([]);
    });
  });

  describe('errors naming the YAML path and line', () => {
    it('names an unknown key', () => {
      expect(problemsOf(yaml(['hub:', '  listen: 127.0.0.1:7777', '  snapshot_intervall: 30s']))).toMatchInlineSnapshot(`"hub.snapshot_intervall (line 3): unknown key "snapshot_intervall""`);
    });

    it('names an unknown key deep in a service', () => {
      expect(problemsOf(yaml(['agent:', '  name: a', '  services:', '    - name: checkout', '      scraper:', '        endpoint: /errors', '        interval: 10s']))).toMatchInlineSnapshot(`"agent.services[0].scraper.interval (line 7): unknown key "interval""`);
    });

    it('names a bad duration', () => {
      expect(problemsOf(yaml(['agent:', '  name: a', '  services:', '    - name: checkout', '      scraper:', '        refresh_interval: 10'])))
        .toMatchInlineSnapshot(`"agent.services[0].scraper.refresh_interval (line 6): expected a duration like "10s" or "1m30s", got 10"`);
    });

    it('names a missing environment variable', () => {
      expect(problemsOf(yaml(['agent:', '  name: a', '  hubs:', '    - url: ws://hub:7777/federate', '      token: "${CROWSNEST_TOKEN}"']))).toMatchInlineSnapshot(`"agent.hubs[0].token (line 5): environment variable CROWSNEST_TOKEN is not set"`);
    });

    it('names a value of the wrong type', () => {
      expect(problemsOf(yaml(['hub:', '  samples_per_group: twenty']))).toMatchInlineSnapshot(`"hub.samples_per_group (line 2): Invalid input: expected number, received string"`);
    });

    it('names a DNS A record without port', () => {
      expect(problemsOf(yaml(['agent:', '  name: a', '  services:', '    - name: checkout', '      dns_sd_configs:', '        - names: [checkout.internal]', '          type: A'])))
        .toMatchInlineSnapshot(`"agent.services[0].dns_sd_configs[0].port (line 6): a port is required for type A"`);
    });

    it('reports a YAML syntax error with its line', () => {
      expect(problemsOf(yaml(['hub:', '  listen: [127.0.0.1:7777', 'agent: {}']))).toMatchInlineSnapshot(`"YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:"`);
    });

    it('reports a duplicate key as a YAML error', () => {
      expect(problemsOf(yaml(['hub:', '  listen: 127.0.0.1:7777', '  listen: 127.0.0.1:7778']))).toMatchInlineSnapshot(`"YAML syntax: Map keys must be unique at line 3, column 3:"`);
    });

    it('asks for a hub or agent section in an empty file', () => {
      expect(problemsOf('')).toMatchInlineSnapshot(`"(top level): the file needs a "hub:" section, an "agent:" section, or both (or a Periskop "services:" list)"`);
    });

    it('refuses a file that is not a mapping', () => {
      expect(problemsOf('- hub\n')).toMatchInlineSnapshot(`"(top level): expected a mapping with "hub:", "agent:" or "services:""`);
    });

    it('lists every problem, not only the first', () => {
      expect(problemsOf(yaml(['hub:', '  listen: nowhere', '  snapshot_interval: soon']))).toMatchInlineSnapshot(`
        "hub.listen (line 2): expected "host:port", e.g. "127.0.0.1:7777"
        hub.snapshot_interval (line 3): expected a duration like "10s" or "1m30s", got "soon""
      `);
    });

    it('starts the message with the file name', () => {
      expect(() => parseConfig('hub: { nope: 1 }\n', '/etc/crowsnest.yaml', {})).toThrow(/^\/etc\/crowsnest\.yaml: invalid configuration/);
    });
  });
});

describe('formatPath', () => {
  it('writes keys with dots and indexes in brackets', () => {
    expect(formatPath(['agent', 'services', 0, 'scraper', 'timeout'])).toBe('agent.services[0].scraper.timeout');
  });

  it('names the top level', () => {
    expect(formatPath([])).toBe('(top level)');
  });
});

describe('loadConfigFile', () => {
  it('reads and validates a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crowsnest-config-'));
    try {
      const file = join(dir, 'crowsnest.yaml');
      await writeFile(file, 'hub:\n  listen: 127.0.0.1:0\n');
      expect((await loadConfigFile(file, {})).hub?.listen).toBe('127.0.0.1:0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('throws ConfigError for a file that cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crowsnest-config-'));
    try {
      const err = await loadConfigFile(join(dir, 'missing.yaml'), {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual(['cannot read the file: ENOENT']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
