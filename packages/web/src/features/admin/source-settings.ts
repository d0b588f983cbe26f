import type { DirectorySource } from '@parley/api';
import type { MessageKey } from '../../i18n/en';

import type { Config } from './settings-path';

export type SourceKind = DirectorySource['kind'];

/** One setting of a connector, edited as a form field; its value lives at `path` in the settings JSON. */
export interface SettingField {
  path: string;
  label: MessageKey;
  type: 'text' | 'textarea' | 'checkbox' | 'select' | 'number' | 'numbers';
  /** select: the values ('' for the connector's default). */
  options?: readonly string[];
  /** checkbox: the connector's default when the setting is absent. */
  default?: boolean;
  /** numbers: the key of the column or path in each entry of the list. */
  itemKey?: 'path' | 'column';
  placeholder?: string;
}

/** How the entries' fields come from the records, for the connectors that map them (SQL, HTTP). */
const mappingFields = (itemKey: 'path' | 'column'): SettingField[] => [
  { path: 'mapping.id', label: 'source.field.mapping.id', type: 'text' },
  { path: 'mapping.name', label: 'source.field.mapping.name', type: 'text' },
  { path: 'mapping.company', label: 'source.field.mapping.company', type: 'text' },
  { path: 'mapping.email', label: 'source.field.mapping.email', type: 'text' },
  { path: 'mapping.numbers', label: 'source.field.mapping.numbers', type: 'numbers', itemKey },
];

/** The settings of each connector that have a field (everything else: the JSON below the fields). */
export const settingFields: Record<SourceKind, SettingField[]> = {
  file: [
    { path: 'path', label: 'source.field.path', type: 'text', placeholder: '/srv/phonebook.csv' },
    { path: 'format', label: 'source.field.format', type: 'select', options: ['', 'csv', 'vcard'] },
    { path: 'delimiter', label: 'source.field.delimiter', type: 'select', options: ['', ',', ';', '\t', '|'] },
    {
      path: 'encoding',
      label: 'source.field.encoding',
      type: 'select',
      options: ['', 'utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le'],
    },
    { path: 'idColumn', label: 'source.field.idColumn', type: 'text' },
  ],
  ldap: [
    { path: 'url', label: 'source.field.url', type: 'text', placeholder: 'ldaps://ldap.example.com' },
    { path: 'startTls', label: 'source.field.startTls', type: 'checkbox', default: false },
    { path: 'tls.rejectUnauthorized', label: 'source.field.rejectUnauthorized', type: 'checkbox', default: true },
    { path: 'bindDn', label: 'source.field.bindDn', type: 'text', placeholder: 'cn=reader,dc=example,dc=com' },
    { path: 'baseDn', label: 'source.field.baseDn', type: 'text', placeholder: 'ou=people,dc=example,dc=com' },
    { path: 'filter', label: 'source.field.filter', type: 'text', placeholder: '(objectClass=person)' },
    { path: 'scope', label: 'source.field.scope', type: 'select', options: ['', 'sub', 'one', 'base'] },
    { path: 'idAttribute', label: 'source.field.idAttribute', type: 'text' },
  ],
  sql: [
    { path: 'url', label: 'source.field.url', type: 'text', placeholder: 'postgres://reader@db.example.com/crm' },
    { path: 'query', label: 'source.field.query', type: 'textarea' },
    ...mappingFields('column'),
    { path: 'incremental.column', label: 'source.field.incremental', type: 'text' },
  ],
  http: [
    { path: 'url', label: 'source.field.url', type: 'text', placeholder: 'https://crm.example.com/api/contacts' },
    { path: 'itemsPath', label: 'source.field.itemsPath', type: 'text', placeholder: 'data' },
    { path: 'totalPath', label: 'source.field.totalPath', type: 'text', placeholder: 'total' },
    {
      path: 'paging.kind',
      label: 'source.field.paging',
      type: 'select',
      options: ['', 'none', 'page', 'offset', 'cursor'],
    },
    { path: 'paging.pageSize', label: 'source.field.pageSize', type: 'number' },
    ...mappingFields('path'),
    { path: 'secretHeader', label: 'source.field.secretHeader', type: 'text', placeholder: 'Authorization' },
    {
      path: 'lookup.url',
      label: 'source.field.lookupUrl',
      type: 'text',
      placeholder: 'https://crm.example.com/api/lookup?number={e164}',
    },
  ],
};

/** What a new source of each kind starts with. */
export const templates: Record<SourceKind, Config> = {
  file: {},
  ldap: { url: '', baseDn: '' },
  sql: {
    url: '',
    query: 'SELECT id, name, company, phone FROM contacts',
    mapping: { id: 'id', name: 'name', company: 'company', numbers: [{ column: 'phone', type: 'work' }] },
  },
  http: {
    url: '',
    mapping: { id: 'id', name: 'name', numbers: [{ path: 'phone', type: 'work' }] },
  },
};

/** What the secret is called for each connector (file sources have none). */
export const secretLabels: Record<SourceKind, MessageKey | null> = {
  file: null,
  ldap: 'source.secret.ldap',
  sql: 'source.secret.sql',
  http: 'source.secret.http',
};
