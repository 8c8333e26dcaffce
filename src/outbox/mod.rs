//! The transactional outbox: the one way side effects (mails, saved cards' token deletions at
//! the payment gateway; SMS and support notices later) leave the server. An area writes the message with [`enqueue_mail`] inside the write
//! transaction of the change that causes it, so both are committed or neither is; the worker
//! ([`spawn_worker`]) sends what is due. No endpoints.
//!
//! Guarantees: a message survives an SMTP outage and a restart (it is a row until sent); one
//! accepted by the server is marked sent at once, so it is not sent again; a worker claims a row
//! with a lease in one statement, so two instances on one database never send the same one. A
//! crash between the server's acceptance and the mark is the one case that sends twice, once
//! the lease runs out: at-least-once, as every outbox short of a two-phase commit with SMTP.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};

use self::types::Content;
pub use crate::mail::OutgoingMail;
use crate::{
    cards::GatewayTokenDeletions, clock::Clock, db::Database, mail::Mailer, tasks::BackgroundTasks,
};

mod entity;
mod queries;
mod types;

/// How long a claimed message is a worker's alone: longer than an SMTP exchange may take
/// (lettre gives up after 60 s), so a live worker never loses its claim mid-send, and short
/// enough that a crashed one's messages go out again within minutes.
const LEASE: Duration = Duration::from_secs(300);

/// The longest wait between two attempts at one message.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Most messages one run sends, so a long queue does not keep the run from noticing a stop.
const BATCH: usize = 100;

/// The longest `last_error` kept; SMTP replies can be long, the table need not be.
const MAX_ERROR_CHARS: usize = 500;

/// Writes `mail` to the outbox on `db`, due at once. Call it on the write transaction of the
/// change that causes the mail: it is sent only if that transaction commits.
pub async fn enqueue_mail(
    db: &impl ConnectionTrait,
    mail: &OutgoingMail,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    queries::insert_mail(db, mail, now).await
}

/// Writes the deletion at the payment gateway of the token `sealed` holds (sealed by the cards
/// area, which alone opens it) to the outbox on `db`, due at once; like [`enqueue_mail`], call
/// it on the write transaction of the change that causes it.
pub async fn enqueue_gateway_token_deletion(
    db: &impl ConnectionTrait,
    sealed: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    queries::insert_gateway_token_deletion(db, sealed, now).await
}

/// Like [`enqueue_mail`], unless a mail of the same `purpose` (`password_reset`, …) went to the
/// same address less than `period` ago; whether it was written. A request anyone can repeat
/// (a password reset for any address) must not be able to flood a mailbox: the caller answers
/// the same either way.
pub async fn enqueue_mail_at_most_every(
    db: &impl ConnectionTrait,
    purpose: &str,
    mail: &OutgoingMail,
    now: DateTime<Utc>,
    period: Duration,
) -> Result<bool, DbErr> {
    let address = mail.to.email.to_string();
    if !pass_throttle(db, purpose, &address, now, period).await? {
        return Ok(false);
    }
    queries::insert_mail(db, mail, now).await?;
    Ok(true)
}

/// The throttle of [`enqueue_mail_at_most_every`] alone: notes a mail of `purpose` to `address`
/// at `now` unless one was noted less than `period` ago; whether it was. For a caller that must
/// do the same work whether or not it then has a mail to send (a password reset for an unknown
/// address must not answer faster than one for a customer), and that enqueues with
/// [`enqueue_mail`] when this passes.
pub async fn pass_throttle(
    db: &impl ConnectionTrait,
    purpose: &str,
    address: &str,
    now: DateTime<Utc>,
    period: Duration,
) -> Result<bool, DbErr> {
    let address = address.to_lowercase();
    let key = format!("{purpose}:{}", hex::encode(Sha256::digest(address)));
    let cutoff = now - chrono::Duration::from_std(period).unwrap_or(chrono::Duration::MAX);
    queries::pass_throttle(db, key, now, cutoff).await
}

/// How long sent messages (their recipient and subject: a sending log for operators) and
/// throttle entries are kept. Longer than any throttle period.
const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How often the purge of old entries runs.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// Sends due messages every `interval` until the tasks stop; purges old entries hourly.
pub fn spawn_worker(
    tasks: &BackgroundTasks,
    db: Database,
    mailer: Arc<dyn Mailer>,
    token_deletions: GatewayTokenDeletions,
    clock: Clock,
    interval: Duration,
) {
    let (purge_db, purge_clock) = (db.clone(), clock.clone());
    tasks.every("outbox", interval, move || {
        let (db, mailer, clock) = (db.clone(), mailer.clone(), clock.clone());
        let token_deletions = token_deletions.clone();
        async move {
            if let Err(error) = send_due(&db, mailer.as_ref(), &token_deletions, &clock).await {
                tracing::warn!(error = ?error, "the outbox could not be read");
            }
        }
    });
    tasks.every("outbox purge", PURGE_INTERVAL, move || {
        let (db, clock) = (purge_db.clone(), purge_clock.clone());
        async move {
            match purge(&db, clock.now()).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "purged old outbox entries"),
                Err(error) => tracing::warn!(error = ?error, "purging the outbox failed"),
            }
        }
    });
}

/// Deletes what is older than [`RETENTION`] at `now`; how many rows.
async fn purge(db: &Database, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cutoff = now - chrono::Duration::from_std(RETENTION).unwrap_or_default();
    let transaction = db.write().await?;
    let count = queries::purge(&transaction, cutoff).await?;
    transaction.commit().await?;
    Ok(count)
}

/// Sends the messages due now, one at a time, up to [`BATCH`].
async fn send_due(
    db: &Database,
    mailer: &dyn Mailer,
    token_deletions: &GatewayTokenDeletions,
    clock: &Clock,
) -> Result<(), DbErr> {
    for _ in 0..BATCH {
        let now = clock.now();
        let Some(message) = queries::claim_next(&db.write_one(), now, now + LEASE).await? else {
            return Ok(());
        };
        let sent = match &message.content {
            Ok(Content::Mail(mail)) => mailer.send(mail).await,
            Ok(Content::GatewayTokenDeletion(sealed)) => token_deletions.delete(sealed).await,
            Err(unreadable) => Err(anyhow::anyhow!("{unreadable}")),
        }
        .map_err(|error| format!("{error:#}"));
        let now = clock.now();
        match sent {
            // Marked before anything else, so an accepted message is not sent again.
            Ok(()) => queries::mark_sent(&db.write_one(), message.id, now).await?,
            Err(error) => {
                let retry_at = now + backoff(message.attempts);
                tracing::warn!(
                    id = message.id,
                    attempts = message.attempts,
                    %retry_at,
                    error = %error,
                    "a message could not be sent; it will be retried"
                );
                let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
                queries::mark_failed(&db.write_one(), message.id, &error, retry_at).await?;
            }
        }
    }
    Ok(())
}

/// The wait after the `attempts`-th failed attempt: 2, 4, 8 … seconds, at most [`MAX_BACKOFF`].
fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 12)).unwrap_or(12);
    Duration::from_secs(2u64.pow(exponent)).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_two_seconds_up_to_an_hour() {
        let waits: Vec<u64> = [1, 2, 3, 11, 12, 40]
            .into_iter()
            .map(|attempts| backoff(attempts).as_secs())
            .collect();

        assert_eq!(waits, [2, 4, 8, 2048, 3600, 3600]);
    }
}
