/** The HTTP request of a sample (v1 Sample.http). */
export interface HttpRequestText {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>> | null;
  readonly body: string;
}

/**
 * One POSIX shell word holding `text` exactly: single-quoted, each `'` written as `'\''`.
 * Example: shellQuote("it's") === `'it'\''s'`.
 */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Headers curl computes itself; copying them would make the replay wrong. */
const COMPUTED = new Set(['content-length', 'transfer-encoding', 'connection']);

/**
 * A curl command that replays a sampled request. Every value from the sample is one quoted word, and
 * the URL goes after `--url`, so nothing in a sample (quotes, `$(...)`, a URL starting with `-`) can
 * run a command or become an option when pasted into a shell.
 */
export function curlCommand(http: HttpRequestText): string {
  const words: string[] = ['curl'];
  const method = http.method.trim().toUpperCase();
  const body = http.body;
  if ((method !== '' && method !== 'GET') || (method === 'GET' && body !== '')) words.push('-X', shellQuote(method === '' ? 'GET' : method));
  words.push('--url', shellQuote(http.url));
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (COMPUTED.has(name.toLowerCase())) continue;
    words.push('-H', shellQuote(`${name}: ${value}`));
  }
  if (body !== '') words.push('--data-raw', shellQuote(body));
  // One option (with its value) per line.
  const lines: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w.startsWith('-') && i + 1 < words.length) {
      lines.push(`${w} ${words[i + 1] as string}`);
      i++;
    } else {
      lines.push(w);
    }
  }
  return lines.join(' \\\n  ');
}
