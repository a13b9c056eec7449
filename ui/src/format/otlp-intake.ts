import type { OtlpIntake } from '../../../common/api/v1.js';

/** Classes of refused OTLP requests as the Fleet view groups them (the reason labels of the agent's metric). */
export type RefusalClass = 'rate_limit' | 'too_large' | 'bad_data' | 'auth' | 'other';

const CLASS_OF: Readonly<Record<string, RefusalClass>> = {
  rate_limited: 'rate_limit', overloaded: 'rate_limit',
  body_too_large: 'too_large', decompressed_too_large: 'too_large',
  invalid_protobuf: 'bad_data', invalid_json: 'bad_data', invalid_compression: 'bad_data', unsupported_media_type: 'bad_data', unsupported_encoding: 'bad_data', aborted: 'bad_data',
  missing_token: 'auth', wrong_token: 'auth',
};

/** One agent's OTLP intake as a row of the Fleet view: both signals summed where the view sums them. */
export interface IntakeRow {
  /** Exceptions counted (in their group or the overflow group). */
  readonly accepted: number;
  readonly overflow: number;
  readonly duplicate: number;
  /** Exceptions rejected in a partial success. */
  readonly rejected: number;
  readonly spansIgnored: number;
  readonly logsIgnored: number;
  /** Requests refused whole, by class, and in all. */
  readonly refused: Readonly<Record<RefusalClass, number>>;
  readonly refusedTotal: number;
  /** "rate_limited 3, body_too_large 1", most first (for a tooltip). */
  readonly refusedDetail: string;
}

const finite = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0);

/**
 * The row of an agent's reported figures. Example: traces { accepted 5, overflow 1, ignored 9 }, logs
 * { accepted 2 }, refused { rate_limited 3, invalid_json 1 }: accepted 8, spansIgnored 9, refused
 * rate_limit 3, bad_data 1, refusedTotal 4. Unknown reasons count as `other`.
 */
export function intakeRow(otlp: OtlpIntake): IntakeRow {
  const refused: Record<RefusalClass, number> = { rate_limit: 0, too_large: 0, bad_data: 0, auth: 0, other: 0 };
  const reasons = Object.entries(otlp.refused).map(([reason, n]) => [reason, finite(n)] as const).filter(([, n]) => n > 0);
  for (const [reason, n] of reasons) refused[CLASS_OF[reason] ?? 'other'] += n;
  const t = otlp.traces;
  const l = otlp.logs;
  return {
    accepted: finite(t.accepted) + finite(t.overflow) + finite(l.accepted) + finite(l.overflow),
    overflow: finite(t.overflow) + finite(l.overflow),
    duplicate: finite(t.duplicate) + finite(l.duplicate),
    rejected: finite(t.rejected) + finite(l.rejected),
    spansIgnored: finite(t.ignored),
    logsIgnored: finite(l.ignored),
    refused,
    refusedTotal: reasons.reduce((s, [, n]) => s + n, 0),
    refusedDetail: [...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, n]) => `${reason} ${n}`).join(', '),
  };
}
