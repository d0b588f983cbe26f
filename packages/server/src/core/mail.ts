/** One plain-text mail to one recipient. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends mail (the composition root's SMTP transport, through the outbound policy). Rejects when
 * the mail was not accepted.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
