import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupingComponents, groupingKey, MAX_GROUPING_FRAMES, stackFrames } from '../../../../agent/ingest/otlp/otlp-grouping.js';

const node = (line: number) => `TypeError: cannot read "id" of order ${line}
    at loadOrder (/srv/app/dist/orders.js:${line}:17)
    at async handle (file:///srv/app/dist/server.js:${line + 3}:5)
    at /srv/app/dist/index.js:${line + 9}:1
    at new Promise (<anonymous>)`;

describe('stackFrames', () => {
  it('reads V8 frames: named, async, bare and native, with base names and no line numbers', () => {
    expect(stackFrames(node(10))).toEqual([
      { fn: 'loadOrder', file: 'orders.js' },
      { fn: 'handle', file: 'server.js' },
      { fn: '', file: 'index.js' },
      { fn: 'new Promise', file: '<anonymous>' },
    ]);
  });

  it('reads Python, JVM, .NET, Go and Ruby frames and skips headers, source lines and "... more"', () => {
    expect(stackFrames('Traceback (most recent call last):\n  File "/app/shop/views.py", line 42, in checkout\n    total = price / qty\nZeroDivisionError: division by zero'))
      .toEqual([{ fn: 'checkout', file: 'views.py' }]);
    expect(stackFrames('java.lang.IllegalStateException: closed\n\tat com.acme.Pool.take(Pool.java:88)\n\tat com.acme.Job.run(Unknown Source)\nCaused by: java.io.IOException\n\t... 4 more'))
      .toEqual([{ fn: 'com.acme.Pool.take', file: 'Pool.java' }, { fn: 'com.acme.Job.run', file: 'Unknown Source' }]);
    expect(stackFrames('System.InvalidOperationException: no\n   at Acme.Cart.Add(Int32 qty) in C:\\src\\Acme\\Cart.cs:line 17'))
      .toEqual([{ fn: 'Acme.Cart.Add(Int32 qty)', file: 'Cart.cs' }]);
    expect(stackFrames('goroutine 1 [running]:\nmain.handler(0x1, 0x2)\n\t/go/src/app/main.go:27 +0x1d\nmain.main()\n\t/go/src/app/main.go:12 +0x25'))
      .toEqual([{ fn: 'main.handler', file: 'main.go' }, { fn: 'main.main', file: 'main.go' }]);
    expect(stackFrames("/app/lib/cart.rb:12:in 'add'\n/app/lib/app.rb:3:in `call'"))
      .toEqual([{ fn: 'add', file: 'cart.rb' }, { fn: 'call', file: 'app.rb' }]);
  });

  it('looks at no more than MAX_GROUPING_FRAMES frames of a huge stack', () => {
    const huge = Array.from({ length: 50_000 }, (_, i) => `    at f${i} (/a/b.js:${i}:1)`).join('\n');
    expect(stackFrames(huge)).toHaveLength(MAX_GROUPING_FRAMES);
  });
});

describe('groupingKey', () => {
  const key = (type: string, message: string, stack: string | undefined) => groupingKey(type, groupingComponents(type, message, stack));

  it('is {type}@{12 hex} and the same when only line numbers and the message change (a redeploy)', () => {
    expect(key('TypeError', 'a', node(10))).toMatch(/^TypeError@[0-9a-f]{12}$/);
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.string(), (line, message) => {
      expect(key('TypeError', message, node(line))).toBe(key('TypeError', 'a', node(10)));
    }));
  });

  it('splits the same type thrown from different functions or files, and different types from one place', () => {
    const base = key('TypeError', 'x', node(10));
    expect(key('TypeError', 'x', node(10).replace('loadOrder', 'saveOrder'))).not.toBe(base);
    expect(key('TypeError', 'x', node(10).replace('orders.js', 'invoices.js'))).not.toBe(base);
    expect(key('RangeError', 'x', node(10))).not.toBe(base);
  });

  it('ignores the install path of a file', () => {
    expect(key('E', 'x', '    at f (/srv/v1/app.js:1:1)')).toBe(key('E', 'x', '    at f (/opt/release-2/app.js:9:9)'));
  });

  it('groups by message when the stack has no frame it can read', () => {
    expect(key('E', 'disk full', undefined)).toBe(key('E', 'disk full', 'no frames here'));
    expect(key('E', 'disk full', undefined)).not.toBe(key('E', 'quota', undefined));
  });
});
