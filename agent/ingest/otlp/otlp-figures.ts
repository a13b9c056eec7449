import { MAX_REFUSAL_REASONS, type OtlpIntake, type OtlpSignalFigures } from '../../../common/federation/intake.js';
import type { OtlpRejectReason } from './otlp-error.js';
import type { Signal } from './otlp-proto.js';

/** What became of one exception of a batch (the `result` label of crowsnest_agent_otlp_exceptions_total). */
export type ExceptionResult = 'accepted' | 'duplicate' | 'overflow' | 'rate_limited' | 'too_many_services';

const zero = (): OtlpSignalFigures => ({ items: 0, ignored: 0, accepted: 0, overflow: 0, duplicate: 0, rejected: 0 });

/** Which figure an exception's result adds to: both partial-success rejections are `rejected`. */
const FIGURE: Record<ExceptionResult, keyof OtlpSignalFigures> = {
  accepted: 'accepted', overflow: 'overflow', duplicate: 'duplicate', rate_limited: 'rejected', too_many_services: 'rejected',
};

/**
 * The OTLP intake's figures as plain numbers, counted beside the metrics, for the agent's report to
 * its hubs (`intake.otlp` of a delta, common/federation/intake.ts) and so the Fleet view. Calls
 * `onChange` after each change (the shipper coalesces them into its next message).
 * Example: batch('traces', 3, 2) then exception('traces', 'rate_limited'): traces { items 3,
 * ignored 2, rejected 1 }. Owned by OtlpMetrics; lives as long as the agent.
 */
export class OtlpFigures {
  private readonly signals: Record<Signal, OtlpSignalFigures> = { traces: zero(), logs: zero() };
  private readonly refused = new Map<OtlpRejectReason, number>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  exception(signal: Signal, result: ExceptionResult, n: number): void {
    this.signals[signal][FIGURE[result]] += n;
    this.onChange();
  }

  batch(signal: Signal, items: number, ignored: number): void {
    const s = this.signals[signal];
    s.items += items;
    s.ignored += ignored;
    this.onChange();
  }

  reject(reason: OtlpRejectReason): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    this.onChange();
  }

  /** A copy of the figures as they go on the wire. */
  current(): OtlpIntake {
    const refused: Record<string, number> = {};
    for (const [reason, n] of [...this.refused].slice(0, MAX_REFUSAL_REASONS)) refused[reason] = n;
    return { traces: { ...this.signals.traces }, logs: { ...this.signals.logs }, refused };
  }
}
