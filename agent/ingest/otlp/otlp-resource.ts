import { tagValue } from '../../../common/merge/tags.js';
import { type AnyValue, valueText } from './otlp-model.js';

/** Resource attributes the mapping reads: the service, its version and its deployment environment. */
const RESOURCE_KEYS = new Set(['service.name', 'service.version', 'deployment.environment.name', 'deployment.environment']);

export const isResourceKey = (key: string): boolean => RESOURCE_KEYS.has(key);

/** The release and environment of a resource's exceptions. */
export interface ResourceTags {
  readonly environment: string | undefined;
  readonly release: string | undefined;
}

/**
 * A resource's release (`service.version`) and environment (`deployment.environment.name`, the
 * current semantic-conventions name, else the older `deployment.environment`), each cut at 200
 * characters (common/merge/tags.ts). Pure.
 * Example: {service.version: '1.4.0', deployment.environment: 'staging'} -> {release '1.4.0', environment 'staging'}.
 */
export function resourceTags(attrs: ReadonlyMap<string, AnyValue>): ResourceTags {
  const text = (key: string): string | undefined => tagValue(valueText(attrs.get(key)) ?? undefined);
  return {
    environment: text('deployment.environment.name') ?? text('deployment.environment'),
    release: text('service.version'),
  };
}
