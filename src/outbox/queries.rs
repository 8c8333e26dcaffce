//! Every read and write of the outbox: enqueue, throttle, claim, mark sent, mark failed, purge.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
    sea_query::{Condition, Expr, ExprTrait, OnConflict},
};

use super::{
    entity::{self, Column, Entity, throttle},
    types::{Channel, Message, Outgoing},
};
use crate::{mail::OutgoingMail, sms::OutgoingSms};

/// Writes `outgoing` to the outbox, due at once.
pub async fn insert(
    db: &impl ConnectionTrait,
    outgoing: &Outgoing,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // A text message has no subject and one body, kept where a mail keeps its text.
    let (recipient, subject, text_body, html_body) = match outgoing {
        Outgoing::Mail(mail) => (
            mail.to.to_string(),
            mail.subject.clone(),
            mail.text.clone(),
            mail.html.clone(),
        ),
        Outgoing::Sms(sms) => (
            sms.to.e164().to_owned(),
            String::new(),
            sms.text.clone(),
            None,
        ),
        // The sealed token goes in the body, which is blanked once the deletion is done.
        Outgoing::GatewayTokenDeletion(sealed) => (
            "payment gateway".to_owned(),
            "token deletion".to_owned(),
            sealed.clone(),
            None,
        ),
    };
    let row = entity::ActiveModel {
        channel: Set(outgoing.channel().as_str().to_owned()),
        recipient: Set(recipient),
        subject: Set(subject),
        text_body: Set(text_body),
        html_body: Set(html_body),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    };
    Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// Notes that a mail under `key` goes out at `now`, unless one went out after `cutoff`; whether
/// it may. One statement (an upsert whose update applies only to an old entry), so two requests
/// at once cannot both pass: on PostgreSQL the second waits for the first's row and then finds
/// it recent.
pub async fn pass_throttle(
    db: &impl ConnectionTrait,
    key: String,
    now: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let entry = throttle::ActiveModel {
        key: Set(key),
        last_at: Set(now),
    };
    let written = throttle::Entity::insert(entry)
        .on_conflict(
            OnConflict::column(throttle::Column::Key)
                .update_column(throttle::Column::LastAt)
                .action_and_where(
                    Expr::col((throttle::Entity, throttle::Column::LastAt)).lte(cutoff),
                )
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(written > 0)
}

/// Deletes throttle entries older than `cutoff`, and the sent messages sent before it.
pub async fn purge(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let entries = throttle::Entity::delete_many()
        .filter(throttle::Column::LastAt.lt(cutoff))
        .exec(db)
        .await?;
    let sent = Entity::delete_many()
        .filter(Column::SentAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(entries.rows_affected + sent.rows_affected)
}

/// Rows no worker holds at `now`: never claimed, or their lease ran out.
fn unclaimed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Column::ClaimedUntil.is_null())
        .add(Column::ClaimedUntil.lt(now))
}

/// Claims the oldest due, unsent message for `lease_until`, counting the attempt; `None` when
/// nothing is due. One statement, so two workers cannot take the same row: on PostgreSQL the
/// second waits for the first's row lock and then re-checks the lease condition, which now
/// fails; SQLite has one writer.
pub async fn claim_next(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Message>, DbErr> {
    let due = Entity::find()
        .select_only()
        .column(Column::Id)
        // Only what this worker can send: a later version's channels wait for their worker.
        .filter(Column::Channel.is_in(Channel::ALL.map(Channel::as_str)))
        .filter(Column::SentAt.is_null())
        .filter(Column::NextAttemptAt.lte(now))
        .filter(unclaimed(now))
        .order_by_asc(Column::Id)
        .limit(1)
        .into_query();
    let rows = Entity::update_many()
        .col_expr(Column::ClaimedUntil, Expr::value(lease_until))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .filter(Column::Id.in_subquery(due))
        .filter(Column::SentAt.is_null())
        .filter(unclaimed(now))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next().map(Message::from))
}

/// Marks message `id` sent at `now` and lets go of it. Its bodies are blanked: they may hold
/// one-time links, which must not sit in the database once delivered.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::SentAt, Expr::value(now))
        .col_expr(Column::TextBody, Expr::value(String::new()))
        .col_expr(Column::HtmlBody, Expr::value(Option::<String>::None))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt at message `id`: `error` kept, next try at `retry_at`, the lease
/// let go.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: i64,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::NextAttemptAt, Expr::value(retry_at))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(error.to_owned()))
        .filter(Column::Id.eq(id))
        .filter(Column::SentAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

impl From<entity::Model> for Message {
    fn from(row: entity::Model) -> Self {
        let content = match Channel::parse(&row.channel) {
            Some(Channel::Mail) => row
                .recipient
                .parse()
                .map(|to| {
                    Outgoing::Mail(OutgoingMail {
                        to,
                        subject: row.subject,
                        text: row.text_body,
                        html: row.html_body,
                    })
                })
                .map_err(|_| "the recipient is not a mailbox".to_owned()),
            Some(Channel::Sms) => row
                .recipient
                .parse()
                .map(|to| {
                    Outgoing::Sms(OutgoingSms {
                        to,
                        text: row.text_body,
                    })
                })
                .map_err(|_| "the recipient is not a phone number".to_owned()),
            Some(Channel::GatewayTokenDeletion) => {
                Ok(Outgoing::GatewayTokenDeletion(row.text_body))
            }
            None => Err(format!("unknown channel `{}`", row.channel)),
        };
        Self {
            id: row.id,
            attempts: row.attempts,
            content,
        }
    }
}
