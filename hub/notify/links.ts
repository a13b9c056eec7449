/**
 * The error's page in the UI under `hub.public_url`, in the Periskop deep-link form the UI serves
 * (`#/{service}/errors/{key}`, both percent-encoded); null when the hub has no public URL.
 * Example: uiLink('https://cn.example.com/', 'web', 'E@1') === 'https://cn.example.com/#/web/errors/E%401'.
 */
export function uiLink(publicUrl: string | undefined, service: string, key: string): string | null {
  if (publicUrl === undefined || publicUrl === '') return null;
  return `${publicUrl}#/${encodeURIComponent(service)}/errors/${encodeURIComponent(key)}`;
}
