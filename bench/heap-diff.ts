// What the JS heap holds per session: the difference of two V8 heap snapshots (e.g. those of
// `bench/xmpp.ts --heap-snapshots DIR`, at half and all the sessions) divided by the sessions
// between them, in bytes of self size per session, grouped by what a node is and what holds it
// (`array:(object properties) <- SaxesParser .properties`: the out-of-object property store of the
// parser). Through arrays, contexts and property stores the holder is the nearest object or
// function; weak edges are ignored.
//
//   node --max-old-space-size=4096 --import tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot \
//     --sessions 1100 [--top 60]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Self size and count per `what <- holder .edge`. */
function tally(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { node_fields: nf, node_types, edge_fields: ef, edge_types } = snap.snapshot.meta;
  const [types, edgeTypes] = [node_types[0], edge_types[0]];
  const [N, E] = [nf.length, ef.length];
  const [TYPE, NAME, SIZE, EDGES] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [
    number,
    number,
    number,
    number,
  ];
  const [ETYPE, ENAME, ETO] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / N;
  const type = (i: number) => types[nodes[i * N + TYPE] as number] as string;
  const owner = new Int32Array(count).fill(-1);
  const via: string[] = [];
  for (let i = 0, e = 0; i < count; i++) {
    for (let k = 0; k < (nodes[i * N + EDGES] as number); k++, e += E) {
      const et = edgeTypes[edges[e + ETYPE] as number];
      const to = (edges[e + ETO] as number) / N;
      if (et === 'weak' || owner[to] !== -1 || type(i) === 'synthetic') continue;
      owner[to] = i;
      via[to] = et === 'element' || et === 'hidden' ? `[${et}]` : (strings[edges[e + ENAME] as number] as string);
    }
  }
  const label = (i: number) => {
    const t = type(i);
    const name = (strings[nodes[i * N + NAME] as number] as string).slice(0, 50);
    if (t === 'object' || t === 'native') return name;
    if (t === 'closure') return `function ${name}`;
    return t.includes('string') ? 'string' : `${t}:${name}`;
  };
  const by = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < count; i++) {
    let key = label(i);
    let p = owner[i] as number;
    if (p >= 0) {
      let path = via[i] as string;
      for (let d = 0; d < 4 && p >= 0 && !['object', 'closure', 'native'].includes(type(p)); d++) {
        path = `${via[p]}.${path}`;
        p = owner[p] as number;
      }
      key += `  <-  ${p >= 0 ? label(p) : '?'} .${path}`;
    }
    const x = by.get(key) ?? { count: 0, size: 0 };
    x.count++;
    x.size += nodes[i * N + SIZE] as number;
    by.set(key, x);
  }
  return by;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { sessions: { type: 'string' }, top: { type: 'string', default: '60' } },
});
const [a, b] = positionals;
if (!a || !b || !values.sessions) throw new Error('usage: heap-diff.ts A.heapsnapshot B.heapsnapshot --sessions N');
const sessions = Number(values.sessions);
const [before, after] = [tally(a), tally(b)];
const none = { count: 0, size: 0 };
const rows = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
  const [o, x] = [before.get(key) ?? none, after.get(key) ?? none];
  return { key, count: (x.count - o.count) / sessions, size: (x.size - o.size) / sessions };
});
const total = rows.reduce((sum, r) => sum + r.size, 0);
console.log(`${total.toFixed(0)} bytes of JS heap (self size) per session\n`);
console.log('| bytes/session | nodes/session | what <- held by |\n|---|---|---|');
for (const r of rows.sort((x, y) => y.size - x.size).slice(0, Number(values.top))) {
  console.log(`| ${r.size.toFixed(0)} | ${r.count.toFixed(2)} | \`${r.key}\` |`);
}
