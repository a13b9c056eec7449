import type { LabelSet } from '../types.js';

/** Prometheus' `__meta_kubernetes_*` label helpers, shared by every role. */

export const META = '__meta_kubernetes_';

/** Prometheus' strutil.SanitizeLabelName: anything but [a-zA-Z0-9_] becomes "_". */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Like Go's net.JoinHostPort: "10.0.0.1:80", "[fd00::1]:80". */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function addMapLabels(out: LabelSet, prefix: string, kind: 'label' | 'annotation', map: Record<string, string> | null | undefined): void {
  for (const [name, value] of Object.entries(map ?? {})) {
    const s = sanitizeLabelName(name);
    out[`${prefix}${kind}_${s}`] = value;
    out[`${prefix}${kind}present_${s}`] = 'true';
  }
}
