/** Query of `GET /api/v1/targets` (defined with the rest of v1 in common/api/v1.ts). */
export { TargetsQuerySchema, type TargetsQuery } from '../../../../common/api/v1.js';
