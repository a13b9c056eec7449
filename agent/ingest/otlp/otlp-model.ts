/**
 * The shape the mapping reads, shared by a decoded protobuf message (otlp-proto.ts) and a parsed
 * OTLP/JSON request (otlp-json-schema.ts): lowerCamelCase field names, ids as bytes (protobuf) or
 * hex (JSON), 64-bit integers as `Long` (protobuf), decimal strings or numbers (JSON). Every field may
 * be missing; the readers below never throw on odd values. Pure functions.
 */

/** A protobufjs Long, or what OTLP/JSON sends for an int64/fixed64. */
export type Int64 = number | string | bigint | { toNumber(): number } | null | undefined;

export interface AnyValue {
  readonly stringValue?: unknown;
  readonly boolValue?: unknown;
  readonly intValue?: unknown;
  readonly doubleValue?: unknown;
  readonly arrayValue?: unknown;
  readonly kvlistValue?: unknown;
  readonly bytesValue?: unknown;
}

export interface KeyValue {
  readonly key?: unknown;
  readonly value?: AnyValue | null | undefined;
}

export type Attributes = readonly KeyValue[] | null | undefined;

export interface OtlpEvent {
  readonly timeUnixNano?: Int64;
  readonly name?: unknown;
  readonly attributes?: Attributes;
}

export interface OtlpSpan {
  readonly traceId?: unknown;
  readonly spanId?: unknown;
  readonly name?: unknown;
  readonly startTimeUnixNano?: Int64;
  readonly attributes?: Attributes;
  readonly events?: readonly OtlpEvent[] | null | undefined;
}

export interface OtlpLogRecord {
  readonly timeUnixNano?: Int64;
  readonly observedTimeUnixNano?: Int64;
  readonly severityNumber?: unknown;
  readonly severityText?: unknown;
  readonly body?: AnyValue | null | undefined;
  readonly attributes?: Attributes;
  readonly traceId?: unknown;
  readonly spanId?: unknown;
  readonly eventName?: unknown;
}

interface WithResource {
  readonly resource?: { readonly attributes?: Attributes } | null | undefined;
}

export interface TracesRequest {
  readonly resourceSpans?: readonly (WithResource & { readonly scopeSpans?: readonly { readonly spans?: readonly OtlpSpan[] | null | undefined }[] | null | undefined })[] | null | undefined;
}

export interface LogsRequest {
  readonly resourceLogs?: readonly (WithResource & { readonly scopeLogs?: readonly { readonly logRecords?: readonly OtlpLogRecord[] | null | undefined }[] | null | undefined })[] | null | undefined;
}

const MEMBERS = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] as const;
type Member = (typeof MEMBERS)[number];

/**
 * The member of an AnyValue that is set: its own property (a decoded message holds only the fields on
 * the wire as own properties, defaults live on its prototype; a JSON object has just that key).
 */
function memberOf(v: AnyValue): Member | undefined {
  for (const m of MEMBERS) if (Object.hasOwn(v, m) && v[m] !== undefined && v[m] !== null) return m;
  return undefined;
}

/** Elements of an array attribute turned into text; nested arrays and lists are not looked into. */
const MAX_ARRAY_ITEMS = 64;

/**
 * An attribute value as text: strings as they are, numbers and booleans printed, an array of scalars
 * joined with ", " (as HTTP header attributes are string arrays). Byte values, key-value lists and
 * arrays nested in arrays give undefined, so no nesting depth is ever walked.
 */
export function valueText(v: AnyValue | null | undefined): string | undefined {
  if (v === null || v === undefined || typeof v !== 'object') return undefined;
  const member = memberOf(v);
  if (member === 'arrayValue') {
    const values = (v.arrayValue as { values?: unknown } | null)?.values;
    if (!Array.isArray(values)) return undefined;
    const parts: string[] = [];
    for (const item of values.slice(0, MAX_ARRAY_ITEMS)) {
      const text = typeof item === 'object' && item !== null && memberOf(item as AnyValue) !== 'arrayValue' ? valueText(item as AnyValue) : undefined;
      if (text !== undefined) parts.push(text);
    }
    return parts.join(', ');
  }
  return member === undefined ? undefined : scalarText(v[member]);
}

function scalarText(raw: unknown): string | undefined {
  switch (typeof raw) {
    case 'string':
      return raw;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(raw);
    case 'object':
      // A protobufjs Long.
      return raw !== null && typeof (raw as { toString?: unknown }).toString === 'function' && 'low' in raw ? String(raw) : undefined;
    default:
      return undefined;
  }
}

/** The attributes the mapping looks at, by key; the first occurrence of a key wins. */
export function attributeMap(attributes: Attributes, wanted: (key: string) => boolean): Map<string, AnyValue> {
  const out = new Map<string, AnyValue>();
  if (!Array.isArray(attributes)) return out;
  for (const kv of attributes as readonly KeyValue[]) {
    if (typeof kv !== 'object' || kv === null) continue;
    const key = kv.key;
    if (typeof key !== 'string' || !wanted(key) || out.has(key)) continue;
    if (kv.value !== null && kv.value !== undefined && typeof kv.value === 'object') out.set(key, kv.value);
  }
  return out;
}

/** An int64/fixed64 as a number (nanosecond times lose precision below a microsecond; fine for ms). */
export function int64(v: Int64): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0;
  if (typeof v === 'string') return /^-?\d{1,25}$/.test(v) ? Number(v) : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null && typeof v.toNumber === 'function') return v.toNumber();
  return 0;
}

/** A trace or span id as lower-case hex: bytes from protobuf, hex text from JSON; '' when absent or odd. */
export function idHex(v: unknown): string {
  if (v instanceof Uint8Array) return v.length <= 32 ? Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex') : '';
  if (typeof v === 'string' && v.length <= 64 && /^[0-9a-fA-F]*$/.test(v)) return v.toLowerCase();
  return '';
}

/** Array items of a repeated field, or none when the field is missing or not an array. */
export function items<T>(v: readonly T[] | null | undefined): readonly T[] {
  return Array.isArray(v) ? v : [];
}
