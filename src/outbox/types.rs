//! What the outbox holds: the channel a message leaves by, what it carries, and a claimed
//! message.

use crate::{mail::OutgoingMail, sms::OutgoingSms};

/// How a message leaves. Stored as its name in the `channel` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// An e-mail, through the [`crate::mail::Mailer`].
    Mail,
    /// A text message, through the [`crate::sms::SmsSender`].
    Sms,
    /// A saved card's token to delete at the payment gateway (`crate::cards`); the row holds
    /// the token sealed as the card did, never in the clear.
    GatewayTokenDeletion,
}

impl Channel {
    /// Every channel this version sends.
    pub const ALL: [Self; 3] = [Self::Mail, Self::Sms, Self::GatewayTokenDeletion];

    /// The column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::Sms => "sms",
            // The column holds 16 characters (m0008).
            Self::GatewayTokenDeletion => "gateway_token",
        }
    }

    /// The channel named `stored`, if this version knows it.
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.as_str() == stored)
    }
}

/// A message to send, by its channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// An e-mail.
    Mail(OutgoingMail),
    /// A text message.
    Sms(OutgoingSms),
    /// The deletion of the gateway token this sealed value holds.
    GatewayTokenDeletion(String),
}

impl Outgoing {
    /// The channel it leaves by.
    pub fn channel(&self) -> Channel {
        match self {
            Self::Mail(_) => Channel::Mail,
            Self::Sms(_) => Channel::Sms,
            Self::GatewayTokenDeletion(_) => Channel::GatewayTokenDeletion,
        }
    }
}

/// A message a worker has claimed, ready to send.
#[derive(Clone, Debug)]
pub struct Message {
    /// The row.
    pub id: i64,
    /// Attempts including this one.
    pub attempts: i32,
    /// What to send, or why the row cannot be read back as a message (an unknown channel,
    /// a recipient that no longer parses), which is a failure of its own.
    pub content: Result<Outgoing, String>,
}
