import { TimeZone } from '@parley/api';
import { z } from 'zod';

/**
 * The `smtp` section: the mail server Parley sends through (missed-call mails; later voice mail and
 * fax). The connection goes through the outbound policy like every other (DESIGN §9): a relay on
 * loopback or a private address needs an `outbound.allow` entry.
 */
export const SmtpConfigSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:[\]_-]+$/, 'must be a host name or address')
      .optional()
      .describe('Mail server (submission or relay); without it Parley sends no mail'),
    port: z.number().int().min(1).max(65535).default(587).describe('Its port: 587 submission, 465 TLS, 25 relay'),
    security: z
      .enum(['starttls', 'tls', 'none'])
      .default('starttls')
      .describe(
        '`starttls`: require STARTTLS (RFC 3207) and a valid certificate; `tls`: TLS from the start (RFC 8314, port 465); `none`: plain text, only for a relay on the same host or network',
      ),
    user: z.string().min(1).max(255).optional().describe('SMTP AUTH user (RFC 4954); without it no AUTH'),
    password: z.string().min(1).max(1024).optional().describe('SMTP AUTH password'),
    from: z
      .string()
      .min(3)
      .max(320)
      .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an e-mail address')
      .optional()
      .describe('Sender address of the mails Parley sends'),
    fromName: z.string().min(1).max(100).default('Parley').describe('Sender name shown with `from`'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(30)
      .describe('How long connecting, the greeting and each reply may take'),
  })
  .prefault({});

/** The `journal` section: the call journal. */
export const JournalConfigSchema = z
  .strictObject({
    missedCallMail: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Mail each missed call to the user (if they have an e-mail address); needs `smtp.host` and `smtp.from`',
          ),
        language: z.enum(['en', 'de']).default('en').describe('Language of the mails'),
        timeZone: TimeZone.default('UTC').describe(
          'Time zone of the times in the mails (IANA name, e.g. Europe/Berlin)',
        ),
      })
      .prefault({}),
  })
  .prefault({});

/** Cross-section rules of mail: what turns mail on needs a server and a sender. */
export function checkMail(
  c: { smtp: z.output<typeof SmtpConfigSchema>; journal: z.output<typeof JournalConfigSchema> },
  ctx: z.RefinementCtx,
): void {
  if ((c.smtp.user === undefined) !== (c.smtp.password === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['smtp', 'password'],
      message: 'give both smtp.user and smtp.password, or neither',
    });
  }
  if (!c.journal.missedCallMail.enabled) return;
  if (c.smtp.host === undefined) {
    ctx.addIssue({ code: 'custom', path: ['smtp', 'host'], message: 'journal.missedCallMail needs an SMTP server' });
  }
  if (c.smtp.from === undefined) {
    ctx.addIssue({ code: 'custom', path: ['smtp', 'from'], message: 'journal.missedCallMail needs a sender address' });
  }
}
