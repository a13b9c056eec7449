import type { ErrorKind } from '../../demo/error-kinds.js';
import type { Severity } from '../../common/severity.js';

/** One error kind of the benchmark fleet; `vary` puts a per-occurrence number in the message, as real messages often do. */
export interface BenchKind extends ErrorKind {
  readonly vary: boolean;
}

const PACKAGES = ['payments', 'cart', 'orders', 'search', 'users', 'catalog', 'shipping', 'pricing', 'auth', 'inventory'];
const CLASSES: [string, string, Severity][] = [
  ['java.net.SocketTimeoutException', 'Read timed out after 3000 ms calling {pkg}-api', 'error'],
  ['java.lang.NullPointerException', 'Cannot invoke "Cart.items()" because "cart" is null', 'error'],
  ['org.postgresql.util.PSQLException', 'ERROR: deadlock detected', 'error'],
  ['java.lang.IllegalStateException', 'Order {n} is already being processed', 'error'],
  ['com.acme.http.RateLimited', 'Upstream {pkg}-api returned 429 Too Many Requests', 'warning'],
  ['com.acme.search.QueryTooBroad', 'Query matched more than 10000 documents', 'warning'],
  ['java.util.concurrent.TimeoutException', 'Future for request {n} did not complete in 500 ms', 'error'],
  ['com.acme.cache.CacheMiss', 'Cache hit ratio below 50% for 5 minutes', 'info'],
];

/**
 * `n` distinct error kinds (aggregation keys) with stack traces of 1 to 3 frames, a cause on one
 * kind in four, and an HTTP request on most samples: about 560 bytes per sample on the wire, so 50
 * keys of 10 samples make a body of about 280 KB, close to the 270 KB per target Periskop was
 * measured with at that shape.
 * Deterministic: the same `n` gives the same kinds.
 */
export function benchKinds(n: number): BenchKind[] {
  const kinds: BenchKind[] = [];
  for (let i = 0; i < n; i++) {
    const [cls, template, severity] = CLASSES[i % CLASSES.length] as [string, string, Severity];
    const pkg = PACKAGES[i % PACKAGES.length] as string;
    const depth = 1 + ((i * 7) % 3);
    const prefix = `com.acme.${pkg}`;
    const stacktrace = Array.from({ length: depth }, (_, f) => `at ${prefix}.Handler${f}.handle(Handler${f}.java:${40 + ((i + f) * 13) % 400})`);
    const hasCause = i % 4 === 0;
    kinds.push({
      key: `${cls.split('.').pop() ?? cls}@${(0x9e3779b1 * (i + 1) >>> 0).toString(16).padStart(8, '0')}`,
      class: cls,
      message: template.replace('{pkg}', pkg),
      severity,
      stacktrace,
      ...(hasCause ? { cause: { class: 'java.io.IOException', message: 'Connection reset by peer', stacktrace: [`at sun.nio.ch.SocketChannelImpl.read(SocketChannelImpl.java:${100 + i})`] } } : {}),
      method: i % 4 === 0 ? 'POST' : 'GET',
      path: `/${pkg}/${i % 4 === 0 ? 'submit' : 'view'}`,
      weight: 1 + (i % 5),
      vary: template.includes('{n}'),
    });
  }
  return kinds;
}
