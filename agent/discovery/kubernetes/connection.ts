import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { HttpClientConfig, KubernetesSdConfig } from '../../../common/config/service.js';

/** How to reach the API server: its base URL, the client config, the namespace the agent runs in. */
export interface KubeConnection {
  /** e.g. "https://10.96.0.1:443", without a trailing slash. */
  readonly baseUrl: string;
  readonly client: HttpClientConfig;
  /** For `namespaces.own_namespace`: the service account's namespace, or the kubeconfig context's. */
  readonly ownNamespace: string | undefined;
}

export interface KubeEnvironment {
  /** Where Kubernetes mounts the service account (token, ca.crt, namespace). */
  readonly serviceAccountDir: string;
  /** KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are read from here. */
  readonly env: NodeJS.ProcessEnv;
}

export const IN_CLUSTER_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Resolves a `kubernetes_sd_configs` entry to a connection, as Prometheus does: `api_server` with the
 * entry's own TLS/auth; or `kubeconfig_file` (its current context); or, with neither, in-cluster
 * (KUBERNETES_SERVICE_HOST/PORT, the service account token, re-read as it rotates, and CA).
 * Throws an Error naming what is missing.
 */
export async function resolveConnection(config: KubernetesSdConfig, environment: KubeEnvironment): Promise<KubeConnection> {
  if (config.api_server !== undefined) {
    return {
      baseUrl: config.api_server.replace(/\/+$/, ''),
      client: { tls_config: config.tls_config, authorization: config.authorization, basic_auth: config.basic_auth },
      ownNamespace: await readOwnNamespace(environment.serviceAccountDir),
    };
  }
  if (config.kubeconfig_file !== undefined) return fromKubeconfig(config.kubeconfig_file);
  const host = environment.env['KUBERNETES_SERVICE_HOST'];
  const port = environment.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new Error('kubernetes_sd_configs: not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset); set api_server or kubeconfig_file');
  }
  const dir = environment.serviceAccountDir;
  return {
    baseUrl: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    client: {
      tls_config: { ca_file: join(dir, 'ca.crt'), insecure_skip_verify: false },
      authorization: { type: 'Bearer', credentials_file: join(dir, 'token') },
    },
    ownNamespace: await readOwnNamespace(dir),
  };
}

async function readOwnNamespace(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, 'namespace'), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

const KubeconfigSchema = z.object({
  'current-context': z.string().nullish(),
  contexts: z.array(z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string().nullish(), namespace: z.string().nullish() }) })).default([]),
  clusters: z.array(z.object({
    name: z.string(),
    cluster: z.object({
      server: z.string(),
      'certificate-authority': z.string().nullish(),
      'certificate-authority-data': z.string().nullish(),
      'insecure-skip-tls-verify': z.boolean().nullish(),
      'tls-server-name': z.string().nullish(),
    }),
  })).default([]),
  users: z.array(z.object({
    name: z.string(),
    user: z.object({
      token: z.string().nullish(),
      tokenFile: z.string().nullish(),
      'client-certificate': z.string().nullish(),
      'client-certificate-data': z.string().nullish(),
      'client-key': z.string().nullish(),
      'client-key-data': z.string().nullish(),
      username: z.string().nullish(),
      password: z.string().nullish(),
      exec: z.unknown().optional(),
      'auth-provider': z.unknown().optional(),
    }).default({}),
  })).default([]),
});

/**
 * Reads a kubeconfig file's current context: server, CA (file or data), client certificate (file or
 * data), token (inline or tokenFile), basic auth. Relative paths are relative to the kubeconfig's
 * directory, as kubectl reads them. exec and auth-provider plugins are not supported (an error says so).
 */
export async function fromKubeconfig(file: string): Promise<KubeConnection> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`kubernetes_sd_configs: cannot read kubeconfig_file ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = KubeconfigSchema.safeParse(parseYaml(text, { maxAliasCount: 100 }));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`kubernetes_sd_configs: kubeconfig_file ${JSON.stringify(file)} is invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`);
  }
  const kc = parsed.data;
  const contextName = kc['current-context'] ?? kc.contexts[0]?.name;
  const context = kc.contexts.find((c) => c.name === contextName)?.context;
  if (context === undefined) throw new Error(`kubernetes_sd_configs: kubeconfig_file ${JSON.stringify(file)} has no context ${JSON.stringify(contextName ?? '')}`);
  const cluster = kc.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (cluster === undefined) throw new Error(`kubernetes_sd_configs: kubeconfig_file ${JSON.stringify(file)} has no cluster ${JSON.stringify(context.cluster)}`);
  const user = kc.users.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new Error(`kubernetes_sd_configs: kubeconfig_file ${JSON.stringify(file)}: exec and auth-provider credential plugins are not supported; use a token, tokenFile or client certificate`);
  }
  const base = dirname(file);
  const path = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const data = (d: string) => Buffer.from(d, 'base64').toString('utf8');
  const client: {
    tls_config: NonNullable<HttpClientConfig['tls_config']>;
    authorization?: HttpClientConfig['authorization'];
    basic_auth?: HttpClientConfig['basic_auth'];
  } = {
    tls_config: {
      insecure_skip_verify: cluster['insecure-skip-tls-verify'] ?? false,
      ...(cluster['certificate-authority-data'] ? { ca: data(cluster['certificate-authority-data']) } : {}),
      ...(cluster['certificate-authority'] ? { ca_file: path(cluster['certificate-authority']) } : {}),
      ...(cluster['tls-server-name'] ? { server_name: cluster['tls-server-name'] } : {}),
      ...(user['client-certificate-data'] ? { cert: data(user['client-certificate-data']) } : {}),
      ...(user['client-certificate'] ? { cert_file: path(user['client-certificate']) } : {}),
      ...(user['client-key-data'] ? { key: data(user['client-key-data']) } : {}),
      ...(user['client-key'] ? { key_file: path(user['client-key']) } : {}),
    },
  };
  if (user.token) client.authorization = { type: 'Bearer', credentials: user.token };
  else if (user.tokenFile) client.authorization = { type: 'Bearer', credentials_file: path(user.tokenFile) };
  else if (user.username) client.basic_auth = { username: user.username, ...(user.password ? { password: user.password } : {}) };
  return { baseUrl: cluster.server.replace(/\/+$/, ''), client, ownNamespace: context.namespace ?? undefined };
}
