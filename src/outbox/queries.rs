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
    types::{Channel, Content, Message},
};
use crate::mail::OutgoingMail;

/// Writes `mail` to the outbox, due at once.
pub async fn insert_mail(
    db: &impl ConnectionTrait,
    mail: &OutgoingMail,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        channel: Set(Channel::Mail.as_str().to_owned()),
        recipient: Set(mail.to.to_string()),
        subject: Set(mail.subject.clone()),
        text_body: Set(mail.text.clone()),
        html_body: Set(mail.html.clone()),
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

/// Writes the deletion of the gateway token `sealed` holds to the outbox, due at once. The
/// sealed value goes in the body, which is blanked once the deletion is done.
pub async fn insert_gateway_token_deletion(
    db: &impl ConnectionTrait,
    sealed: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        channel: Set(Channel::GatewayTokenDeletion.as_str().to_owned()),
        recipient: Set("payment gateway".to_owned()),
        subject: Set("token deletion".to_owned()),
        text_body: Set(sealed.to_owned()),
        html_body: Set(None),
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
        .filter(Column::Channel.is_in([
            Channel::Mail.as_str(),
            Channel::GatewayTokenDeletion.as_str(),
        ]))
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
        let content = if row.channel == Channel::Mail.as_str() {
            row.recipient
                .parse()
                .map(|to| {
                    Content::Mail(OutgoingMail {
                        to,
                        subject: row.subject,
                        text: row.text_body,
                        html: row.html_body,
                    })
                })
                .map_err(|_| "the recipient is not a mailbox".to_owned())
        } else if row.channel == Channel::GatewayTokenDeletion.as_str() {
            Ok(Content::GatewayTokenDeletion(row.text_body))
        } else {
            Err(format!("unknown channel `{}`", row.channel))
        };
        Self {
            id: row.id,
            attempts: row.attempts,
            content,
        }
    }
}
