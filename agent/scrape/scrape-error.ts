/** Why a scrape failed; each reason is counted in metrics and shown as the target's last error. */
export type ScrapeFailure =
  | 'timeout'
  | 'connection'
  | 'tls'
  | 'http_status'
  | 'redirect'
  | 'body_too_large'
  | 'decompress'
  | 'invalid_json'
  | 'invalid_payload'
  | 'client_config';

/** A failed scrape: recorded as target health, never thrown past the target's scraper. */
export class ScrapeError extends Error {
  constructor(
    readonly reason: ScrapeFailure,
    message: string,
  ) {
    super(message);
  }
}
