/**
 * Inputs of the errors resource. The query schema is part of the v1 contract in common/api/v1.ts
 * (the UI builds its URLs from it); path segments are percent-decoded by the routes.
 */
export { ErrorListQuerySchema, type ErrorListQuery } from '../../../../common/api/v1.js';

/** Path of one group and its actions; the key is everything after `/errors/` (it may hold slashes). */
export const ERROR_PATH = /^\/api\/v1\/services\/([^/]+)\/errors\/(.+)$/;
export const ERROR_ACTION_PATH = /^\/api\/v1\/services\/([^/]+)\/errors\/(.+)\/(resolve|unresolve)$/;
export const ERROR_LIST_PATH = /^\/api\/v1\/services\/([^/]+)\/errors\/?$/;
