import type { Severity } from '../common/severity.js';

/** One kind of error a simulated service throws: what a Periskop client would aggregate under a key. */
export interface ErrorKind {
  readonly key: string;
  readonly class: string;
  readonly message: string;
  readonly severity: Severity;
  readonly stacktrace: string[];
  readonly cause?: { class: string; message: string; stacktrace: string[] };
  readonly method: string;
  readonly path: string;
  /** Relative frequency. */
  readonly weight: number;
}

const frames = (pkg: string, fn: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `at ${pkg}.${i === 0 ? fn : `Layer${i}.handle`}(${pkg.split('.').pop()}.java:${40 + i * 7})`);

/** A realistic catalogue of errors for the demo and the benchmark fleet. */
export const ERROR_KINDS: readonly ErrorKind[] = [
  { key: 'java.net.SocketTimeoutException@8f1c2a', class: 'java.net.SocketTimeoutException', message: 'Read timed out after 3000 ms calling payments-api', severity: 'error', stacktrace: frames('com.acme.payments.Client', 'charge', 12), cause: { class: 'java.io.IOException', message: 'Connection reset by peer', stacktrace: frames('sun.nio.ch.SocketChannelImpl', 'read', 4) }, method: 'POST', path: '/checkout/confirm', weight: 5 },
  { key: 'java.lang.NullPointerException@3b7d90', class: 'java.lang.NullPointerException', message: 'Cannot invoke "Cart.items()" because "cart" is null', severity: 'error', stacktrace: frames('com.acme.cart.CartService', 'total', 9), method: 'GET', path: '/cart', weight: 3 },
  { key: 'org.postgresql.util.PSQLException@aa01f3', class: 'org.postgresql.util.PSQLException', message: 'ERROR: deadlock detected', severity: 'error', stacktrace: frames('com.acme.orders.OrderRepository', 'save', 15), cause: { class: 'org.postgresql.util.ServerErrorMessage', message: 'Process 4242 waits for ShareLock on transaction 991', stacktrace: [] }, method: 'POST', path: '/orders', weight: 1 },
  { key: 'com.acme.search.QueryTooBroad@5510be', class: 'com.acme.search.QueryTooBroad', message: 'Query matched more than 10000 documents', severity: 'warning', stacktrace: frames('com.acme.search.Engine', 'execute', 6), method: 'GET', path: '/search?q=*', weight: 4 },
  { key: 'RateLimited@e2c4d1', class: 'com.acme.http.RateLimited', message: 'Upstream returned 429 Too Many Requests', severity: 'warning', stacktrace: frames('com.acme.http.RetryingClient', 'send', 5), method: 'GET', path: '/recommendations', weight: 2 },
  { key: 'cache-miss-storm', class: '', message: 'Cache hit ratio below 50% for 5 minutes', severity: 'info', stacktrace: [], method: 'GET', path: '/products/42', weight: 1 },
];
