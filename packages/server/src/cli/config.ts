import type { Command } from 'commander';
import { loadConfig, readConfigFile } from '../platform/config/load.js';
import { type Cli, envOption } from './kit.js';

/** `parley config check|show`: the configuration as the server would see it. */
export function configCommands(program: Command, cli: Cli): void {
  const config = program.command('config').description('Check configuration files');
  config
    .command('check')
    .description('Validate a YAML configuration file (with the environment applied) and exit')
    .argument('<file>', 'the file to check')
    .action((file: string) => {
      readConfigFile(file);
      loadConfig({ file, env: cli.io.env });
      cli.print(`${file}: ok`);
    });
  config
    .command('show')
    .description('Print the effective configuration as JSON (defaults, file, environment)')
    .addOption(envOption('-c, --config <file>', 'YAML configuration file', 'PARLEY_CONFIG'))
    .action((flags: { config?: string }) => {
      cli.print(JSON.stringify(loadConfig({ file: flags.config, env: cli.io.env }), null, 2));
    });
}
