/** Inputs of the services resource: no query parameters; the name is one percent-encoded segment. */
export { NoQuerySchema as ServicesQuerySchema } from '../request.js';

export const SERVICE_PATH = /^\/api\/v1\/services\/([^/]+)\/?$/;
