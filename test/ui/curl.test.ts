import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curlCommand, shellQuote } from '../../ui/src/format/curl.js';

/** What a POSIX shell makes of `words`: each word printed on its own, NUL-separated. */
function shellWords(words: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${words}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('makes one shell word that holds the text exactly, whatever it contains', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0')), (text) => {
        expect(shellWords(shellQuote(text))).toEqual([text]);
      }),
      { numRuns: 40 },
    );
    expect(shellWords(shellQuote("it's $(touch /tmp/x) `id` \\ \n done"))).toEqual(["it's $(touch /tmp/x) `id` \\ \n done"]);
  });
});

describe('curlCommand', () => {
  it('replays method, URL, headers and body, one option per line', () => {
    expect(curlCommand({ method: 'post', url: 'https://shop.example/orders?id=1', headers: { 'content-type': 'application/json', 'content-length': '11' }, body: '{"order":1}' })).toBe(
      "curl \\\n  -X 'POST' \\\n  --url 'https://shop.example/orders?id=1' \\\n  -H 'content-type: application/json' \\\n  --data-raw '{\"order\":1}'",
    );
  });

  it('leaves out -X for a plain GET and copes with missing headers', () => {
    expect(curlCommand({ method: 'GET', url: 'http://a/', headers: null, body: '' })).toBe("curl \\\n  --url 'http://a/'");
  });

  it('passes a URL that starts with a dash as the value of --url, never as an option', () => {
    const words = shellWords(curlCommand({ method: 'GET', url: '-o/etc/passwd', headers: null, body: '' }).replace(/ \\\n {2}/g, ' ').replace(/^curl /, ''));
    expect(words).toEqual(['--url', '-o/etc/passwd']);
  });
});
