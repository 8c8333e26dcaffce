//! Sending one e-mail: the [`Mailer`] trait, its SMTP adapter (lettre) and the development
//! adapter that writes mails to the log. Areas never call a mailer: they enqueue mails in the
//! outbox (`crate::outbox::enqueue_mail`), whose worker hands them to the mailer chosen at start.
//! What a mail says comes from its templates ([`MailTemplates`]).

mod templates;

use anyhow::Context;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use secrecy::ExposeSecret;

pub use self::templates::MailTemplates;
use crate::config::SmtpUrl;

/// A mail as an area writes it: one recipient, a subject, a text body and maybe an HTML one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient, e.g. `Jane Doe <jane@example.com>`.
    pub to: Mailbox,
    /// The subject line.
    pub subject: String,
    /// The plain-text body; every mail has one, with its links written out.
    pub text: String,
    /// The HTML alternative, if any.
    pub html: Option<String>,
}

/// Hands one mail to whatever delivers it. `Ok` means the mail was accepted and must not be
/// sent again; an error means it was not, and may be retried.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `mail`.
    async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()>;
}

/// Delivers through an SMTP server (`SMTP_URL`), one connection per mail: mails are rare next to
/// requests, so no pool is kept open.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// The mailer for `url`, sending as `from`.
    pub fn new(url: &SmtpUrl, from: Mailbox) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.0.expose_secret())
            // The error may quote the URL, password included: say only which variable it is.
            .map_err(|_| anyhow::anyhow!("SMTP_URL is not a valid smtp:// or smtps:// URL"))?
            .build();
        Ok(Self { transport, from })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()> {
        let builder = Message::builder()
            .from(self.from.clone())
            .to(mail.to.clone())
            .subject(&mail.subject);
        let message = match &mail.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                html.clone(),
            )),
            None => builder.body(mail.text.clone()),
        }
        .context("building the message")?;
        self.transport
            .send(message)
            .await
            .context("sending through SMTP")?;
        Ok(())
    }
}

/// The development default (no `SMTP_URL`): writes each mail to the log at info level, links
/// and all, and counts it as sent.
pub struct LogMailer;

#[async_trait::async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()> {
        tracing::info!(
            to = %mail.to,
            subject = %mail.subject,
            text = %mail.text,
            "mail (SMTP_URL is not set, so it is only logged)"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_smtp_url_is_refused_naming_the_variable_and_not_the_password() {
        let url = SmtpUrl(secrecy::SecretString::from(
            "smtp://user:hunter2@mail.example.com:notaport".to_owned(),
        ));

        let Err(error) = SmtpMailer::new(&url, "shop <noreply@localhost>".parse().unwrap()) else {
            panic!("a bad URL was accepted");
        };

        let message = format!("{error:#}");
        assert!(message.contains("SMTP_URL"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
