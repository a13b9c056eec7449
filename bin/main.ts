#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Agent } from '../agent/agent.js';
import { keepYoungGenerationSmall, letYoungGenerationGrow, tightenHeapGrowth } from '../common/heap-growth.js';
import { ConfigError, loadConfigFile } from '../common/config/load.js';
import type { Config } from '../common/config/schema.js';
import { type ServiceConfig, ServiceConfigSchema } from '../common/config/service.js';
import { chooseLogOutput, createLogger, type LogFormat, type Logger, parseLogFormat } from '../common/log.js';
import { CorruptFileError } from '../common/storage/checksummed-file.js';
import { VERSION } from '../common/version.js';
import type { Fleet } from '../demo/fleet.js';
import type { Hub } from '../hub/hub.js';

/** Exit codes (sysexits.h), so scripts and service managers can tell failures apart. */
const EXIT = { ok: 0, failure: 1, usage: 64, dataError: 65, ioError: 74, config: 78 } as const;

const USAGE = `crowsnest ${VERSION}: federated, hierarchical exception collector

Usage:
  crowsnest start --config FILE     run every section of FILE (hub, agent, demo) in one process
  crowsnest hub --config FILE       run only the hub section
  crowsnest agent --config FILE     run only the agent section
  crowsnest check-config FILE       validate FILE and exit (0: valid, 78: invalid)
  crowsnest --version

Options:
  --log-format json|pretty|auto     log lines as JSON, or human-readable; auto (the default) is
                                    pretty when stdout is a terminal and JSON otherwise

Signals: SIGTERM or SIGINT stops gracefully (flush, snapshot, exit 0).`;

type Mode = 'start' | 'hub' | 'agent';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, 'log-format': { type: 'string' }, version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`crowsnest: ${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  if (command === 'check-config') {
    const file = rest[0] ?? values.config;
    if (file === undefined) {
      process.stderr.write('crowsnest check-config: give the file to check, e.g. `crowsnest check-config crowsnest.yaml`\n');
      return EXIT.usage;
    }
    const config = await readConfig(file);
    if (config === undefined) return EXIT.config;
    const parts = [config.hub && 'hub', config.agent && `agent "${config.agent.name}" (${config.agent.services.length} services)`, config.demo && `demo (${config.demo.targets} targets)`].filter(Boolean);
    process.stdout.write(`${file}: OK: ${parts.join(', ')}\n`);
    return EXIT.ok;
  }
  if (command !== 'start' && command !== 'hub' && command !== 'agent') {
    process.stderr.write(`crowsnest: unknown command "${command}"\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (values.config === undefined) {
    process.stderr.write(`crowsnest ${command}: --config FILE is required\n`);
    return EXIT.usage;
  }
  // Before the config and the agent's modules load: their garbage would grow the young generation.
  let youngFlag = command === 'agent' ? keepYoungGenerationSmall() : undefined;
  const logFormat = parseLogFormat(values['log-format']);
  if (logFormat === undefined) {
    process.stderr.write(`crowsnest: --log-format must be json, pretty or auto, not "${values['log-format']?.slice(0, 64)}"\n`);
    return EXIT.usage;
  }
  const config = await readConfig(values.config);
  if (config === undefined) return EXIT.config;
  // An OTLP listener takes batches of hundreds of KiB many times a second: a small young
  // generation would promote them and cost twice the CPU (docs/performance.md).
  if (youngFlag !== undefined && config.agent?.otlp !== undefined) {
    letYoungGenerationGrow();
    youngFlag = undefined;
  }
  return run(command, config, logFormat, youngFlag);
}

async function readConfig(file: string): Promise<Config | undefined> {
  try {
    return await loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`crowsnest: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

async function run(mode: Mode, config: Config, logFormat: LogFormat, youngFlag: string | undefined): Promise<number> {
  const logger = createLogger(config.log.level, chooseLogOutput(logFormat, process.stdout.isTTY === true, process.env));
  const wantHub = mode !== 'agent' && config.hub !== undefined;
  const wantAgent = mode !== 'hub' && (config.agent !== undefined || (mode === 'start' && config.demo !== undefined));
  if (mode === 'hub' && config.hub === undefined) return fail(logger, EXIT.config, 'the file has no "hub:" section');
  if (mode === 'agent' && config.agent === undefined) return fail(logger, EXIT.config, 'the file has no "agent:" section');

  let hub: Hub | undefined;
  let agent: Agent | undefined;
  let fleet: Fleet | undefined;
  const stopAll = async () => {
    await agent?.stop();
    await fleet?.close();
    await hub?.stop();
  };
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping !== undefined) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping gracefully');
    stopping = stopAll().then(
      () => process.exit(EXIT.ok),
      (err: Error) => {
        logger.error({ err: err.message }, 'error during shutdown');
        process.exit(EXIT.failure);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const heapFlag = tightenHeapGrowth();
  if (heapFlag !== undefined) logger.debug({ flag: heapFlag }, 'V8 heap growth tightened');
  if (youngFlag !== undefined) logger.debug({ flag: youngFlag }, 'V8 young generation kept at its initial size');
  try {
    const internalToken = randomBytes(24).toString('hex');
    // Each part loads only when the config runs it: an agent process never loads hub or UI code.
    if (wantHub && config.hub !== undefined) {
      const uiDir = fileURLToPath(new URL('../../ui/dist', import.meta.url));
      const { Hub } = await import('../hub/hub.js');
      hub = await Hub.start({ config: config.hub, logger, uiDir, extraTokens: wantAgent ? [internalToken] : [] });
    }
    if (wantAgent) {
      const agentConfig = config.agent ?? (await demoAgentConfig());
      const extraServices: ServiceConfig[] = [];
      if (mode === 'start' && config.demo !== undefined) {
        const demo = config.demo;
        const { Fleet } = await import('../demo/fleet.js');
        fleet = await Fleet.start({ services: demo.services, targetsPerService: Math.max(1, Math.ceil(demo.targets / demo.services.length)), seed: Date.now() });
        fleet.tick();
        fleet.run(demo.interval);
        for (const service of demo.services) {
          extraServices.push(ServiceConfigSchema.parse({ name: service, static_configs: [{ targets: fleet.addresses(service), labels: { demo: 'true' } }], scraper: { endpoint: '/errors', refresh_interval: '5s', timeout: '2s' } }));
        }
        logger.info({ targets: fleet.targets.length, services: demo.services }, 'demo targets started');
      }
      const extraHubs = hub !== undefined && agentConfig.hubs.length === 0 ? [{ url: `ws://127.0.0.1:${hub.address().port}/federate`, token: internalToken }] : [];
      const { Agent } = await import('../agent/agent.js');
      agent = await Agent.start({ config: agentConfig, logger, extraServices, extraHubs });
    }
  } catch (err) {
    await stopAll().catch(() => undefined);
    if (err instanceof CorruptFileError) return fail(logger, EXIT.dataError, err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') return fail(logger, EXIT.ioError, `address already in use: ${e.message}; change "listen" in the config`);
    if (e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'ENOSPC') return fail(logger, EXIT.ioError, e.message);
    throw err;
  }
  return new Promise<number>(() => {
    // Runs until a signal stops it.
  });
}

async function demoAgentConfig() {
  const { AgentConfigSchema } = await import('../common/config/schema.js');
  return AgentConfigSchema.parse({ name: 'demo-agent', listen: '127.0.0.1:0' });
}

function fail(logger: Logger, code: number, message: string): number {
  logger.fatal(message);
  process.stderr.write(`crowsnest: ${message}\n`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`crowsnest: unexpected failure: ${err.stack ?? err.message}\n`);
    process.exit(EXIT.failure);
  },
);
