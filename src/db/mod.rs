//! The database connections: SQLite (embedded default) or PostgreSQL, chosen by `DATABASE_URL`,
//! with migrations applied on connect. The only place that knows which backend is in use.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;
use secrecy::ExposeSecret;

use crate::{config::DatabaseUrl, migrations::Migrator, tasks::BackgroundTasks};

mod held;
mod reader;
mod writer;

pub use reader::Reader;
use writer::Writer;
pub use writer::{OneStatement, WriteTransaction};

/// Where queries go: an area asks for [`Self::read`] or for a [`Self::write`] transaction, and
/// never picks a connection itself, so what runs on one backend runs on the other.
///
/// SQLite allows one writer at a time: concurrent writers on a pool of connections wait in
/// SQLite's busy handler, which sleeps in whole milliseconds, and a deferred transaction that
/// reads before writing fails outright with `SQLITE_BUSY_SNAPSHOT` when another connection wrote
/// in between. So on SQLite every write transaction runs on one connection, taken in turn without
/// sleeping, while reads use a pool of read-only connections beside it (WAL). On PostgreSQL both
/// come from the same pool.
#[derive(Clone, Debug)]
pub struct Database {
    reader: Reader,
    writer: Writer,
    /// SQLite only: a connection that copies the log into the database file beside the writer
    /// (see [`Self::checkpoint`]).
    checkpointer: Option<DatabaseConnection>,
}

impl Database {
    /// For reads outside a write transaction; refuses writes on every backend.
    pub fn read(&self) -> &Reader {
        &self.reader
    }

    /// Starts a write transaction: committed by [`WriteTransaction::commit`], rolled back when
    /// dropped without it. On SQLite it takes the database's write lock at once (`BEGIN
    /// IMMEDIATE`), so what it reads cannot be outdated by the time it writes; on PostgreSQL, lock
    /// the rows it reads to change (`SELECT … FOR UPDATE`).
    pub async fn write(&self) -> Result<WriteTransaction, DbErr> {
        self.writer.begin().await
    }

    /// A write of one statement (an `INSERT`, an `UPDATE … RETURNING`), which is its own
    /// transaction; a second statement on it is refused. On SQLite it saves a write
    /// transaction's `BEGIN` and `COMMIT`, two round trips to the writer's thread each holding
    /// the writer: `profile_patch` answered 5.5k requests a second with them, 7.9k without
    /// (docs/PERFORMANCE.md, 2026-12-04).
    pub fn write_one(&self) -> OneStatement<'_> {
        OneStatement::new(&self.writer)
    }

    /// On SQLite, copies the write-ahead log into the database file so the log can start over.
    /// SQLite does this by itself only after a statement runs to its end, and SeaORM's
    /// `UPDATE … RETURNING` reads one row and resets its statement instead: a stream of profile
    /// updates grew the log past 400 MB. Nothing to do on PostgreSQL.
    ///
    /// Two passes. The checkpointer's copies the bulk while writes go on (a passive checkpoint
    /// takes no lock a writer needs); run on the writer, that copy held every write back for
    /// 20–35 ms each second. The writer's own pass then copies only what was written meanwhile:
    /// under steady writes the log can start over only after a checkpoint that no write raced.
    pub async fn checkpoint(&self) -> Result<(), DbErr> {
        if let Some(checkpointer) = &self.checkpointer {
            const PASSIVE: &str = "PRAGMA wal_checkpoint(PASSIVE)";
            checkpointer.execute_unprepared(PASSIVE).await?;
            self.writer.execute_unprepared(PASSIVE).await?;
        }
        Ok(())
    }

    /// Closes the connections at shutdown, once no request is left. On SQLite the log is first
    /// copied into the database file and emptied, so the file alone holds every write; the
    /// writer itself closes when the last handle to it goes, with the process.
    pub async fn close(&self) -> Result<(), DbErr> {
        if let Some(checkpointer) = &self.checkpointer {
            self.writer
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
            checkpointer.close_by_ref().await?;
        }
        // On PostgreSQL the reader is the writer's pool.
        self.reader.close().await
    }

    /// Checks that both connections answer.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.writer.ping().await?;
        self.reader.ping().await
    }
}

/// Opens the connections and brings the schema up to date.
pub async fn connect_and_migrate(url: &DatabaseUrl) -> anyhow::Result<Database> {
    // The writer first: it creates the file, switches it to WAL and migrates, which the read-only
    // connections need before they open.
    let pool = connect(url, Role::Writer).await?;
    Migrator::up(&pool, None)
        .await
        .context("applying database migrations")?;
    let (reader, writer, checkpointer) = match url {
        DatabaseUrl::Sqlite(_) => {
            // The pool's one connection, configured by it, leaves it to be the held writer.
            let connection = pool
                .get_sqlite_connection_pool()
                .acquire()
                .await
                .context("opening the SQLite writer")?
                .detach();
            pool.close()
                .await
                .context("closing the SQLite migration pool")?;
            (
                Reader::new(connect(url, Role::Reader).await?),
                Writer::Sqlite(writer::SqliteWriter::new(connection)),
                Some(connect(url, Role::Checkpointer).await?),
            )
        }
        DatabaseUrl::Postgres(_) => (Reader::new(pool.clone()), Writer::Pool(pool), None),
    };
    Ok(Database {
        reader,
        writer,
        checkpointer,
    })
}

/// Checkpoints the SQLite log every `interval`, for as long as the server runs; on PostgreSQL
/// there is nothing to do and no task.
pub fn spawn_checkpoint_task(tasks: &BackgroundTasks, db: Database, interval: Duration) {
    if db.checkpointer.is_none() {
        return;
    }
    tasks.every("checkpoint", interval, move || {
        let db = db.clone();
        async move {
            if let Err(error) = db.checkpoint().await {
                tracing::warn!(error = ?error, "checkpointing the SQLite log failed");
            }
        }
    });
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Reader,
    Writer,
    Checkpointer,
}

async fn connect(url: &DatabaseUrl, role: Role) -> anyhow::Result<DatabaseConnection> {
    let mut options = match url {
        DatabaseUrl::Sqlite(url) => {
            let mut options = ConnectOptions::new(create_if_missing(url));
            // Readers: one per core. More only contend for SQLite's and malloc's locks: on 2
            // cores, 8 readers served `GET /address/` at 1.2k rps, 2 at 1.6k.
            let connections = match role {
                Role::Writer | Role::Checkpointer => 1,
                Role::Reader => std::thread::available_parallelism()
                    .map_or(2, |cores| cores.get().max(2)) as u32,
            };
            // The busy timeout still covers another process (`storefront geo import`) writing.
            // A connection to a local file cannot go stale: pinging it before each use would
            // double the round trips to its worker thread.
            options
                .max_connections(connections)
                .test_before_acquire(false)
                .map_sqlx_sqlite_opts(move |sqlite| {
                    let sqlite = sqlite
                        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true);
                    match role {
                        // After a burst the log file is cut back to 64 MiB once it starts over.
                        Role::Writer => sqlite
                            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                            .pragma("journal_size_limit", "67108864"),
                        // The journal mode is the file's, set by the writer; a read-only connection
                        // cannot set it.
                        Role::Reader => sqlite.read_only(true).create_if_missing(false),
                        Role::Checkpointer => sqlite.create_if_missing(false),
                    }
                });
            options
        }
        DatabaseUrl::Postgres(url) => {
            let mut options = ConnectOptions::new(url.expose_secret().to_owned());
            // Ping only a connection that sat idle long enough for the server or a proxy to
            // have dropped it, not before every query.
            options
                .max_connections(16)
                .test_before_acquire_if_idle_for(Duration::from_secs(30));
            options
        }
    };
    options
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    sea_orm::Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database {url:?}"))
}

// `cargo run` on a fresh clone must create `storefront.db`; sqlx only creates the file with mode=rwc.
fn create_if_missing(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, Statement};

    use super::*;

    /// Frames in the log and frames copied to the database file, as a passive checkpoint reports.
    async fn log_frames(db: &Database) -> i64 {
        let row = db
            .writer
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA wal_checkpoint(PASSIVE)",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(1).unwrap()
    }

    #[tokio::test]
    async fn a_checkpoint_lets_the_log_start_over_after_updates_that_return_rows() {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", directory.path().join("wal.db").display());
        let db = connect_and_migrate(&url.parse().unwrap()).await.unwrap();
        let writer = &db.writer;
        writer
            .execute_unprepared("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)")
            .await
            .unwrap();
        writer
            .execute_unprepared("INSERT INTO counter VALUES (1, 0)")
            .await
            .unwrap();
        let bump = || {
            writer.query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "UPDATE counter SET value = value + 1 WHERE id = 1 RETURNING value",
            ))
        };
        // More than SQLite's automatic checkpoint threshold of 1000 pages.
        for _ in 0..1500 {
            bump().await.unwrap();
        }

        db.checkpoint().await.unwrap();
        bump().await.unwrap();

        assert!(log_frames(&db).await < 10, "the log started over");
    }
}
