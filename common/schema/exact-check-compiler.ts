import type { z } from 'zod';
import { type CheckedKind, type Condition, checkCondition } from './check-conditions.js';
import { type Def, joinKinds, type Kind, kindOf, kinds, kindTest, leaf, type Node, PRELUDE, type Schema, UnsupportedSchemaError } from './exact-check-nodes.js';

/**
 * Walks a schema's definitions (`schema._zod.def`) as zod's own parsers in zod/v4/core/schemas.js
 * read them, and writes one JavaScript function per object, array, tuple, record and union; strings,
 * numbers and other leaves are conditions inside them. Values the code needs but cannot spell
 * (refinements, sets, codePointLength) are passed in as externals `e0`, `e1`...
 */
export class Compiler {
  private readonly externals: unknown[] = [];
  private readonly functions: string[] = [];
  /** Shared subschemas (a `Name`, `Labels`) compile once. */
  private readonly done = new Map<Schema, Node>();
  /** Schemas being compiled: meeting one again below itself is a recursive schema. */
  private readonly open = new Set<Schema>();

  readonly external = (value: unknown): string => {
    let i = this.externals.indexOf(value);
    if (i < 0) i = this.externals.push(value) - 1;
    return `e${i}`;
  };

  /** Adds a generated function `f<n>(v)` with `body` and returns its name. */
  private define(body: string): string {
    const name = `f${this.functions.length}`;
    this.functions.push(`function ${name}(v) {\n${body}\n}`);
    return name;
  }

  /** Adds a generated function and returns its test (a call of it). */
  private fn(body: string): Condition {
    const name = this.define(body);
    return (x) => `${name}(${x})`;
  }

  /** The generated source (see `exactCheckSource`) and the externals it is run with. */
  source(schema: Schema): { source: string; externals: readonly unknown[] } {
    const entry = this.define(`  return ${this.node(schema, '(root)').test('v')};`);
    const externals = this.externals.map((_, i) => `const e${i} = e[${i}];`);
    return { source: ['"use strict";', PRELUDE, ...externals, ...this.functions, `return ${entry};`].join('\n'), externals: this.externals };
  }

  node(schema: Schema, path: string): Node {
    const known = this.done.get(schema);
    if (known !== undefined) return known;
    if (this.open.has(schema)) throw new UnsupportedSchemaError(path, 'a recursive schema');
    this.open.add(schema);
    const zod = schema._zod;
    const def = zod.def as Def;
    const base = this.structure(schema, def, path);
    // As zod's $ZodType does: a schema that is itself a check (z.int(), z.email(), z.custom()) runs first.
    const checks = [...(zod.traits.has('$ZodCheck') ? [schema as unknown as z.core.$ZodCheck<never>] : []), ...(def.checks ?? [])];
    const on: CheckedKind = def.type === 'string' || def.type === 'number' || def.type === 'array' ? def.type : 'other';
    const conditions = checks.map((c) => checkCondition(c, on, this.external));
    const node: Node =
      conditions.length === 0
        ? base
        : {
            test: (x) => `(${[base.test(x), ...conditions.map((c) => c.condition(x))].join(' && ')})`,
            total: base.total && conditions.every((c) => c.total),
            kinds: base.kinds,
          };
    this.open.delete(schema);
    this.done.set(schema, node);
    return node;
  }

  private structure(schema: Schema, def: Def, path: string): Node {
    switch (def.type) {
      case 'string':
      case 'boolean':
        if (def.coerce === true) throw new UnsupportedSchemaError(path, 'z.coerce');
        return leaf((x) => `typeof ${x} === "${def.type}"`, kinds(def.type));
      case 'number':
        if (def.coerce === true) throw new UnsupportedSchemaError(path, 'z.coerce');
        // Number.isFinite is false for NaN, the infinities (which zod refuses as numbers) and anything but a number.
        return leaf((x) => `Number.isFinite(${x})`, kinds('number'));
      case 'null':
        return leaf((x) => `${x} === null`, kinds('null'));
      case 'undefined':
      case 'void':
        return leaf((x) => `${x} === undefined`, kinds('undefined'));
      case 'never':
        return leaf(() => 'false', kinds());
      case 'any':
      case 'unknown':
      case 'custom': // z.custom() accepts anything; its function is its check (see `node`)
        return leaf(() => 'true', undefined);
      case 'literal':
      case 'enum':
        return this.values(schema, path);
      case 'array':
        return this.array(def.element, path);
      case 'tuple':
        return this.tuple(def, path);
      case 'object':
        return this.object(def, path);
      case 'record':
        return this.record(def, path);
      case 'union':
        if (schema._zod.traits.has('$ZodDiscriminatedUnion')) return this.discriminated(def as z.core.$ZodDiscriminatedUnionDef, path);
        return this.union(schema, def, path);
      case 'nullable': {
        const inner = this.node(def.innerType, path);
        return { test: (x) => `(${x} === null || ${inner.test(x)})`, total: inner.total, kinds: joinKinds(inner.kinds, kinds('null')) };
      }
      case 'optional': {
        const inner = this.node(def.innerType, path);
        // z.exactOptional(): the key may be absent, but an explicit undefined goes to the inner schema.
        if (schema._zod.traits.has('$ZodExactOptional')) return inner;
        if (def.innerType._zod.optin === 'defaulted') throw new UnsupportedSchemaError(path, 'an optional default');
        return { test: (x) => `(${x} === undefined || ${inner.test(x)})`, total: inner.total, kinds: joinKinds(inner.kinds, kinds('undefined')) };
      }
      default:
        throw new UnsupportedSchemaError(path, `a ${def.type} schema`);
    }
  }

  /** z.literal and z.enum: zod tests its own set of values (SameValueZero), and its output is the input. */
  private values(schema: Schema, path: string): Node {
    const values = schema._zod.values;
    if (values === undefined) throw new UnsupportedSchemaError(path, 'a literal or enum without values');
    const list = [...values];
    const valueKinds = new Set(list.map(kindOf));
    // Strings compare the same with === as in a Set; anything else is looked up in a copy of zod's set.
    if (list.length <= 8 && list.every((v) => typeof v === 'string')) {
      return leaf((x) => (list.length === 0 ? 'false' : `(${list.map((v) => `${x} === ${JSON.stringify(v)}`).join(' || ')})`), valueKinds);
    }
    const set = this.external(new Set(list));
    return leaf((x) => `${set}.has(${x})`, valueKinds);
  }

  /** zod's $ZodArray: any array, elements one by one, into a new plain array. */
  private array(elementSchema: Schema, path: string): Node {
    const element = this.node(elementSchema, `${path}[]`);
    const test = this.fn(`  if (!isArray(v) || getProto(v) !== AP) return false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === undefined && !(i in v)) return false; // a hole: zod's copy would hold an undefined
    if (!${element.test('x')}) return false;
  }
  return true;`);
    return { test, total: false, kinds: kinds('array') };
  }

  /** zod's $ZodTuple without rest or optional items: exactly that many elements. */
  private tuple(def: z.core.$ZodTupleDef, path: string): Node {
    if (def.rest !== null) throw new UnsupportedSchemaError(path, 'a tuple with a rest');
    if (def.items.some((item) => item._zod.optin !== undefined)) throw new UnsupportedSchemaError(path, 'a tuple with optional items');
    const items = def.items.map((item, i) => this.node(item, `${path}[${i}]`));
    const test = this.fn(`  if (!isArray(v) || v.length !== ${items.length} || getProto(v) !== AP) return false;
  let x;
${items.map((item, i) => `  x = v[${i}];\n  if ((x === undefined && !(${i} in v)) || !${item.test('x')}) return false;`).join('\n')}
  return true;`);
    return { test, total: false, kinds: kinds('array') };
  }

  /**
   * zod's $ZodObject (strip, or strict: an unknown key fails either way here). Its output holds the
   * shape's keys that are present (`key in input`), so the input is exact when it is a plain object
   * whose own enumerable keys are exactly those: each shape key present is counted, and each key
   * `for...in` yields must be a shape key and is counted off. A shape key present otherwise (through
   * the prototype, as `toString`, or not enumerable) is never counted off.
   */
  private object(def: z.core.$ZodObjectDef, path: string): Node {
    if (def.catchall !== undefined && def.catchall._zod.def.type !== 'never') throw new UnsupportedSchemaError(path, 'an object with a catchall (looseObject)');
    const shape = def.shape;
    if (Object.getOwnPropertySymbols(shape).length > 0) throw new UnsupportedSchemaError(path, 'a symbol key');
    const keys = Object.keys(shape);
    const fields = keys.map((key) => {
      if (key === '__proto__') throw new UnsupportedSchemaError(path, 'a __proto__ key');
      const field = shape[key] as Schema;
      const { optin, optout } = field._zod;
      // zod leaves an absent optional out (optin and optout 'optional'); any other absence rule fills something in.
      if (optin !== undefined && !(optin === 'optional' && optout === 'optional')) throw new UnsupportedSchemaError(`${path}.${key}`, 'a defaulted or transformed optional');
      const k = JSON.stringify(key);
      const present = [`if (!${this.node(field, `${path}.${key}`).test('x')}) return false;`, 'n++;'];
      const lines = [`  x = v[${k}];`];
      if (optin === undefined) lines.push(`  if (x === undefined && !(${k} in v)) return false;`, ...present.map((l) => `  ${l}`));
      else lines.push(`  if (x !== undefined || ${k} in v) {`, ...present.map((l) => `    ${l}`), '  }');
      return lines.join('\n');
    });
    const test = this.fn(`  // a plain object: zod would build one from a class instance or a null-prototype object (and refuses arrays)
  if (typeof v !== "object" || v === null || getProto(v) !== OP) return false;
  let x, n = 0;
${fields.join('\n')}
  for (const k in v) {
    switch (k) {
${keys.map((key) => `      case ${JSON.stringify(key)}:`).join('\n')}
${keys.length > 0 ? '        n--;\n        break;\n' : ''}      default:
        return false;
    }
  }
  return n === 0;`);
    return { test, total: false, kinds: kinds('object') };
  }

  /**
   * zod's $ZodRecord with a string key schema: every own enumerable key and its value, into a new
   * object. `__proto__` (which zod drops) and symbol keys (which fail a string key) are refused.
   */
  private record(def: z.core.$ZodRecordDef, path: string): Node {
    const keyType = def.keyType as Schema;
    if (keyType._zod.def.type !== 'string' || keyType._zod.values !== undefined) throw new UnsupportedSchemaError(path, 'a record without a string key schema');
    if (def.mode === 'loose') throw new UnsupportedSchemaError(path, 'a loose record');
    const key = this.node(keyType, `${path}{key}`);
    const value = this.node(def.valueType, `${path}{}`);
    const test = this.fn(`  if (typeof v !== "object" || v === null || getProto(v) !== OP) return false;
  // zod's isPlainObject reads constructor: an own function there may make it refuse the record
  const c = v.constructor;
  if (typeof c === "function" && c !== O) return false;
  let x;
  for (const k in v) {
    if (k === "__proto__" || !${key.test('k')}) return false;
    x = v[k];
    if (!${value.test('x')}) return false;
  }
  return ownSymbols(v).length === 0;`);
    return { test, total: false, kinds: kinds('object') };
  }

  /**
   * zod's $ZodUnion takes the first option that succeeds. An option's test saying true is exact only if
   * no earlier option would have succeeded: each option that failed must be one whose failure is zod's
   * (total) or one that cannot accept that kind of value; else the answer is false.
   */
  private union(schema: Schema, def: z.core.$ZodUnionDef, path: string): Node {
    if (schema._zod.traits.has('$ZodXor') || def.inclusive === false) throw new UnsupportedSchemaError(path, 'an exclusive union (z.xor)');
    const options = def.options.map((o, i) => this.node(o, `${path}|${i}`));
    const lines = options.map((o) => {
      const tryIt = `  if (${o.test('v')}) return true;`;
      if (o.total) return tryIt;
      if (o.kinds === undefined) return `${tryIt}\n  return false;`;
      return `${tryIt}\n  if (${[...o.kinds].map((k) => kindTest(k, 'v')).join(' || ') || 'false'}) return false;`;
    });
    const test = this.fn(`${lines.join('\n')}\n  return false;`);
    return { test, total: options.every((o) => o.total), kinds: options.reduce<ReadonlySet<Kind> | undefined>((acc, o) => joinKinds(acc, o.kinds), kinds()) };
  }

  /** zod's $ZodDiscriminatedUnion: the option is the one zod's map gives for the discriminator's value. */
  private discriminated(def: z.core.$ZodDiscriminatedUnionDef, path: string): Node {
    if (def.unionFallback === true) throw new UnsupportedSchemaError(path, 'a discriminated union with unionFallback');
    const byValue = new Map<unknown, number | null>();
    const options = def.options.map((option, i) => {
      const values = option._zod.propValues?.[def.discriminator];
      if (values === undefined) throw new UnsupportedSchemaError(`${path}|${i}`, 'an option without discriminator values');
      // zod refuses a duplicate value when it builds its map, but for undefined, which then picks no option.
      for (const value of values) byValue.set(value, byValue.has(value) ? null : i);
      return this.node(option, `${path}|${i}`);
    });
    const pick = this.external(byValue);
    const test = this.fn(`  if (typeof v !== "object" || v === null || isArray(v)) return false;
  switch (${pick}.get(v[${JSON.stringify(def.discriminator)}])) {
${options.map((o, i) => `    case ${i}: return ${o.test('v')};`).join('\n')}
    default: return false;
  }`);
    return { test, total: false, kinds: kinds('object') };
  }
}
