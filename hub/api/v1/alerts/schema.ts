/** Query of `GET /api/v1/alerts` (defined with the rest of v1 in common/api/v1.ts). */
export { AlertsQuerySchema, type AlertsQuery } from '../../../../common/api/v1.js';
