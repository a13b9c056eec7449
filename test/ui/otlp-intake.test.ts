import { describe, expect, it } from 'vitest';
import type { OtlpIntake } from '../../common/api/v1.js';
import { intakeRow } from '../../ui/src/format/otlp-intake.js';

const signal = (over: Partial<OtlpIntake['traces']> = {}): OtlpIntake['traces'] => ({ items: 0, ignored: 0, accepted: 0, overflow: 0, duplicate: 0, rejected: 0, ...over });

describe('intakeRow (an agent\'s OTLP figures in the Fleet view)', () => {
  it('sums both signals, keeps ignored spans and log records apart, and classes refusals', () => {
    const row = intakeRow({
      traces: signal({ items: 20, ignored: 9, accepted: 5, overflow: 1, duplicate: 2, rejected: 3 }),
      logs: signal({ items: 4, ignored: 2, accepted: 2 }),
      refused: { rate_limited: 3, overloaded: 1, invalid_json: 1, invalid_protobuf: 2, body_too_large: 1, decompressed_too_large: 1, wrong_token: 4, some_new_reason: 1 },
    });
    expect(row).toMatchObject({ accepted: 8, overflow: 1, duplicate: 2, rejected: 3, spansIgnored: 9, logsIgnored: 2, refusedTotal: 14 });
    expect(row.refused).toEqual({ rate_limit: 4, too_large: 2, bad_data: 3, auth: 4, other: 1 });
    expect(row.refusedDetail).toBe('wrong_token 4, rate_limited 3, invalid_protobuf 2, body_too_large 1, decompressed_too_large 1, invalid_json 1, overloaded 1, some_new_reason 1');
  });

  it('reads nothing into missing, negative or non-finite figures', () => {
    const row = intakeRow({ traces: signal({ accepted: -1, ignored: Number.NaN }), logs: signal(), refused: { invalid_json: Number.POSITIVE_INFINITY, aborted: 0 } });
    expect(row).toMatchObject({ accepted: 0, spansIgnored: 0, refusedTotal: 0, refusedDetail: '' });
  });
});
