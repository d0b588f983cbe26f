import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './load.js';

const load = (overrides: Record<string, unknown>) => loadConfig({ env: {}, overrides });
const problems = (overrides: Record<string, unknown>) => {
  try {
    load(overrides);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
};

test('missed-call mail is off by default and needs a server and a sender when turned on', () => {
  const c = load({});
  assert.equal(c.journal.missedCallMail.enabled, false);
  assert.equal(c.smtp.host, undefined);
  assert.equal(c.smtp.security, 'starttls');
  const message = problems({ 'journal.missedCallMail.enabled': true });
  assert.match(message, /smtp\.host/);
  assert.match(message, /smtp\.from/);
  assert.equal(
    problems({ 'journal.missedCallMail.enabled': true, 'smtp.host': 'mail.example', 'smtp.from': 'p@example.com' }),
    '',
  );
});

test('SMTP AUTH needs both user and password; a bad sender or time zone is refused', () => {
  assert.match(problems({ 'smtp.user': 'parley' }), /smtp\.password/);
  assert.match(problems({ 'smtp.from': 'not an address' }), /smtp\.from/);
  assert.match(problems({ 'journal.missedCallMail.timeZone': 'Mars/Olympus' }), /timeZone/);
});
