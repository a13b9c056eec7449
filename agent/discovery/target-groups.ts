import { z } from 'zod';
import { parseTarget } from './static.js';
import type { LabelSet, TargetGroup } from './types.js';

/**
 * Prometheus' target group list, the format of file_sd files and http_sd answers:
 * `[{"targets": ["host:port", ...], "labels": {"name": "value"}}, ...]`.
 */
const TargetGroupFields = {
  targets: z.array(z.string()),
  labels: z.record(z.string(), z.string()).nullish(),
};
/** JSON from other tools may carry extra fields (Prometheus ignores them in JSON). */
export const TargetGroupListSchema = z.array(z.object(TargetGroupFields));
/** YAML is read strictly, as Prometheus does: a misspelt "lables" is an error, not silently ignored. */
export const StrictTargetGroupListSchema = z.array(z.strictObject(TargetGroupFields));

/** The groups read from one list, and what was wrong with parts of it (reported, not fatal). */
export interface ReadGroups {
  readonly groups: TargetGroup[];
  readonly problems: string[];
}

/**
 * Turns a validated list into groups with sources `${source}:${index}` (Prometheus' "<file>:<i>"),
 * each target labelled `{...group labels, ...extra, __address__}`. A target that cannot be scraped is
 * left out and named in `problems`; at most `maxTargets` targets are kept over the whole list.
 */
export function toTargetGroups(list: z.infer<typeof TargetGroupListSchema>, source: string, extra: LabelSet, maxTargets: number): ReadGroups {
  const problems: string[] = [];
  const groups: TargetGroup[] = [];
  let kept = 0;
  list.forEach((group, i) => {
    const targets: LabelSet[] = [];
    for (const target of group.targets) {
      if (kept >= maxTargets) {
        problems.push(`more than ${maxTargets} targets; the rest are ignored`);
        break;
      }
      const parsed = parseTarget(target);
      if (parsed instanceof Error) {
        problems.push(parsed.message);
        continue;
      }
      targets.push({ ...group.labels, ...extra, ...parsed });
      kept++;
    }
    groups.push({ source: `${source}:${i}`, targets });
  });
  return { groups, problems: [...new Set(problems)] };
}
