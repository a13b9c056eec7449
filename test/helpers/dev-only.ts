import { readFileSync } from 'node:fs';

/**
 * The dev dependencies of package.json that only development needs, read from package-lock.json:
 * a dev dependency that a runtime dependency also requires (prom-client needs @opentelemetry/api)
 * is rightly installed in production too, and npm marks only the others `"dev": true`.
 */
export function devOnlyDependencies(root: string, devDependencies: Record<string, string>): string[] {
  const lock = JSON.parse(readFileSync(`${root}/package-lock.json`, 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.keys(devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);
}
