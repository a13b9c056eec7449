import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const NOT_TESTS = new Set(['helpers', 'fixtures']);

describe('the test tiers', () => {
  it('give every folder of test/ to exactly one of test:unit, test:integration, test:browser and test:deploy', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    const tiers = ['test:unit', 'test:integration', 'test:browser', 'test:deploy'];
    const claimed = tiers.flatMap((t) => (pkg.scripts[t] ?? '').split(' ').filter((w) => w.startsWith('test/')).map((w) => w.slice('test/'.length)));
    const folders = (await readdir(new URL('../', import.meta.url), { withFileTypes: true }))
      .filter((d) => d.isDirectory() && !NOT_TESTS.has(d.name))
      .map((d) => d.name);
    expect(claimed.sort()).toEqual(folders.sort());
  });
});
