// docs/parley.doap (XEP-0453) and docs/xmpp.md's "Supported specifications" list the same RFCs
// and XEPs; each XEP in the DOAP names the version it implements and a status.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { parseFrame } from '../src/adapters/xmpp/xml/parser.js';

const docs = new URL('../../../docs/', import.meta.url);
const DOAP_NS = 'http://usefulinc.com/ns/doap#';
const XMPP_DOAP_NS = 'https://linkmauve.fr/ns/xmpp-doap#';
const STATUSES = ['complete', 'partial', 'planned', 'deprecated', 'removed', 'wontfix'];

/** The DOAP file as an element tree (parsed by the adapter's XML parser: no DTDs, no entities). */
function doap(): XmlElement {
  const text = readFileSync(new URL('parley.doap', docs), 'utf8')
    .replace(/^<\?xml[^>]*\?>\s*/, '')
    .replace(/<!--[\s\S]*?-->\s*/g, '');
  const event = parseFrame(text, { maxStanzaSize: 1_000_000, maxDepth: 16, maxAttributes: 8, maxChildren: 200 });
  assert.equal(event.kind, 'element');
  return (event as { element: XmlElement }).element;
}

/** The specifications of the table under "Supported specifications" in docs/xmpp.md. */
function documented(): { rfcs: string[]; xeps: string[] } {
  const md = readFileSync(new URL('xmpp.md', docs), 'utf8');
  const section = md.split(/^## /m).find((s) => s.startsWith('Supported specifications')) ?? '';
  const specs = section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Spec'))
    .map((line) => line.split('|')[1] ?? '');
  const all = (re: RegExp) => [...new Set(specs.flatMap((s) => [...s.matchAll(re)].map((m) => m[1] as string)))].sort();
  // `RFC 5802 / 7677` names two RFCs.
  return { rfcs: all(/(?:RFC |\/ )(\d{4})\b/g), xeps: all(/XEP-(\d{4})/g) };
}

test('the DOAP and docs/xmpp.md list the same RFCs and XEPs', () => {
  const project = doap().child('Project', DOAP_NS) ?? x('none');
  const implemented = project.elements('implements');
  const rfcs = implemented
    .map((i) => /rfc(\d+)$/.exec(i.attrs['rdf:resource'] ?? '')?.[1])
    .filter((r) => r !== undefined)
    .sort();
  const supported = implemented.map((i) => i.child('SupportedXep', XMPP_DOAP_NS)).filter((s) => s !== undefined);
  const xeps = supported.map((s) => /xep-(\d{4})\.html$/.exec(s.child('xep')?.attrs['rdf:resource'] ?? '')?.[1]).sort();
  const listed = documented();
  assert.ok(listed.xeps.length > 10, 'the table was found');
  assert.deepEqual(rfcs, listed.rfcs);
  assert.deepEqual(xeps, listed.xeps);
  for (const s of supported) {
    const xep = s.child('xep')?.attrs['rdf:resource'];
    assert.match(s.childText('version') ?? '', /^\d+\.\d+(\.\d+)?$/, `${xep}: a version`);
    assert.ok(STATUSES.includes(s.childText('status') ?? ''), `${xep}: a status`);
  }
});
