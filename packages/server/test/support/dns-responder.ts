// A DNS server on loopback UDP for tests (RFC 1035 §4): answers SRV and A questions from a table
// (no answer for other types), NXDOMAIN for names it does not have. Point a node:dns Resolver at `server`.
import { createSocket } from 'node:dgram';

export interface DnsRecords {
  srv?: { priority: number; weight: number; port: number; target: string }[];
  a?: string[];
}

const TYPE = { A: 1, SRV: 33 } as const;

const encodeName = (name: string) =>
  Buffer.concat([
    ...name
      .replace(/\.$/, '')
      .split('.')
      .filter(Boolean)
      .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);

function readName(msg: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = at;
  for (let len = msg[i] ?? 0; len > 0; len = msg[i] ?? 0) {
    labels.push(msg.subarray(i + 1, i + 1 + len).toString());
    i += len + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function rdataOf(type: number, records: DnsRecords): Buffer[] {
  if (type === TYPE.SRV)
    return (records.srv ?? []).map((r) => {
      const head = Buffer.alloc(6);
      head.writeUInt16BE(r.priority, 0);
      head.writeUInt16BE(r.weight, 2);
      head.writeUInt16BE(r.port, 4);
      return Buffer.concat([head, encodeName(r.target)]);
    });
  if (type === TYPE.A) return (records.a ?? []).map((a) => Buffer.from(a.split('.').map(Number)));
  return [];
}

/** Starts the responder; `table` may be changed between questions. */
export async function startDnsResponder(table: Map<string, DnsRecords>) {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    const { name, end } = readName(msg, 12);
    const type = msg.readUInt16BE(end);
    const records = table.get(name);
    const answers = records ? rdataOf(type, records) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(records ? 0x8180 : 0x8183, 2); // a response, recursion available; NXDOMAIN without the name
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const question = msg.subarray(12, end + 4);
    const rrs = answers.map((rdata) => {
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // the question's name
      rr.writeUInt16BE(type, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([rr, rdata]);
    });
    socket.send(Buffer.concat([header, question, ...rrs]), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return { server: `127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
