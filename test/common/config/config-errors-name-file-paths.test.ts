import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../common/config/load.js';

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, 'crowsnest.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('the config was accepted');
}

const yaml = (lines: string[]) => lines.join('\n') + '\n';

describe('config errors name the path and line as written in the file', () => {
  it('gives the line of a missing environment variable', () => {
    expect(problemsOf(yaml(['agent:', '  name: a', '  hubs:', '    - url: ws://hub:7777/federate', '      token: "${CROWSNEST_TOKEN}"'])))
      .toBe('agent.hubs[0].token (line 5): environment variable CROWSNEST_TOKEN is not set');
  });

  it('names the path of a plain Periskop file without the agent section it does not have', () => {
    expect(problemsOf(yaml(['services:', '  - name: checkout', '    dns_sd_configs:', '      - names: [checkout.internal]', '        type: A'])))
      .toBe('services[0].dns_sd_configs[0].port (line 4): a port is required for type A');
  });

  it('names an unknown key of a plain Periskop file with its line', () => {
    expect(problemsOf(yaml(['services:', '  - name: checkout', '    scrape_interval: 10s'])))
      .toBe('services[0].scrape_interval (line 3): unknown key "scrape_interval"');
  });
});
