import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatNumberList, getPath, parseNumberList, setPath } from './settings-path.js';

test('settings paths: read, set, and remove (with the objects that become empty)', () => {
  const config = { url: 'https://crm.example.com', mapping: { id: 'id', name: 'name' } };
  assert.equal(getPath(config, 'mapping.name'), 'name');
  assert.equal(getPath(config, 'mapping.name.first'), undefined);
  assert.equal(getPath(config, 'paging.kind'), undefined);

  const paged = setPath(config, 'paging.kind', 'page');
  assert.deepEqual(paged, { ...config, paging: { kind: 'page' } });
  assert.deepEqual(
    config,
    { url: 'https://crm.example.com', mapping: { id: 'id', name: 'name' } },
    'not changed in place',
  );
  assert.deepEqual(setPath(paged, 'paging.kind', undefined), config, 'an emptied object goes');
  assert.deepEqual(setPath(config, 'mapping.name', undefined), {
    url: 'https://crm.example.com',
    mapping: { id: 'id' },
  });
  assert.deepEqual(setPath({ tls: 'x' }, 'tls.ca', 'PEM'), { tls: { ca: 'PEM' } }, 'a non-object is replaced');
  assert.deepEqual(setPath({}, 'startTls', false), { startTls: false }, 'false is a value');
});

test('number mappings as one line: field:type, a missing or unknown type is work', () => {
  assert.deepEqual(parseNumberList('phone:work, mobile:mobile ,fax: fax', 'path'), [
    { path: 'phone', type: 'work' },
    { path: 'mobile', type: 'mobile' },
    { path: 'fax', type: 'fax' },
  ]);
  assert.deepEqual(parseNumberList('tel', 'column'), [{ column: 'tel', type: 'work' }]);
  assert.deepEqual(parseNumberList('links.phone:main', 'path'), [{ path: 'links.phone:main', type: 'work' }]);
  assert.deepEqual(parseNumberList(' , ', 'path'), []);
  const list = [
    { column: 'tel', type: 'work' },
    { column: 'handy', type: 'mobile' },
  ];
  assert.equal(formatNumberList(list, 'column'), 'tel:work, handy:mobile');
  assert.deepEqual(parseNumberList(formatNumberList(list, 'column'), 'column'), list);
  assert.equal(formatNumberList(undefined, 'path'), '');
});
