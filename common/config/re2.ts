/**
 * Regular expressions written for Prometheus (Go's RE2 syntax) as JavaScript RegExps, anchored at
 * both ends the way Prometheus anchors `relabel_configs` regexes: `^(?s:<regex>)$`.
 *
 * Translated: named groups `(?P<name>...)`, leading flags `(?i)` / `(?s)` / `(?m)`, `\A` and `\z`.
 * Refused, with a message naming the construct: what RE2 does not have (lookaround, backreferences)
 * and what JavaScript cannot express here (flags in the middle of the expression, `\Q...\E`).
 * Refusing lookaround and backreferences keeps rules portable between Prometheus and Crowsnest and
 * removes the worst sources of catastrophic backtracking; nested quantifiers like `(a+)+` remain the
 * operator's responsibility (the regex comes from the config file, never from the network).
 * Used by the config schema (to report errors at load time) and by the agent's relabeling.
 */
export function compileAnchoredRegex(source: string): RegExp | Error {
  let rest = source;
  let flags = 's';
  const leading = /^\(\?([imsU]+)\)/.exec(rest);
  if (leading !== null) {
    const given = leading[1] ?? '';
    if (given.includes('U')) return new Error(`regex ${JSON.stringify(source)}: the (?U) flag (ungreedy) is not supported`);
    if (given.includes('i')) flags += 'i';
    if (given.includes('m')) flags += 'm';
    rest = rest.slice(leading[0].length);
  }
  const refused: [RegExp, string][] = [
    [/\(\?<?[=!]/, 'lookaround ((?=, (?!, (?<=, (?<!) is not RE2 syntax'],
    [/\\[1-9]|\\k</, 'backreferences are not RE2 syntax'],
    [/\(\?[imsU-]+[:)]/, 'inline flags are only supported at the start, e.g. "(?i)abc"'],
    [/\\Q/, '\\Q...\\E quoting is not supported; escape the characters instead'],
  ];
  for (const [pattern, why] of refused) {
    if (pattern.test(withoutEscapedBackslashes(rest))) return new Error(`regex ${JSON.stringify(source)}: ${why}`);
  }
  const translated = rest.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  try {
    return new RegExp(`^(?:${translated})$`, flags);
  } catch (err) {
    return new Error(`regex ${JSON.stringify(source)} is invalid: ${(err as Error).message}`);
  }
}

/** `\\1` is a literal backslash followed by "1", not a backreference: blank escaped backslashes. */
function withoutEscapedBackslashes(source: string): string {
  return source.replace(/\\\\/g, '__');
}

/** A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
