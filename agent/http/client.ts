import { readFile } from 'node:fs/promises';
import type { SecureVersion } from 'node:tls';
import type { Agent, Dispatcher } from 'undici';
import { loadUndici } from '../../common/http/undici.js';
import type { HttpClientConfig } from '../../common/config/service.js';

export interface HttpClientOptions {
  /** Connections kept per origin (host:port). */
  readonly connections?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** How often TLS files and secret files are read again (rotated certificates and tokens). */
  readonly reloadIntervalMs?: number;
  readonly now?: () => number;
}

export const HTTP_CLIENT_DEFAULTS = { connections: 2, keepAliveTimeoutMs: 60_000, connectTimeoutMs: 5_000, reloadIntervalMs: 30_000 } as const;

/** What a request needs: where to send it from, which headers to add, which TLS server name to check. */
export interface PreparedRequest {
  readonly dispatcher: Dispatcher;
  readonly headers: Readonly<Record<string, string>>;
  /** Set when `tls_config.server_name` is: the name sent as SNI and checked against the certificate. */
  readonly servername?: string;
}

/** A file of the client config (a certificate, a token) could not be read; the request was not sent. */
export class ClientConfigError extends Error {
  readonly code = 'CN_ERR_CLIENT_CONFIG';
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/**
 * The HTTP side of Prometheus' client config (`tls_config`, `authorization`, `basic_auth`) for one
 * scrape config or discovery entry: a connection pool with the TLS settings and the auth header.
 * Files are read when first needed and again every `reloadIntervalMs`, so a rotated certificate or
 * token is picked up without a restart; when TLS files change, a new pool replaces the old one
 * (whose requests finish first). Owned by a service's scrape wiring or a discoverer; lives until `close()`.
 */
export class HttpClient {
  readonly #config: HttpClientConfig;
  readonly #options: Required<Omit<HttpClientOptions, 'now'>>;
  readonly #now: () => number;
  #agent: Agent | undefined;
  #tlsFingerprint: string | undefined;
  #headers: Record<string, string> = {};
  #loadedAt = -Infinity;
  #loading: Promise<void> | undefined;
  #closed = false;

  constructor(config: HttpClientConfig, options: HttpClientOptions = {}) {
    this.#config = config;
    const { now, ...rest } = options;
    this.#options = { ...HTTP_CLIENT_DEFAULTS, ...rest };
    this.#now = now ?? Date.now;
  }

  /** The dispatcher and headers for the next request. Throws ClientConfigError when a file cannot be read. */
  async prepare(): Promise<PreparedRequest> {
    await this.#ensure(true);
    const servername = this.#config.tls_config?.server_name;
    return { dispatcher: this.#agent as Agent, headers: this.#headers, ...(servername === undefined ? {} : { servername }) };
  }

  /**
   * The headers alone, for a request sent over the agent's own connection (a plain-http scrape):
   * files are read and checked as for `prepare`, but no connection pool is made (nor undici loaded).
   */
  async prepareHeaders(): Promise<Omit<PreparedRequest, 'dispatcher'>> {
    await this.#ensure(false);
    const servername = this.#config.tls_config?.server_name;
    return { headers: this.#headers, ...(servername === undefined ? {} : { servername }) };
  }

  /** Reads the files when first needed and after the reload interval; with `withAgent`, makes the pool. */
  async #ensure(withAgent: boolean): Promise<void> {
    if (this.#closed) throw new ClientConfigError('the HTTP client is closed');
    const missing = () => (withAgent ? this.#agent === undefined : this.#loadedAt === -Infinity);
    if (!missing() && this.#now() - this.#loadedAt < this.#options.reloadIntervalMs) return;
    // Twice at most: a load already running may have been one without the pool.
    for (let attempt = 0; attempt < 2; attempt++) {
      this.#loading ??= this.#load(withAgent).finally(() => {
        this.#loading = undefined;
      });
      try {
        await this.#loading;
      } catch (err) {
        // A file that became unreadable after a good load: keep using what was read last.
        if (missing()) throw err;
        return;
      }
      if (!missing() || this.#closed) return;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#agent?.close();
    this.#agent = undefined;
  }

  async #load(withAgent: boolean): Promise<void> {
    const tls = this.#config.tls_config;
    const [ca, cert, key] = await Promise.all([
      material(tls?.ca, tls?.ca_file, 'tls_config.ca_file'),
      material(tls?.cert, tls?.cert_file, 'tls_config.cert_file'),
      material(tls?.key, tls?.key_file, 'tls_config.key_file'),
    ]);
    const headers = await this.#authHeaders();
    const fingerprint = JSON.stringify([ca, cert, key]);
    if (this.#closed) return;
    if ((withAgent || this.#agent !== undefined) && (this.#agent === undefined || fingerprint !== this.#tlsFingerprint)) {
      const { Agent } = await loadUndici();
      if (this.#closed) return;
      const old = this.#agent;
      this.#agent = new Agent({
        keepAliveTimeout: this.#options.keepAliveTimeoutMs,
        connections: this.#options.connections,
        connect: {
          timeout: this.#options.connectTimeoutMs,
          ...(ca === undefined ? {} : { ca }),
          ...(cert === undefined ? {} : { cert }),
          ...(key === undefined ? {} : { key }),
          ...(tls?.server_name === undefined ? {} : { servername: tls.server_name }),
          ...(tls?.min_version === undefined ? {} : { minVersion: TLS_VERSIONS[tls.min_version] }),
          rejectUnauthorized: !(tls?.insecure_skip_verify ?? false),
        },
      });
      this.#tlsFingerprint = fingerprint;
      void old?.close().catch(() => undefined);
    }
    this.#headers = headers;
    this.#loadedAt = this.#now();
  }

  async #authHeaders(): Promise<Record<string, string>> {
    const { authorization, basic_auth: basic } = this.#config;
    if (authorization !== undefined) {
      const credentials = authorization.credentials_file !== undefined
        ? (await readText(authorization.credentials_file, 'authorization.credentials_file')).trim()
        : authorization.credentials ?? '';
      return { authorization: `${authorization.type} ${credentials}` };
    }
    if (basic !== undefined) {
      const password = basic.password_file !== undefined
        ? (await readText(basic.password_file, 'basic_auth.password_file')).trim()
        : basic.password ?? '';
      return { authorization: `Basic ${Buffer.from(`${basic.username}:${password}`, 'utf8').toString('base64')}` };
    }
    return {};
  }
}

async function material(inline: string | undefined, file: string | undefined, what: string): Promise<string | undefined> {
  if (inline !== undefined) return inline;
  if (file === undefined) return undefined;
  return readText(file, what);
}

/** Secrets and certificates are small; anything larger than 1 MiB is not one. */
const MAX_FILE_BYTES = 1024 * 1024;

async function readText(file: string, what: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ClientConfigError(`cannot read ${what} ${JSON.stringify(file)}: ${e.code ?? e.message}`);
  }
  if (buf.length > MAX_FILE_BYTES) throw new ClientConfigError(`${what} ${JSON.stringify(file)} is larger than 1 MiB`);
  return buf.toString('utf8');
}
