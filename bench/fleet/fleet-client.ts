import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { children } from '../harness/children.js';
import { cpuSeconds } from '../harness/proc-stat.js';
import { repoRoot } from '../harness/crowsnest.js';
import type { FleetMode, FleetSpec, FromFleet } from './fleet-protocol.js';

/**
 * The harness's handle on a fleet child process (fleet-server.ts, run from the build in dist/): its
 * targets' addresses, mode switches, its CPU (to show the fleet is not the bottleneck), and stop.
 */
export class FleetClient {
  private constructor(
    private readonly child: ChildProcess,
    readonly targets: readonly { readonly service: string; readonly address: string }[],
    /** Size of one target's body as first served. */
    readonly bodyBytes: number,
  ) {}

  static async start(spec: FleetSpec, timeoutMs = 120_000): Promise<FleetClient> {
    const child = children.track(fork(join(repoRoot(), 'dist', 'bench', 'fleet', 'fleet-server.js'), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const ready = await new Promise<Extract<FromFleet, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fleet did not start ${spec.targets} targets within ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (m: FromFleet) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve(m);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the fleet exited with code ${code}`));
      });
    });
    return new FleetClient(child, ready.targets, ready.bodyBytes);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  addresses(service: string): string[] {
    return this.targets.filter((t) => t.service === service).map((t) => t.address);
  }

  /** Switches every target's behaviour; resolves once the fleet applied it. */
  setMode(mode: FleetMode): Promise<void> {
    return new Promise((resolve) => {
      const onMessage = (m: FromFleet) => {
        if (m.type === 'mode' && m.mode === mode) {
          this.child.off('message', onMessage);
          resolve();
        }
      };
      this.child.on('message', onMessage);
      this.child.send({ type: 'mode', mode });
    });
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
