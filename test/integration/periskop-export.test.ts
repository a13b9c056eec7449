import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientPayloadOutSchema } from '../../common/wire/client-format.js';
import { Fleet } from '../../demo/fleet.js';
import { agentConfig, hubConfig, hubTotals, startHub, totalsText } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * A hub exports each service in the Periskop client format at `/federate/{service}/errors`, so an
 * existing Periskop server (or any Periskop scraper, here a second Crowsnest agent) can scrape it.
 */
describe('export for a legacy Periskop', () => {
  const procs = new Processes();
  let fleet: Fleet;
  let hubPort: number;

  beforeAll(async () => {
    fleet = await Fleet.start({ services: ['checkout'], targetsPerService: 3, seed: 5 });
    fleet.tick();
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(`${dir}/hub`, { hub_id: 'eu-hub' })));
    await procs.start('agent', 'agent', agentConfig('agent-x', [hubPort], { checkout: fleet.addresses('checkout') }));
    const expected = totalsText(fleet.expectedTotals());
    await pollUntil(async () => totalsText(await hubTotals(hubPort)), (t) => t === expected);
  });

  afterAll(async () => {
    await procs.cleanup();
    await fleet.close();
  });

  it('serves a service in the client wire format with fleet-wide cumulative totals', async () => {
    const body = ClientPayloadOutSchema.parse(await getJson(`http://127.0.0.1:${hubPort}/federate/checkout/errors`));
    const totals = new Map(body.aggregated_errors.map((a) => [a.aggregation_key, a.total_count]));
    expect(totals).toEqual(fleet.expectedTotals().get('checkout'));
    for (const a of body.aggregated_errors) expect(a.latest_errors.length).toBeLessThanOrEqual(10);
  });

  it('keeps the same target_uuid for a hub and service', async () => {
    const a = await getJson<{ target_uuid: string }>(`http://127.0.0.1:${hubPort}/federate/checkout/errors`);
    const b = await getJson<{ target_uuid: string }>(`http://127.0.0.1:${hubPort}/federate/checkout/errors`);
    expect(a.target_uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.target_uuid).toBe(a.target_uuid);
  });

  it('answers an unknown service with 404', async () => {
    const res = await fetch(`http://127.0.0.1:${hubPort}/federate/nope/errors`);
    expect(res.status).toBe(404);
  });

  it('can be scraped like any Periskop target, counts exact downstream', async () => {
    const dir = await procs.tempDir();
    const legacy = await startHub(procs, 'legacy', hubConfig(`${dir}/legacy`, { hub_id: 'legacy' }));
    const cfg = agentConfig('legacy-scraper', [legacy.port], { checkout: [`127.0.0.1:${hubPort}`] });
    const services = (cfg['agent'] as { services: { scraper: { endpoint: string } }[] }).services;
    for (const s of services) s.scraper.endpoint = '/federate/checkout/errors';
    await procs.start('agent', 'legacy-scraper', cfg);
    const expected = totalsText(fleet.expectedTotals());
    expect(await pollUntil(async () => totalsText(await hubTotals(legacy.port)), (t) => t === expected)).toBe(expected);
    fleet.tick();
    const later = totalsText(fleet.expectedTotals());
    expect(await pollUntil(async () => totalsText(await hubTotals(legacy.port)), (t) => t === later)).toBe(later);
  });
});
