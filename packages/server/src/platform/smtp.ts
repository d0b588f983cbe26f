// Sending mail over SMTP (RFC 5321) with nodemailer, through the outbound policy: the server's
// name is resolved and checked here and nodemailer connects to the checked address (its TLS still
// verifies the certificate against the name).
import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import type { Mailer, MailMessage } from '../core/mail.js';
import type { Config } from './config/schema.js';
import type { OutboundPolicy } from './outbound.js';

export type SmtpOptions = Config['smtp'] & { host: string; from: string };

/** A fresh SMTP connection per mail (missed calls are few; nothing idles between them). */
export class SmtpMailer implements Mailer {
  constructor(
    private readonly o: SmtpOptions,
    private readonly outbound: OutboundPolicy,
  ) {}

  async send(m: MailMessage): Promise<void> {
    const { o } = this;
    const bare = o.host.replace(/^\[(.*)\]$/, '$1');
    const [address] = await this.outbound.resolve(bare);
    const ms = o.timeoutSeconds * 1000;
    const transport = createTransport({
      host: address?.address,
      port: o.port,
      secure: o.security === 'tls',
      requireTLS: o.security === 'starttls',
      ignoreTLS: o.security === 'none',
      // The certificate is checked against the configured name, not the address connected to.
      ...(isIP(bare) === 0 && { servername: bare }),
      ...(o.user !== undefined && { auth: { user: o.user, pass: o.password ?? '' } }),
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      await transport.sendMail({
        from: { name: o.fromName, address: o.from },
        to: m.to,
        subject: m.subject,
        text: m.text,
      });
    } finally {
      transport.close();
    }
  }
}
