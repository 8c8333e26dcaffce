//! What the outbox holds: the channel a message leaves by, and a claimed message.

use crate::mail::OutgoingMail;

/// How a message leaves. Stored as its name in the `channel` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// An e-mail, through the [`crate::mail::Mailer`].
    Mail,
    /// A saved card's token to delete at the payment gateway (`crate::cards`); the row holds
    /// the token sealed as the card did, never in the clear.
    GatewayTokenDeletion,
}

impl Channel {
    /// The column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::GatewayTokenDeletion => "gateway_token_deletion",
        }
    }
}

/// What a message asks to be done.
#[derive(Clone, Debug)]
pub enum Content {
    /// Send this mail.
    Mail(OutgoingMail),
    /// Delete the gateway token this sealed value holds.
    GatewayTokenDeletion(String),
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
    pub content: Result<Content, String>,
}
