// A real @sentry/node SDK in a child process, driven by a test: `node sentry-sdk-child.mjs '<json>'`
// with {dsn, scenario, ...}. It runs the scenario, prints one JSON line with what it did (event ids,
// flush results), closes the SDK (flushing it) and exits on its own: a timer left running by the SDK
// would keep the process alive and fail the test's wait.
import * as Sentry from '@sentry/node';

const args = JSON.parse(process.argv[2] ?? '{}');
// `sent`: what the SDK sent of each event's stack (its last exception's frames), for tests to check against.
const out = { eventIds: [], flushed: [], sent: [] };
Sentry.init({
  dsn: args.dsn,
  release: 'test@1.0.0',
  environment: 'test',
  sendDefaultPii: false,
  tracesSampleRate: 0,
  beforeSend: (event) => {
    const frames = event.exception?.values?.at(-1)?.stacktrace?.frames ?? [];
    out.sent.push({ event_id: event.event_id, frames: frames.map(({ function: fn, module, filename, abs_path, package: pkg, in_app }) => ({ function: fn, module, filename, abs_path, package: pkg, in_app })) });
    return event;
  },
  ...(args.init ?? {}),
  // A release name too long for a command line argument: `hugeRelease` characters.
  ...(args.hugeRelease === undefined ? {} : { release: `r${'x'.repeat(args.hugeRelease)}` }),
});

async function flush() {
  out.flushed.push(await Sentry.flush(5000));
}

/** Throws and catches inside an HTTP handler instrumented by the SDK, then calls the server once. */
async function httpScenario() {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    try {
      throw new TypeError(`cannot read order ${req.url}`);
    } catch (err) {
      out.eventIds.push(Sentry.captureException(err));
    }
    res.writeHead(500).end('failed');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/orders/42?expand=items', headers: {
      'content-type': 'application/json', 'x-request-id': 'req-42', cookie: 'session=secret', authorization: 'Bearer secret', 'x-api-key': 'secret',
    } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end('{"order":42}');
  });
  await new Promise((resolve) => server.close(resolve));
}

/** The error of a fingerprint case, created here so this function is the crash frame. */
function chargeCard(c) {
  const err = new Error(c.message);
  err.name = c.type;
  return err;
}

function refundCard(c) {
  const err = new Error(c.message);
  err.name = c.type;
  return err;
}

/** One event per case, each with its own scope: fingerprint, tags, level, logger, transaction. */
function fingerprintCases(cases) {
  for (const c of cases) {
    Sentry.withScope((scope) => {
      if (c.fingerprint !== undefined) scope.setFingerprint(c.fingerprint);
      if (c.tags !== undefined) scope.setTags(c.tags);
      if (c.level !== undefined) scope.setLevel(c.level);
      if (c.transaction !== undefined) scope.setTransactionName(c.transaction);
      if (c.logger !== undefined) scope.addEventProcessor((event) => ({ ...event, logger: c.logger }));
      if (c.kind === 'message') out.eventIds.push(Sentry.captureMessage(c.message));
      else out.eventIds.push(Sentry.captureException(c.fn === 'refundCard' ? refundCard(c) : chargeCard(c)));
    });
  }
}

try {
  switch (args.scenario) {
    case 'fingerprints': {
      fingerprintCases(args.cases ?? []);
      break;
    }
    case 'cause': {
      out.eventIds.push(Sentry.captureException(new Error('checkout failed', { cause: new RangeError('quantity out of range', { cause: new Error('db timeout') }) })));
      break;
    }
    case 'message': {
      out.eventIds.push(Sentry.captureMessage('disk almost full', 'warning'));
      break;
    }
    case 'http': {
      await httpScenario();
      break;
    }
    case 'large': {
      const err = new Error('large event');
      out.eventIds.push(Sentry.captureException(err, { extra: { blob: 'x'.repeat(args.bytes ?? 40_000) } }));
      break;
    }
    case 'burst': {
      // One event at a time, flushed, so the SDK has read each answer (and any 429) before the next.
      for (let i = 0; i < (args.count ?? 1); i++) {
        out.eventIds.push(Sentry.captureException(new Error(args.message ?? 'burst')));
        await flush();
      }
      break;
    }
    default:
      throw new Error(`unknown scenario ${args.scenario}`);
  }
  await flush();
} finally {
  out.closed = await Sentry.close(5000);
  process.stdout.write(JSON.stringify(out) + '\n');
}
