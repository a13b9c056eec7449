/**
 * .dockerignore matching as Docker's builder does it: patterns relative to the context root (no
 * implicit "anywhere" as in .gitignore), `*` and `?` within one path segment, `**` across segments,
 * `!` re-includes, the last matching pattern wins, and a pattern that matches a directory matches
 * everything below it.
 */

interface Rule {
  readonly negate: boolean;
  readonly re: RegExp;
}

function toRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      const slashAfter = pattern[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Reads .dockerignore text into rules. */
export function parseDockerignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const rawLine of text.split('\n')) {
    let line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = line.replace(/^\/+/, '').replace(/\/+$/, '');
    if (line.startsWith('./')) line = line.slice(2);
    rules.push({ negate, re: toRegExp(line) });
  }
  return rules;
}

/** Whether `path` (relative to the context root, "/"-separated) is left out of the build context. */
export function isIgnored(rules: readonly Rule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.re.test(c))) ignored = !rule.negate;
  }
  return ignored;
}
