//! The `outbox` table (see `migrations::m0008_outbox`). Never leaves the area: the worker reads
//! rows as [`super::types::Message`].

use sea_orm::entity::prelude::*;

/// One message waiting to be sent, or sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Primary key; also the sending order.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `mail`, `sms` or `gateway_token`.
    pub channel: String,
    /// Where it goes: a mailbox for mails, an E.164 number for text messages.
    pub recipient: String,
    /// Subject line (`""` for text messages).
    pub subject: String,
    /// Plain-text body, a text message's text, or the sealed token of a gateway deletion.
    pub text_body: String,
    /// HTML body, if any.
    pub html_body: Option<String>,
    /// When the change that caused it was committed.
    pub created_at: DateTimeUtc,
    /// Attempts so far, counted when a worker claims it.
    pub attempts: i32,
    /// Not sent before this.
    pub next_attempt_at: DateTimeUtc,
    /// A worker's lease: nobody else takes it before this.
    pub claimed_until: Option<DateTimeUtc>,
    /// When the server accepted it; `None` while unsent.
    pub sent_at: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The outbox's memory of recent mails by purpose and address (migration m0009).
pub mod throttle {
    use sea_orm::entity::prelude::*;

    /// When a mail of one purpose last went to one address.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_throttle")]
    pub struct Model {
        /// `<purpose>:<sha-256 hex of the lower-cased address>`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        /// When that mail was enqueued.
        pub last_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
