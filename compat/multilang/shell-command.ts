import type { Conf } from '../component/config.ts';

/**
 * What ShellBolt and ShellSpout share as Storm declares it on both: the subprocess command, its
 * extra environment, and whether it starts in the topology's resources folder.
 */
export abstract class ShellCommand {
  protected command: string[];
  protected env: Record<string, string> = {};
  protected changeDirectory = true;

  constructor(...command: Array<string | readonly string[]>) {
    // `new ShellBolt('python3', 'split.py')` or `new ShellBolt(['python3', 'split.py'])`.
    this.command =
      command.length === 1 && Array.isArray(command[0])
        ? [...(command[0] as string[])]
        : (command as string[]).map(String);
  }

  setEnv(env: Record<string, string> | Map<string, string>): this {
    this.env = env instanceof Map ? Object.fromEntries(env) : { ...env };
    return this;
  }

  shouldChangeChildCWD(): boolean {
    return this.changeDirectory;
  }

  changeChildCWD(changeDirectory: boolean): void {
    this.changeDirectory = changeDirectory;
  }

  getCommand(): string[] {
    return [...this.command];
  }

  getComponentConfiguration(): Conf | null {
    return null;
  }
}
