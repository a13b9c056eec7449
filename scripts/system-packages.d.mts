/** A Debian package the tests start, and how to tell it is installed. */
export interface SystemPackage {
  name: string;
  needed_by: string;
  file?: string;
  command?: string;
  env?: string;
}
export interface Probe {
  file(path: string): boolean;
  command(name: string): boolean;
  env: Record<string, string | undefined>;
}
export type SetupPlan =
  | { action: 'none' }
  | { action: 'install'; commands: string[][] }
  | { action: 'stop'; message: string };

export declare const SYSTEM_PACKAGES: SystemPackage[];
export declare function missingPackages(packages: SystemPackage[], probe: Probe): string[];
export declare function installCommands(names: string[], who: { root: boolean }): string[][];
export declare function planSetup(situation: { missing: string[]; root: boolean; sudo: boolean; aptGet: boolean }): SetupPlan;
