import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRelabel, expand, hashmodSum } from '../../../agent/discovery/relabel.js';
import { RelabelConfigSchema } from '../../../common/config/service.js';

/** Relabels `labels` with rules written as in YAML. */
function relabel(labels: Record<string, string>, ...rules: Record<string, unknown>[]) {
  return compileRelabel(rules.map((r) => RelabelConfigSchema.parse(r)))(labels);
}

/** The first validation message of a rule, or undefined when it is valid. */
function problem(rule: Record<string, unknown>): string | undefined {
  const r = RelabelConfigSchema.safeParse(rule);
  return r.success ? undefined : r.error.issues[0]?.message;
}

const match = (re: string, s: string) => new RegExp(`^(?:${re})$`).exec(s) as RegExpExecArray;

describe('relabel_configs', () => {
  describe('replace', () => {
    it('writes the replacement with $1 into target_label when the regex matches', () => {
      expect(relabel({ a: 'foo' }, { source_labels: ['a'], regex: 'f(.*)', target_label: 'b', replacement: 'x-$1' })).toEqual({ a: 'foo', b: 'x-oo' });
    });

    it('leaves the labels alone when the regex does not match the whole value', () => {
      expect(relabel({ a: 'boo' }, { source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' })).toEqual({ a: 'boo' });
    });

    it('joins several source labels with the separator', () => {
      expect(relabel({ a: 'x', b: 'y' }, { source_labels: ['a', 'b'], separator: '|', target_label: 'c' })).toEqual({ a: 'x', b: 'y', c: 'x|y' });
    });

    it('reads a missing source label as empty', () => {
      expect(relabel({ a: 'x' }, { source_labels: ['a', 'nope'], target_label: 'c' })).toEqual({ a: 'x', c: 'x;' });
    });

    it('deletes the target label when the replacement is empty', () => {
      expect(relabel({ a: 'x', b: 'y' }, { source_labels: ['nope'], target_label: 'b' })).toEqual({ a: 'x' });
    });

    it('expands references in target_label', () => {
      expect(relabel({ a: 'foo' }, { source_labels: ['a'], regex: '(f)(.*)', target_label: 'l_${1}', replacement: '$2' })).toEqual({ a: 'foo', l_f: 'oo' });
    });

    it('skips a target_label that expands to an invalid label name', () => {
      expect(relabel({ a: 'foo' }, { source_labels: ['a'], regex: '(f).*', target_label: '$1', replacement: '$2' })).toEqual({ a: 'foo' });
    });

    it('sets __address__ from a pod IP and an annotated port (the usual Kubernetes rule)', () => {
      const labels = { __address__: '10.0.0.1:8080', __meta_kubernetes_pod_annotation_errors_port: '9000' };
      const out = relabel(labels, {
        source_labels: ['__address__', '__meta_kubernetes_pod_annotation_errors_port'],
        regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', target_label: '__address__',
      });
      expect(out?.['__address__']).toBe('10.0.0.1:9000');
    });

    it('lets . match a newline, as Prometheus does', () => {
      expect(relabel({ a: 'x\ny' }, { source_labels: ['a'], regex: 'x.y', target_label: 'b', replacement: 'ok' })?.['b']).toBe('ok');
    });

    it('honours a leading (?i) and (?P<name>) groups', () => {
      expect(relabel({ a: 'FOO' }, { source_labels: ['a'], regex: '(?i)(?P<word>foo)', target_label: 'b', replacement: '${word}!' })?.['b']).toBe('FOO!');
    });
  });

  describe('keep and drop', () => {
    it('keep drops a target whose value does not match', () => {
      expect(relabel({ app: 'web' }, { source_labels: ['app'], regex: 'api', action: 'keep' })).toBeUndefined();
    });

    it('keep passes a target whose value matches', () => {
      expect(relabel({ app: 'api' }, { source_labels: ['app'], regex: 'api', action: 'keep' })).toEqual({ app: 'api' });
    });

    it('drop drops a target whose value matches', () => {
      expect(relabel({ phase: 'Succeeded' }, { source_labels: ['phase'], regex: 'Succeeded|Failed', action: 'drop' })).toBeUndefined();
    });

    it('stops at the first rule that drops', () => {
      expect(relabel({ a: '1' }, { source_labels: ['a'], regex: '1', action: 'drop' }, { source_labels: ['a'], target_label: 'b' })).toBeUndefined();
    });

    it('accepts the action in any case, as Prometheus does', () => {
      expect(relabel({ a: '1' }, { source_labels: ['a'], regex: '1', action: 'DROP' })).toBeUndefined();
    });

    it('keepequal keeps a target whose source value equals its target label', () => {
      expect(relabel({ a: '1', b: '1' }, { source_labels: ['a'], target_label: 'b', action: 'keepequal' })).toEqual({ a: '1', b: '1' });
      expect(relabel({ a: '1', b: '2' }, { source_labels: ['a'], target_label: 'b', action: 'keepequal' })).toBeUndefined();
    });

    it('dropequal drops a target whose source value equals its target label', () => {
      expect(relabel({ a: '1', b: '1' }, { source_labels: ['a'], target_label: 'b', action: 'dropequal' })).toBeUndefined();
    });
  });

  describe('hashmod', () => {
    it('gives the same shard as Prometheus ("baz" mod 1000 is 976)', () => {
      expect(relabel({ c: 'baz' }, { source_labels: ['c'], target_label: 'd', modulus: 1000, action: 'hashmod' })?.['d']).toBe('976');
    });

    it('gives the same shard as Prometheus for a value with a newline ("foo\\nbar" mod 1000 is 734)', () => {
      expect(relabel({ a: 'foo\nbar' }, { source_labels: ['a'], target_label: 'b', modulus: 1000, action: 'hashmod' })?.['b']).toBe('734');
    });

    it('keeps one shard of a fleet with hashmod then keep', () => {
      const shard = (address: string) => relabel({ __address__: address },
        { source_labels: ['__address__'], target_label: '__tmp_hash', modulus: 2, action: 'hashmod' },
        { source_labels: ['__tmp_hash'], regex: '0', action: 'keep' });
      const kept = Array.from({ length: 100 }, (_, i) => `10.0.0.${i}:80`).filter((a) => shard(a) !== undefined);
      expect(kept.length).toBeGreaterThan(20);
      expect(kept.length).toBeLessThan(80);
      for (const a of kept) expect(Number(hashmodSum(a) % 2n)).toBe(0);
    });
  });

  describe('labelmap, labeldrop, labelkeep, lowercase, uppercase', () => {
    it('labelmap copies matching labels under the replacement name', () => {
      const out = relabel({ __meta_kubernetes_pod_label_app: 'web', __meta_kubernetes_pod_label_team: 'pay', other: 'x' },
        { regex: '__meta_kubernetes_pod_label_(.+)', action: 'labelmap' });
      expect(out).toMatchObject({ app: 'web', team: 'pay', other: 'x' });
    });

    it('labeldrop removes matching labels and labelkeep keeps only matching ones', () => {
      expect(relabel({ a: '1', b: '2' }, { regex: 'a', action: 'labeldrop' })).toEqual({ b: '2' });
      expect(relabel({ a: '1', b: '2' }, { regex: 'a', action: 'labelkeep' })).toEqual({ a: '1' });
    });

    it('lowercase and uppercase write the changed value into target_label', () => {
      expect(relabel({ a: 'MiXeD' }, { source_labels: ['a'], target_label: 'l', action: 'lowercase' }, { source_labels: ['a'], target_label: 'u', action: 'uppercase' }))
        .toEqual({ a: 'MiXeD', l: 'mixed', u: 'MIXED' });
    });
  });

  it('does not change the labels it was given', () => {
    const labels = { a: 'x' };
    relabel(labels, { source_labels: ['a'], target_label: 'b' }, { regex: 'a', action: 'labeldrop' });
    expect(labels).toEqual({ a: 'x' });
  });

  describe('validation', () => {
    it.each([
      [{ action: 'hashmod', source_labels: ['a'], target_label: 'b' }, 'relabel configuration for hashmod requires non-zero modulus'],
      [{ action: 'replace', source_labels: ['a'] }, "relabel configuration for replace action requires 'target_label' value"],
      [{ action: 'lowercase', source_labels: ['a'], target_label: 'not-valid' }, '"not-valid" is invalid \'target_label\' for lowercase action'],
      [{ action: 'labeldrop', regex: 'a', source_labels: ['b'] }, "labeldrop action requires only 'regex', and no other fields"],
      [{ action: 'keepequal', source_labels: ['a'], target_label: 'b', regex: 'x' }, "keepequal action requires only 'source_labels' and 'target_label', and no other fields"],
      [{ action: 'explode' }, 'unknown relabel action "explode"; expected one of replace, keep, drop, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase, keepequal, dropequal'],
      [{ action: 'keep', source_labels: ['a'], regex: 'a(?=b)' }, 'regex "a(?=b)": lookaround ((?=, (?!, (?<=, (?<!) is not RE2 syntax'],
      [{ action: 'keep', source_labels: ['a'], regex: '(a)\\1' }, 'regex "(a)\\\\1": backreferences are not RE2 syntax'],
      [{ action: 'keep', source_labels: ['a'], regex: '(' }, 'regex "(" is invalid: Invalid regular expression: /^(?:()$/s: Unterminated group'],
      [{ action: 'keep', source_labels: ['bad-name'] }, 'expected a label name: letters, digits and "_", not starting with a digit'],
    ])('refuses %j with Prometheus\' message', (rule, message) => {
      expect(problem(rule)).toBe(message);
    });

    it('applies the Prometheus defaults: replace, regex (.*), separator ";", replacement $1', () => {
      expect(RelabelConfigSchema.parse({ source_labels: ['a'], target_label: 'b' })).toEqual({
        source_labels: ['a'], separator: ';', regex: '(.*)', replacement: '$1', action: 'replace', target_label: 'b',
      });
    });
  });
});

describe('expand (Go Regexp.Expand)', () => {
  it('expands $1 and ${1}', () => {
    expect(expand('$1-${1}', match('(a)', 'a'))).toBe('a-a');
  });

  it('reads $1x as a reference to a group named "1x", which is empty', () => {
    expect(expand('$1x', match('(a)', 'a'))).toBe('');
  });

  it('writes $$ as one dollar', () => {
    expect(expand('$$1', match('(a)', 'a'))).toBe('$1');
  });

  it('keeps a malformed reference as text', () => {
    expect(expand('cost: $-1, ${oops', match('(a)', 'a'))).toBe('cost: $-1, ${oops');
  });

  it('expands an unmatched or missing group as empty', () => {
    expect(expand('[$2][$9][${name}]', match('(a)|(b)', 'a'))).toBe('[][][]');
  });

  it('leaves a template without $ as it is (property)', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('$')), (s) => expand(s, match('(.*)', 'x')) === s));
  });

  it('never throws on any template (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof expand(s, match('(a)(?<n>b)?', 'a')) === 'string'));
  });
});
