import { z } from 'zod';
import { DurationSchema } from './durations.js';
import { compileAnchoredRegex, LABEL_NAME_RE } from './re2.js';

/**
 * Periskop/Prometheus service blocks, unchanged from a Periskop config (DESIGN section 6).
 * Field names and defaults follow Prometheus; unknown keys are errors. Relative file paths
 * (file_sd_configs, kubeconfig_file, *_file secrets, TLS files) are relative to the working directory.
 */

/**
 * A string field as Go's YAML reads it: `regex: true` or `port: 8080` are the strings "true" and
 * "8080" there (Prometheus configs rely on it, e.g. `regex: true` to keep annotated pods).
 */
const YamlString = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

const LabelSet = z.record(z.string(), YamlString);

const LabelName = z.string().regex(LABEL_NAME_RE, 'expected a label name: letters, digits and "_", not starting with a digit');

/** Files and inline secrets are exclusive in Prometheus' HTTP client config. */
function exclusive(ctx: z.RefinementCtx, value: Record<string, unknown>, a: string, b: string): void {
  if (value[a] !== undefined && value[b] !== undefined) {
    ctx.addIssue({ code: 'custom', path: [b], message: `at most one of "${a}" and "${b}" may be set` });
  }
}

/** Prometheus `tls_config`: how to verify a server and which client certificate to present. */
export const TlsConfigSchema = z
  .strictObject({
    ca_file: z.string().min(1).optional(),
    ca: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** Name checked against the server's certificate and sent as SNI. */
    server_name: z.string().min(1).optional(),
    insecure_skip_verify: z.boolean().default(false),
    min_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
  })
  .superRefine((tls, ctx) => {
    exclusive(ctx, tls, 'ca', 'ca_file');
    exclusive(ctx, tls, 'cert', 'cert_file');
    exclusive(ctx, tls, 'key', 'key_file');
    const hasCert = tls.cert !== undefined || tls.cert_file !== undefined;
    const hasKey = tls.key !== undefined || tls.key_file !== undefined;
    if (hasCert !== hasKey) {
      ctx.addIssue({ code: 'custom', path: [hasCert ? 'key_file' : 'cert_file'], message: 'a client certificate needs both a certificate and its key' });
    }
  });
export type TlsConfig = z.infer<typeof TlsConfigSchema>;

/** Prometheus `authorization`: an `Authorization: <type> <credentials>` header (Bearer by default). */
export const AuthorizationSchema = z
  .strictObject({
    type: z.string().min(1).default('Bearer'),
    credentials: z.string().min(1).optional(),
    /** Read again at most every 30s, so rotated tokens are picked up. */
    credentials_file: z.string().min(1).optional(),
  })
  .superRefine((auth, ctx) => {
    exclusive(ctx, auth, 'credentials', 'credentials_file');
    if (auth.type.toLowerCase() === 'basic') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'use "basic_auth" for Basic authorization' });
    }
  });
export type AuthorizationConfig = z.infer<typeof AuthorizationSchema>;

/** Prometheus `basic_auth`. */
export const BasicAuthSchema = z
  .strictObject({
    username: z.string().min(1),
    password: z.string().optional(),
    /** Read again at most every 30s. */
    password_file: z.string().min(1).optional(),
  })
  .superRefine((auth, ctx) => exclusive(ctx, auth, 'password', 'password_file'));
export type BasicAuthConfig = z.infer<typeof BasicAuthSchema>;

/** The part of Prometheus' HTTP client config that Crowsnest supports, shared by scraping and discovery. */
const httpClientShape = {
  tls_config: TlsConfigSchema.optional(),
  authorization: AuthorizationSchema.optional(),
  basic_auth: BasicAuthSchema.optional(),
};
/** TLS and authentication of HTTP requests (scrapes, http_sd, the Kubernetes API). */
export interface HttpClientConfig {
  readonly tls_config?: TlsConfig | undefined;
  readonly authorization?: AuthorizationConfig | undefined;
  readonly basic_auth?: BasicAuthConfig | undefined;
}

function checkHttpClient(ctx: z.RefinementCtx, value: HttpClientConfig): void {
  if (value.authorization !== undefined && value.basic_auth !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['basic_auth'], message: 'at most one of "authorization" and "basic_auth" may be set' });
  }
}

export const StaticConfigSchema = z.strictObject({
  targets: z.array(z.string().min(1)).default([]),
  labels: LabelSet.default({}),
});
export type StaticConfig = z.infer<typeof StaticConfigSchema>;

export const DnsSdConfigSchema = z.strictObject({
  names: z.array(z.string().min(1)).min(1),
  type: z.enum(['A', 'AAAA', 'SRV']).default('SRV'),
  /** Required for A and AAAA (checked below); SRV records carry their own port. */
  port: z.number().int().min(1).max(65535).optional(),
  refresh_interval: DurationSchema.default(30_000),
});
export type DnsSdConfig = z.infer<typeof DnsSdConfigSchema>;

/** Prometheus' rule for file_sd names: a `*` only in the last path element, a .json/.yml/.yaml name. */
const FILE_SD_NAME_RE = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

/** Prometheus `file_sd_configs`: JSON or YAML files of target groups, re-read when they change. */
export const FileSdConfigSchema = z.strictObject({
  files: z.array(z.string().regex(FILE_SD_NAME_RE, 'expected a path ending in .json, .yml or .yaml, with a "*" only in the file name')).min(1),
  /** Files are re-read this often even when no change was seen (the directory is also watched). */
  refresh_interval: DurationSchema.default(300_000),
});
export type FileSdConfig = z.infer<typeof FileSdConfigSchema>;

/** Prometheus `http_sd_configs`: a URL answering a JSON list of target groups. */
export const HttpSdConfigSchema = z
  .strictObject({
    url: z.string().regex(/^https?:\/\/[^/?#]+/, 'expected an http:// or https:// URL'),
    refresh_interval: DurationSchema.default(60_000),
    ...httpClientShape,
  })
  .superRefine((value, ctx) => checkHttpClient(ctx, value));
export type HttpSdConfig = z.infer<typeof HttpSdConfigSchema>;

const KUBERNETES_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'] as const;
const KubernetesRole = z.enum(KUBERNETES_ROLES, {
  error: (issue) => `role ${JSON.stringify(issue.input)} is not supported; expected one of ${KUBERNETES_ROLES.map((r) => `"${r}"`).join(', ')}`,
});
/** Which `selectors[].role` each role takes (Prometheus' rule: its own resources). */
const SELECTOR_ROLES: Record<(typeof KUBERNETES_ROLES)[number], readonly string[]> = {
  pod: ['pod'],
  service: ['service'],
  node: ['node'],
  ingress: ['ingress'],
  endpoints: ['pod', 'service', 'endpoints'],
  endpointslice: ['pod', 'service', 'endpointslice'],
};

/** Prometheus `kubernetes_sd_configs`, roles pod, service, endpoints, endpointslice, node and ingress. */
export const KubernetesSdConfigSchema = z
  .strictObject({
    role: KubernetesRole,
    /** Without it (and without kubeconfig_file) the agent runs in-cluster, with its service account. */
    api_server: z.string().regex(/^https?:\/\/[^/?#]+/, 'expected an http:// or https:// URL').optional(),
    kubeconfig_file: z.string().min(1).optional(),
    namespaces: z
      .strictObject({
        own_namespace: z.boolean().default(false),
        names: z.array(z.string().min(1)).default([]),
      })
      .optional(),
    selectors: z
      .array(z.strictObject({
        role: z.enum(KUBERNETES_ROLES, { error: `expected one of ${KUBERNETES_ROLES.map((r) => `"${r}"`).join(', ')}` }),
        label: z.string().optional(),
        field: z.string().optional(),
      }))
      .default([]),
    ...httpClientShape,
  })
  .superRefine((k, ctx) => {
    checkHttpClient(ctx, k);
    if (k.kubeconfig_file !== undefined && k.api_server !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['api_server'], message: 'at most one of "api_server" and "kubeconfig_file" may be set' });
    }
    if (k.kubeconfig_file !== undefined && (k.tls_config !== undefined || k.authorization !== undefined || k.basic_auth !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['kubeconfig_file'], message: 'the kubeconfig file holds the TLS and authentication settings; remove tls_config, authorization and basic_auth' });
    }
    const allowed = SELECTOR_ROLES[k.role];
    const seen = new Set<string>();
    k.selectors.forEach((s, i) => {
      if (!allowed.includes(s.role)) {
        ctx.addIssue({ code: 'custom', path: ['selectors', i, 'role'], message: `role ${k.role} supports only ${allowed.join(', ')} selectors` });
      }
      if (seen.has(s.role)) ctx.addIssue({ code: 'custom', path: ['selectors', i, 'role'], message: `a second selector for role ${s.role}` });
      seen.add(s.role);
    });
  });
export type KubernetesSdConfig = z.infer<typeof KubernetesSdConfigSchema>;

const RELABEL_ACTIONS = ['replace', 'keep', 'drop', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase', 'keepequal', 'dropequal'] as const;
/** The `action` of a relabel rule, lower case (the config accepts any case, as Prometheus does). */
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];
const RELABEL_DEFAULTS = { separator: ';', regex: '(.*)', replacement: '$1' } as const;
/** A target label of `replace` may use `$1`/`${name}` references (Prometheus' pattern). */
const TARGET_LABEL_TEMPLATE_RE = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/** One Prometheus `relabel_configs` rule, with Prometheus' defaults and validation messages. */
export const RelabelConfigSchema = z
  .strictObject({
    source_labels: z.array(LabelName).default([]),
    separator: YamlString.default(RELABEL_DEFAULTS.separator),
    regex: YamlString.default(RELABEL_DEFAULTS.regex),
    modulus: z.number().int().positive().optional(),
    target_label: z.string().optional(),
    replacement: YamlString.default(RELABEL_DEFAULTS.replacement),
    action: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(RELABEL_ACTIONS, { error: (issue) => `unknown relabel action ${JSON.stringify(issue.input)}; expected one of ${RELABEL_ACTIONS.join(', ')}` }))
      .default('replace'),
  })
  .superRefine((rule, ctx) => {
    const regex = compileAnchoredRegex(rule.regex);
    if (regex instanceof Error) ctx.addIssue({ code: 'custom', path: ['regex'], message: regex.message });
    const { action } = rule;
    if (action === 'hashmod' && rule.modulus === undefined) {
      ctx.addIssue({ code: 'custom', path: ['modulus'], message: 'relabel configuration for hashmod requires non-zero modulus' });
    }
    const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
    if (needsTarget && (rule.target_label === undefined || rule.target_label === '')) {
      ctx.addIssue({ code: 'custom', path: ['target_label'], message: `relabel configuration for ${action} action requires 'target_label' value` });
    } else if (rule.target_label !== undefined && needsTarget) {
      const valid = action === 'replace' ? TARGET_LABEL_TEMPLATE_RE.test(rule.target_label) : LABEL_NAME_RE.test(rule.target_label);
      if (!valid) ctx.addIssue({ code: 'custom', path: ['target_label'], message: `${JSON.stringify(rule.target_label)} is invalid 'target_label' for ${action} action` });
    }
    const defaultsOnly = (fields: readonly (keyof typeof rule)[]) => fields.filter((f) => {
      const v = rule[f];
      if (f === 'source_labels') return (v as string[]).length > 0;
      if (f === 'target_label' || f === 'modulus') return v !== undefined;
      return v !== RELABEL_DEFAULTS[f as keyof typeof RELABEL_DEFAULTS];
    });
    if (action === 'labeldrop' || action === 'labelkeep') {
      const extra = defaultsOnly(['source_labels', 'target_label', 'modulus', 'separator', 'replacement']);
      if (extra.length > 0) ctx.addIssue({ code: 'custom', path: [extra[0] as string], message: `${action} action requires only 'regex', and no other fields` });
    }
    if (action === 'keepequal' || action === 'dropequal') {
      const extra = defaultsOnly(['regex', 'modulus', 'separator', 'replacement']);
      if (extra.length > 0) ctx.addIssue({ code: 'custom', path: [extra[0] as string], message: `${action} action requires only 'source_labels' and 'target_label', and no other fields` });
    }
  });
export type RelabelConfig = z.infer<typeof RelabelConfigSchema>;

export const ScraperConfigSchema = z.strictObject({
  endpoint: z.string().startsWith('/', 'expected a path starting with "/"').default('/errors'),
  refresh_interval: DurationSchema.default(10_000),
  timeout: DurationSchema.default(5_000),
});
export type ScraperConfig = z.infer<typeof ScraperConfigSchema>;

/** Periskop's own dev config wrote `dns_sd_configs` as a single object; accept both forms. */
const oneOrMany = <T extends z.ZodType>(schema: T) =>
  z.union([z.array(schema), schema.transform((one) => [one])]).default([]);

export const ServiceConfigSchema = z
  .strictObject({
    name: z.string().min(1).max(256),
    static_configs: oneOrMany(StaticConfigSchema),
    dns_sd_configs: oneOrMany(DnsSdConfigSchema),
    file_sd_configs: oneOrMany(FileSdConfigSchema),
    http_sd_configs: oneOrMany(HttpSdConfigSchema),
    kubernetes_sd_configs: oneOrMany(KubernetesSdConfigSchema),
    relabel_configs: z.array(RelabelConfigSchema).default([]),
    scraper: ScraperConfigSchema.default({ endpoint: '/errors', refresh_interval: 10_000, timeout: 5_000 }),
    /** Default `__scheme__` of the service's targets (a target or a relabel rule may set another). */
    scheme: z.enum(['http', 'https']).default('http'),
    /** Query parameters of every scrape (Prometheus `params`); `__param_<name>` labels override them. */
    params: z.record(z.string(), z.array(z.string())).default({}),
    ...httpClientShape,
  })
  .superRefine((service, ctx) => {
    checkHttpClient(ctx, service);
    service.dns_sd_configs.forEach((dns, i) => {
      if (dns.type !== 'SRV' && dns.port === undefined) {
        ctx.addIssue({ code: 'custom', path: ['dns_sd_configs', i, 'port'], message: `a port is required for type ${dns.type}` });
      }
    });
  });
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;
