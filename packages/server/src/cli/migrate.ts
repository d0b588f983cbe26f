import type { Command } from 'commander';
import { type Cli, type CommonFlags, withCommon } from './kit.js';

/** `parley migrate`: opening the core applies pending migrations. */
export function migrateCommands(program: Command, cli: Cli): void {
  withCommon(program.command('migrate').description('Apply pending database migrations and exit')).action(
    async (flags: CommonFlags) => {
      await cli.withCore(flags, async () => undefined);
      cli.print('database is up to date');
    },
  );
}
