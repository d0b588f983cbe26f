import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SINK_PASSWORD, SINK_USER, smtpSink } from '../../test/support/smtp-sink.js';
import { OutboundPolicy, OutboundRefusedError } from './outbound.js';
import { SmtpMailer, type SmtpOptions } from './smtp.js';

let sink: Awaited<ReturnType<typeof smtpSink>>;
let options: SmtpOptions;
before(async () => {
  sink = await smtpSink();
  options = {
    host: '127.0.0.1',
    port: sink.port,
    security: 'none',
    user: SINK_USER,
    password: SINK_PASSWORD,
    from: 'parley@smtp.test',
    fromName: 'Parley',
    timeoutSeconds: 10,
  };
});
after(() => sink.close());

const message = { to: 'anna@smtp.test', subject: 'Ümlaut subject', text: 'Zeile 1\nZeile 2\n' };

test('a mail reaches the SMTP server with sender, recipient, subject and text', async () => {
  await new SmtpMailer(options, new OutboundPolicy(['127.0.0.1'])).send(message);
  const mail = await sink.next();
  assert.deepEqual(mail.from?.value, [{ name: 'Parley', address: 'parley@smtp.test' }]);
  assert.equal(mail.subject, 'Ümlaut subject');
  assert.equal(mail.text, 'Zeile 1\nZeile 2\n');
});

test('the outbound policy refuses a loopback server it does not allow; nothing is sent', async () => {
  await assert.rejects(new SmtpMailer(options, new OutboundPolicy([])).send(message), OutboundRefusedError);
  assert.equal(sink.mails.length, 0);
});

test('wrong credentials: the mail is refused', async () => {
  await assert.rejects(
    new SmtpMailer({ ...options, password: 'guess' }, new OutboundPolicy(['127.0.0.1'])).send(message),
    /auth|credentials|535/i,
  );
  assert.equal(sink.mails.length, 0);
});

test('`starttls` insists on TLS: a server without STARTTLS gets no mail', async () => {
  await assert.rejects(
    new SmtpMailer({ ...options, security: 'starttls' }, new OutboundPolicy(['127.0.0.1'])).send(message),
    /STARTTLS/i,
  );
  assert.equal(sink.mails.length, 0);
});
