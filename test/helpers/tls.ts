import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Paths of the test-only TLS material in test/fixtures/tls (see its README). */
export const TLS_FILES = {
  ca: fileURLToPath(new URL('../fixtures/tls/ca.crt', import.meta.url)),
  otherCa: fileURLToPath(new URL('../fixtures/tls/other-ca.crt', import.meta.url)),
  serverCert: fileURLToPath(new URL('../fixtures/tls/server.crt', import.meta.url)),
  serverKey: fileURLToPath(new URL('../fixtures/tls/server.key', import.meta.url)),
  clientCert: fileURLToPath(new URL('../fixtures/tls/client.crt', import.meta.url)),
  clientKey: fileURLToPath(new URL('../fixtures/tls/client.key', import.meta.url)),
} as const;

/** The server key pair, for `https.createServer`. */
export function serverTls(): { key: Buffer; cert: Buffer } {
  return { key: readFileSync(TLS_FILES.serverKey), cert: readFileSync(TLS_FILES.serverCert) };
}
