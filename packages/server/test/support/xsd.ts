// XML Schema validation for rendered bodies (libxml2 compiled to WebAssembly: no system xmllint needed).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

const dir = join(import.meta.dirname, '../fixtures/simple/xsd');
const schemas = readdirSync(dir)
  .filter((f) => f.endsWith('.xsd'))
  .map((fileName) => ({ fileName, contents: readFileSync(join(dir, fileName), 'utf8') }));

/** The schema errors of `xml` against `schema` (a file of test/fixtures/simple/xsd, its imports preloaded); [] when valid. */
export async function xsdErrors(xml: string, schema: 'presence-all.xsd' | 'dialog-info.xsd'): Promise<string[]> {
  const main = schemas.find((s) => s.fileName === schema);
  if (!main) throw new Error(`no schema ${schema}`);
  const r = await validateXML({
    xml: { fileName: 'body.xml', contents: xml },
    schema: main,
    preload: schemas.filter((s) => s !== main),
  });
  return r.errors.map((e) => e.rawMessage);
}
