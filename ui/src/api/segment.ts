/**
 * A service name or key as one path segment of an API URL: the same encoding as `encodeSegment` in
 * common/api/v1.ts (repeated here so the bundle carries no zod; a unit test holds the two equal).
 * Example: seg('a/b..c') === 'a%2Fb%2E%2Ec'.
 */
export const seg = (value: string): string => encodeURIComponent(value).replace(/\./g, '%2E');
