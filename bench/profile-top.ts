// The functions a V8 CPU profile (node --cpu-prof, e.g. `npm run bench:sip -- --cpu-prof DIR`)
// spent most time in: self time and inclusive time (a function counted once per sample however
// deep it recurs), as shares of the whole profile, idle included.
//
//   node --import tsx bench/profile-top.ts FILE.cpuprofile [--top 40] [--match text]
//     [--from S] [--until S] (only the samples S seconds after the profile's start or later / before:
//     one workload of a long run) [--last S] (only the profile's last S seconds: a benchmark's
//     timed part, when the server stops right after it)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '40' },
    match: { type: 'string' },
    from: { type: 'string', default: '0' },
    until: { type: 'string', default: 'Infinity' },
    last: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile [--top N] [--match TEXT]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(packages|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

// Sample times (µs after the profile's start) are the sums of the deltas before them.
const length = profile.timeDeltas.reduce((a, b) => a + b, 0);
const from = values.last ? length - Number(values.last) * 1e6 : Number(values.from) * 1e6;
const until = Number(values.until) * 1e6;
let at = 0;
const sampled = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) {
  const us = profile.timeDeltas[i] ?? 0;
  at += us;
  if (at >= from && at < until) sampled.set(id, (sampled.get(id) ?? 0) + us);
}
const total = [...sampled.values()].reduce((a, b) => a + b, 0);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of sampled) {
  const leaf = byId.get(id) as ProfileNode;
  self.set(name(leaf), (self.get(name(leaf)) ?? 0) + us);
  const counted = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = name(byId.get(at) as ProfileNode);
    if (counted.has(key)) continue;
    counted.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}
const show = (title: string, times: Map<string, number>) => {
  process.stdout.write(`\n${title} (of ${(total / 1e6).toFixed(2)} s sampled)\n`);
  const rows = [...times].filter(([k]) => !values.match || k.includes(values.match)).sort((a, b) => b[1] - a[1]);
  for (const [k, us] of rows.slice(0, Number(values.top)))
    process.stdout.write(
      `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(6)} s  ${k}\n`,
    );
};
show('self time', self);
show('inclusive time', inclusive);
