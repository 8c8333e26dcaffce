//! The transactional outbox: the one way side effects (mails now; SMS and support notices
//! later) leave the server. An area writes the message with [`enqueue_mail`] inside the write
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

pub use crate::mail::OutgoingMail;
use crate::{clock::Clock, db::Database, mail::Mailer, tasks::BackgroundTasks};

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

/// Sends due messages every `interval` until the tasks stop.
pub fn spawn_worker(
    tasks: &BackgroundTasks,
    db: Database,
    mailer: Arc<dyn Mailer>,
    clock: Clock,
    interval: Duration,
) {
    tasks.every("outbox", interval, move || {
        let (db, mailer, clock) = (db.clone(), mailer.clone(), clock.clone());
        async move {
            if let Err(error) = send_due(&db, mailer.as_ref(), &clock).await {
                tracing::warn!(error = ?error, "the outbox could not be read");
            }
        }
    });
}

/// Sends the messages due now, one at a time, up to [`BATCH`].
async fn send_due(db: &Database, mailer: &dyn Mailer, clock: &Clock) -> Result<(), DbErr> {
    for _ in 0..BATCH {
        let now = clock.now();
        let Some(message) = queries::claim_next(&db.write_one(), now, now + LEASE).await? else {
            return Ok(());
        };
        let sent = match &message.mail {
            Ok(mail) => mailer
                .send(mail)
                .await
                .map_err(|error| format!("{error:#}")),
            Err(unreadable) => Err(unreadable.clone()),
        };
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
