/** Queries of `GET /api/v1/targets` and `/api/v1/targets/services` (defined with the rest of v1 in common/api/v1.ts). */
export { TargetServicesQuerySchema, TargetsQuerySchema, type TargetsQuery } from '../../../../common/api/v1.js';
