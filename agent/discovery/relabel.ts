import { createHash } from 'node:crypto';
import type { RelabelConfig } from '../../common/config/service.js';
import { compileAnchoredRegex, LABEL_NAME_RE } from '../../common/config/re2.js';
import type { LabelSet } from './types.js';

/** A service's `relabel_configs`, compiled: the relabeled labels, or undefined when a rule dropped the target. */
export type Relabeler = (labels: LabelSet) => LabelSet | undefined;

type Step = (labels: Record<string, string>) => boolean;

/**
 * Compiles `relabel_configs` with Prometheus' semantics: rules run in order on a copy of the labels;
 * a missing label reads as ""; setting a label to "" deletes it; `keep`/`drop`/`keepequal`/`dropequal`
 * end the chain by dropping the target. Regexes are anchored (`^(?:regex)$`). Replacements expand
 * `$1`, `${1}`, `$name`, `${name}` and `$$` exactly as Go's `Regexp.Expand`.
 * Throws on an invalid regex (the config schema reports it first, so this does not happen at run time).
 */
export function compileRelabel(rules: readonly RelabelConfig[]): Relabeler {
  const steps = rules.map(compileRule);
  if (steps.length === 0) return (labels) => labels;
  return (labels) => {
    const out: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, labels);
    for (const step of steps) if (!step(out)) return undefined;
    return { ...out };
  };
}

function compileRule(rule: RelabelConfig): Step {
  const compiled = compileAnchoredRegex(rule.regex);
  if (compiled instanceof Error) throw compiled;
  const regex = compiled;
  const sources = rule.source_labels;
  const target = rule.target_label ?? '';
  const value = (labels: Record<string, string>) => sources.map((name) => labels[name] ?? '').join(rule.separator);
  const set = (labels: Record<string, string>, name: string, v: string) => {
    if (v === '') delete labels[name];
    else labels[name] = v;
  };
  switch (rule.action) {
    case 'replace':
      return (labels) => {
        const match = regex.exec(value(labels));
        if (match === null) return true;
        const name = expand(target, match);
        if (!LABEL_NAME_RE.test(name)) return true;
        set(labels, name, expand(rule.replacement, match));
        return true;
      };
    case 'keep':
      return (labels) => regex.test(value(labels));
    case 'drop':
      return (labels) => !regex.test(value(labels));
    case 'keepequal':
      return (labels) => (labels[target] ?? '') === value(labels);
    case 'dropequal':
      return (labels) => (labels[target] ?? '') !== value(labels);
    case 'hashmod': {
      const modulus = BigInt(rule.modulus ?? 1);
      return (labels) => {
        labels[target] = String(hashmodSum(value(labels)) % modulus);
        return true;
      };
    }
    case 'lowercase':
      return (labels) => {
        set(labels, target, value(labels).toLowerCase());
        return true;
      };
    case 'uppercase':
      return (labels) => {
        set(labels, target, value(labels).toUpperCase());
        return true;
      };
    case 'labelmap':
      return (labels) => {
        for (const [name, v] of Object.entries(labels)) {
          const match = regex.exec(name);
          if (match !== null) set(labels, expand(rule.replacement, match), v);
        }
        return true;
      };
    case 'labeldrop':
      return (labels) => {
        for (const name of Object.keys(labels)) if (regex.test(name)) delete labels[name];
        return true;
      };
    case 'labelkeep':
      return (labels) => {
        for (const name of Object.keys(labels)) if (!regex.test(name)) delete labels[name];
        return true;
      };
  }
}

/**
 * Prometheus' hashmod: the md5 of the value, its last 8 bytes read as a big-endian uint64.
 * Identical to Prometheus, so a fleet sharded across Prometheus and Crowsnest agents splits the same way.
 */
export function hashmodSum(value: string): bigint {
  return createHash('md5').update(value, 'utf8').digest().readBigUInt64BE(8);
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` (the longest run of letters, digits and
 * "_"), `$$` for "$". An unknown or unmatched reference is empty; a malformed one is kept as text.
 * Example: expand('${1}x', ['ab', 'ab']) === 'abx', while '$1x' refers to a group named "1x" (empty).
 */
export function expand(template: string, match: RegExpExecArray): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const ref = extractName(template, i);
    if (ref === undefined) {
      out += '$';
      continue;
    }
    i = ref.end;
    out += lookup(ref.name, match);
  }
  return out;
}

function extractName(template: string, start: number): { name: string; end: number } | undefined {
  let i = start;
  const brace = template[i] === '{';
  if (brace) i++;
  const nameStart = i;
  for (const ch of template.slice(i)) {
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === nameStart) return undefined;
  const name = template.slice(nameStart, i);
  if (brace) {
    if (template[i] !== '}') return undefined;
    i++;
  }
  return { name, end: i };
}

function lookup(name: string, match: RegExpExecArray): string {
  if (/^(?:0|[1-9][0-9]{0,7})$/.test(name)) return match[Number(name)] ?? '';
  return match.groups?.[name] ?? '';
}
