import { CreateDeviceRequest, Extension } from '@parley/api';
import type { Command } from 'commander';
import { deviceView } from '../adapters/views/devices.js';
import type { Services } from '../compose.js';
import type { Device } from '../core/devices/model.js';
import { notFound } from '../core/errors.js';
import type { User } from '../core/users/model.js';
import { arg, type Cli, type CommonFlags, resolveUser, table, withCommon } from './kit.js';

type JsonFlags = CommonFlags & { json?: boolean };

/** A device of the user by its id or its SIP user name. */
async function findDevice(core: Services, user: User, ref: string): Promise<Device> {
  const device = (await core.devices.list(user.tenantId, user.id)).find((d) => d.id === ref || d.username === ref);
  if (!device) throw notFound(`device ${ref} of ${user.local}@${user.domain}`);
  return device;
}

/** The extension of the device's line; null when it rings for all its owner's lines. */
async function lineOf(core: Services, device: Device): Promise<string | null> {
  return device.lineId === null ? null : (await core.lines.get(device.tenantId, device.lineId)).number;
}

/** What a phone needs, printed once: as JSON (`--json`) or as lines. */
function printSecret(
  cli: Cli,
  user: User,
  secret: { device: Device; password: string; line: string | null },
  json: boolean | undefined,
) {
  const { device, password, line } = secret;
  const aor = `sip:${user.local}@${user.domain}`;
  if (json) return cli.print(JSON.stringify({ aor, username: device.username, password, realm: device.realm, line }));
  cli.print(`aor: ${aor}\nusername: ${device.username}\nrealm: ${device.realm}\npassword: ${password}`);
  cli.print(`line: ${line ?? 'all lines of the user'}`);
  cli.print('(the password is shown only now; `parley device rotate` makes a new one)');
}

/**
 * `parley device add|list|rotate|remove`: a user's SIP devices, each with its own generated
 * secret (never the login password), printed once.
 */
export function deviceCommands(program: Command, cli: Cli): void {
  const device = program.command('device').description("Manage users' SIP devices and their generated secrets");
  withCommon(device.command('add').description('Add a SIP device; prints its generated password once'))
    .argument('<address>', 'user@domain')
    .option('--name <name>', 'what the device is, e.g. "Desk phone"', 'SIP device')
    .option('--line <number>', "one of the user's lines: the device rings for it only (default: for all of them)")
    .option('--json', 'print {aor, username, password, realm, line} as JSON')
    .action(async (address: string, flags: JsonFlags & { name: string; line?: string }) => {
      const name = arg(CreateDeviceRequest.shape.name, flags.name, 'name');
      const line = flags.line === undefined ? undefined : arg(Extension, flags.line, 'line');
      const { user, created } = await cli.withCore(flags, async (core) => {
        const user = await resolveUser(core, address);
        const created = await core.devices.create(user.tenantId, user.id, { name, line });
        return { user, created: { ...created, line: line ?? null } };
      });
      if (!flags.json) cli.print(`device "${created.device.name}" added for ${address}`);
      printSecret(cli, user, created, flags.json);
    });
  withCommon(device.command('list').description("A user's SIP devices (never their secrets)"))
    .argument('<address>', 'user@domain')
    .option('--json', 'print JSON (as GET /api/v1/admin/users/:id/devices)')
    .action(async (address: string, flags: JsonFlags) => {
      const { devices, lines } = await cli.withCore(flags, async (core) => {
        const user = await resolveUser(core, address);
        const lines = new Map((await core.lines.ofUser(user.tenantId, user.id)).map((l) => [l.id, l.number]));
        return { devices: (await core.devices.list(user.tenantId, user.id)).map(deviceView), lines };
      });
      if (flags.json) return cli.print(JSON.stringify({ devices }, null, 2));
      cli.print(
        table([
          ['NAME', 'USERNAME', 'REALM', 'LINE', 'CREATED', 'ROTATED', 'ID'],
          ...devices.map((d) => [
            d.name,
            d.username,
            d.realm,
            d.lineId === null ? 'all' : (lines.get(d.lineId) ?? '-'),
            d.createdAt,
            d.rotatedAt ?? '-',
            d.id,
          ]),
        ]),
      );
    });
  withCommon(
    device.command('rotate').description('Give a device a new password, printed once; the old one stops working'),
  )
    .argument('<address>', 'user@domain')
    .argument('<device>', 'the device id or SIP user name')
    .option('--json', 'print {aor, username, password, realm, line} as JSON')
    .action(async (address: string, ref: string, flags: JsonFlags) => {
      const { user, rotated } = await cli.withCore(flags, async (core) => {
        const user = await resolveUser(core, address);
        const d = await findDevice(core, user, ref);
        const rotated = await core.devices.rotate(user.tenantId, user.id, d.id);
        return { user, rotated: { ...rotated, line: await lineOf(core, rotated.device) } };
      });
      if (!flags.json) cli.print(`device ${rotated.device.username} has a new password`);
      printSecret(cli, user, rotated, flags.json);
    });
  withCommon(device.command('remove').description('Remove a SIP device'))
    .argument('<address>', 'user@domain')
    .argument('<device>', 'the device id or SIP user name')
    .action(async (address: string, ref: string, flags: CommonFlags) => {
      const removed = await cli.withCore(flags, async (core) => {
        const user = await resolveUser(core, address);
        const d = await findDevice(core, user, ref);
        await core.devices.remove(user.tenantId, user.id, d.id);
        return d;
      });
      cli.print(`device ${removed.username} of ${address} removed`);
    });
}
