import { describe, expect, it } from 'vitest';
import { TAG_VALUE_CHARS } from '../../../../common/merge/tags.js';
import { attributeMap } from '../../../../agent/ingest/otlp/otlp-model.js';
import { isResourceKey, resourceTags } from '../../../../agent/ingest/otlp/otlp-resource.js';

const attrs = (pairs: Record<string, string | number>) =>
  attributeMap(Object.entries(pairs).map(([key, v]) => ({ key, value: typeof v === 'string' ? { stringValue: v } : { intValue: v } })), isResourceKey);

describe('resourceTags', () => {
  it('reads service.version as the release and deployment.environment as the environment', () => {
    expect(resourceTags(attrs({ 'service.name': 'shop', 'service.version': '1.4.0', 'deployment.environment': 'staging' }))).toEqual({ release: '1.4.0', environment: 'staging' });
  });

  it('prefers deployment.environment.name, the current semantic-conventions name', () => {
    expect(resourceTags(attrs({ 'deployment.environment': 'old', 'deployment.environment.name': 'prod' })).environment).toBe('prod');
  });

  it('has neither when the resource has none, and cuts a 1 MB version at 200 characters', () => {
    expect(resourceTags(attrs({ 'service.name': 'shop' }))).toEqual({ release: undefined, environment: undefined });
    expect(resourceTags(attrs({ 'service.version': 'v'.repeat(1024 * 1024) })).release?.length).toBe(TAG_VALUE_CHARS);
    expect(resourceTags(attrs({ 'service.version': 7 })).release).toBe('7');
  });
});
