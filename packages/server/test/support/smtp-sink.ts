// A real SMTP server to send mail to in tests: the `smtp-server` package listening on loopback in
// the test's process. It speaks real SMTP (EHLO, AUTH, MAIL, RCPT, DATA) to nodemailer, needs no
// root or network namespace (as Debian's postfix or exim would), and hands over each message, which
// `mailparser` reads.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** The account the sink takes mail from. */
export const SINK_USER = 'parley';
export const SINK_PASSWORD = 'mail-secret';

/** A sink on a free loopback port that takes mail from `SINK_USER` and keeps each message parsed. */
export async function smtpSink() {
  const mails: ParsedMail[] = [];
  let wake = () => {};
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (auth.username === SINK_USER && auth.password === SINK_PASSWORD) cb(null, { user: auth.username });
      else cb(new Error('wrong credentials'));
    },
    onData(stream, _session, cb) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          wake();
          cb();
        },
        (err: Error) => cb(err),
      );
    },
    logger: false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  /** The next mail, waiting up to `ms` for it. */
  const next = async (ms = 30_000): Promise<ParsedMail> => {
    const deadline = Date.now() + ms;
    while (mails.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return mails.shift() as ParsedMail;
  };
  return { port, mails, next, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
