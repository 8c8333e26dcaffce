//! Where writes go: on PostgreSQL the pool, on SQLite one connection held outside sqlx's pool
//! (see [`super::held`]) behind a mutex, since SQLite has one writer anyway.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, ExecResult, QueryResult, Statement,
    TransactionTrait, sqlx::SqliteConnection,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::held::{self, run_unprepared};

/// The connection writes go through. Clones share it.
#[derive(Clone, Debug)]
pub enum Writer {
    /// PostgreSQL: the pool, whose connections write side by side.
    Pool(DatabaseConnection),
    /// SQLite: the one writer connection.
    Sqlite(SqliteWriter),
}

/// A transaction on the [`Writer`]: committed by [`Self::commit`], rolled back when dropped
/// without it (an error, or a request that went away).
pub enum WriteTransaction {
    /// On PostgreSQL.
    Pool(DatabaseTransaction),
    /// On SQLite: holds the writer until it ends.
    Sqlite(SqliteTransaction),
}

impl Writer {
    /// Starts a transaction; on SQLite it takes the database's write lock at once (`BEGIN
    /// IMMEDIATE`), so that a read inside it cannot be outdated by the time it writes.
    pub async fn begin(&self) -> Result<WriteTransaction, DbErr> {
        match self {
            Self::Pool(pool) => pool.begin().await.map(WriteTransaction::Pool),
            Self::Sqlite(writer) => writer.begin().await.map(WriteTransaction::Sqlite),
        }
    }

    /// Checks that the connection answers.
    pub async fn ping(&self) -> Result<(), DbErr> {
        match self {
            Self::Pool(pool) => pool.ping().await,
            Self::Sqlite(writer) => held::ping(&mut writer.lock().await?.connection).await,
        }
    }
}

impl WriteTransaction {
    /// Makes the transaction's writes permanent.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self {
            Self::Pool(transaction) => transaction.commit().await,
            Self::Sqlite(transaction) => transaction.commit().await,
        }
    }
}

/// A write of exactly one statement on the [`Writer`]: the statement is its own transaction
/// (autocommit), so it needs no `BEGIN` and `COMMIT` round trips. A second statement is refused
/// on either backend: a read and a write on it could not be one transaction.
pub struct OneStatement<'a> {
    writer: &'a Writer,
    ran: AtomicBool,
}

impl<'a> OneStatement<'a> {
    pub(super) fn new(writer: &'a Writer) -> Self {
        Self {
            writer,
            ran: AtomicBool::new(false),
        }
    }

    fn first(&self) -> Result<&'a Writer, DbErr> {
        if self.ran.swap(true, Ordering::SeqCst) {
            return Err(DbErr::Custom(
                "a second statement on a one-statement write: use a write transaction".into(),
            ));
        }
        Ok(self.writer)
    }
}

#[async_trait::async_trait]
impl sea_orm::ConnectionTrait for OneStatement<'_> {
    fn get_database_backend(&self) -> sea_orm::DbBackend {
        self.writer.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        self.first()?.execute_raw(statement).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.first()?.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.first()?.query_one_raw(statement).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.first()?.query_all_raw(statement).await
    }
}

/// The SQLite writer connection, shared.
#[derive(Clone)]
pub struct SqliteWriter {
    connection: Arc<Mutex<HeldConnection>>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SqliteWriter")
    }
}

struct HeldConnection {
    connection: SqliteConnection,
    /// A transaction was begun and neither committed nor rolled back yet. Whoever takes the
    /// connection next rolls it back first, should the rollback on drop not have run.
    in_transaction: bool,
}

impl SqliteWriter {
    /// Takes over `connection` (configured by the pool it came from) as the writer.
    pub fn new(connection: SqliteConnection) -> Self {
        Self {
            connection: Arc::new(Mutex::new(HeldConnection {
                connection,
                in_transaction: false,
            })),
        }
    }

    /// Waits for the connection; outside any transaction.
    async fn lock(&self) -> Result<OwnedMutexGuard<HeldConnection>, DbErr> {
        let mut held = self.connection.clone().lock_owned().await;
        if held.in_transaction {
            // SQLite refuses a ROLLBACK only when no transaction is open (SQLite may have ended
            // one itself, after a failed COMMIT say): either way none is open after it, and a
            // refusal must not leave the writer refusing every later write.
            if let Err(error) = held.finish("ROLLBACK").await {
                tracing::debug!(error = ?error, "no transaction left to roll back");
                held.in_transaction = false;
            }
        }
        Ok(held)
    }

    async fn begin(&self) -> Result<SqliteTransaction, DbErr> {
        let mut held = self.lock().await?;
        run_unprepared(&mut held.connection, "BEGIN IMMEDIATE").await?;
        held.in_transaction = true;
        Ok(SqliteTransaction {
            held: Mutex::new(Some(held)),
        })
    }
}

impl HeldConnection {
    /// Ends the open transaction with `COMMIT` or `ROLLBACK`. When that fails, the transaction
    /// counts as still open, to be rolled back by the next user.
    async fn finish(&mut self, statement: &'static str) -> Result<(), DbErr> {
        run_unprepared(&mut self.connection, statement).await?;
        self.in_transaction = false;
        Ok(())
    }
}

/// A transaction on the [`SqliteWriter`]; the writer is its own until it ends.
pub struct SqliteTransaction {
    /// `None` once committed. A mutex because SeaORM queries through `&self`.
    held: Mutex<Option<OwnedMutexGuard<HeldConnection>>>,
}

impl SqliteTransaction {
    /// The connection, for the transaction's queries.
    async fn connection(
        &self,
    ) -> Result<tokio::sync::MappedMutexGuard<'_, SqliteConnection>, DbErr> {
        let held = self.held.lock().await;
        tokio::sync::MutexGuard::try_map(held, |held| {
            held.as_mut().map(|held| &mut held.connection)
        })
        .map_err(|_| ended())
    }

    /// Commits; when that fails (a deferred constraint, say) SQLite keeps the transaction open,
    /// so it is rolled back before the writer is anybody else's.
    async fn commit(mut self) -> Result<(), DbErr> {
        let Some(mut held) = self.held.get_mut().take() else {
            return Err(ended());
        };
        let committed = held.finish("COMMIT").await;
        if committed.is_err() {
            // Should this fail too, the next user of the writer rolls back (see `lock`).
            let _ = held.finish("ROLLBACK").await;
        }
        committed
    }
}

/// A committed transaction is consumed, so no caller can meet this; it stands in for a panic.
fn ended() -> DbErr {
    DbErr::Custom("the transaction has ended".into())
}

impl Drop for SqliteTransaction {
    /// Rolls back a transaction that was not committed, on a task of its own since a drop cannot
    /// wait; the writer stays taken until then. Without a runtime (shutting down) the next user
    /// of the writer rolls it back instead.
    fn drop(&mut self) {
        if let Some(mut held) = self.held.get_mut().take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                if let Err(error) = held.finish("ROLLBACK").await {
                    tracing::warn!(error = ?error, "rolling back an abandoned transaction failed");
                }
            });
        }
    }
}

held::sqlite_connection!(SqliteWriter, writer => &mut writer.lock().await?.connection);

held::sqlite_connection!(SqliteTransaction, transaction => &mut *transaction.connection().await?);

held::delegate_connection!(Writer);
held::delegate_connection!(WriteTransaction);

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, SqlErr, Statement};

    use super::*;

    /// A migrated SQLite database with a table `t` of unique names; its directory goes with it.
    async fn writer() -> (Writer, tempfile::TempDir) {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", directory.path().join("w.db").display());
        let db = super::super::connect_and_migrate(&url.parse().unwrap())
            .await
            .unwrap();
        let writer = db.writer.clone();
        writer
            .execute_unprepared("CREATE TABLE t (name TEXT PRIMARY KEY)")
            .await
            .unwrap();
        (writer, directory)
    }

    async fn names(db: &impl ConnectionTrait) -> Vec<String> {
        db.query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM t ORDER BY name",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect()
    }

    fn insert(name: &str) -> Statement {
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO t (name) VALUES (?)",
            [name.into()],
        )
    }

    #[tokio::test]
    async fn a_committed_transaction_keeps_its_writes_and_an_abandoned_one_leaves_none() {
        let (writer, _directory) = writer().await;
        let transaction = writer.begin().await.unwrap();
        transaction.execute_raw(insert("kept")).await.unwrap();
        assert_eq!(names(&transaction).await, ["kept"]);
        transaction.commit().await.unwrap();

        let transaction = writer.begin().await.unwrap();
        transaction.execute_raw(insert("dropped")).await.unwrap();
        drop(transaction);

        // The rollback runs before the writer is anybody else's.
        assert_eq!(names(&writer).await, ["kept"]);
        writer.execute_raw(insert("after")).await.unwrap();
        assert_eq!(names(&writer).await, ["after", "kept"]);
    }

    #[tokio::test]
    async fn a_transaction_dropped_without_a_runtime_is_rolled_back_by_the_next_user() {
        let (writer, _directory) = writer().await;
        let transaction = writer.begin().await.unwrap();
        transaction.execute_raw(insert("dropped")).await.unwrap();
        std::thread::spawn(move || drop(transaction))
            .join()
            .unwrap();

        writer.execute_raw(insert("after")).await.unwrap();
        assert_eq!(names(&writer).await, ["after"]);
        // And the writer is outside any transaction again: this one begins.
        writer.begin().await.unwrap().commit().await.unwrap();
    }

    #[tokio::test]
    async fn a_transaction_whose_commit_fails_is_rolled_back_by_the_next_user() {
        let (writer, _directory) = writer().await;
        writer
            .execute_unprepared(
                "CREATE TABLE child (parent TEXT REFERENCES t (name) DEFERRABLE INITIALLY DEFERRED)",
            )
            .await
            .unwrap();
        let transaction = writer.begin().await.unwrap();
        transaction.execute_raw(insert("kept out")).await.unwrap();
        transaction
            .execute_unprepared("INSERT INTO child VALUES ('nobody')")
            .await
            .unwrap();
        // The deferred foreign key fails the COMMIT, and SQLite keeps the transaction open.
        assert!(transaction.commit().await.is_err());

        writer.execute_raw(insert("after")).await.unwrap();
        assert_eq!(names(&writer).await, ["after"]);
    }

    #[tokio::test]
    async fn a_transaction_ended_behind_the_writers_back_does_not_block_it() {
        let (writer, _directory) = writer().await;
        let transaction = writer.begin().await.unwrap();
        transaction.execute_raw(insert("dropped")).await.unwrap();
        transaction.execute_unprepared("ROLLBACK").await.unwrap();
        // Its rollback on drop now finds no transaction, and fails.
        std::thread::spawn(move || drop(transaction))
            .join()
            .unwrap();

        writer.execute_raw(insert("after")).await.unwrap();
        assert_eq!(names(&writer).await, ["after"]);
    }

    #[tokio::test]
    async fn a_one_statement_write_refuses_a_second_statement() {
        let (writer, _directory) = writer().await;
        let write = OneStatement::new(&writer);

        write.execute_raw(insert("first")).await.unwrap();
        let second = write.execute_raw(insert("second")).await;

        assert!(second.is_err());
        assert_eq!(names(&writer).await, ["first"]);
    }

    #[tokio::test]
    async fn errors_are_seaorms_so_a_duplicate_is_recognised() {
        let (writer, _directory) = writer().await;
        writer.execute_raw(insert("once")).await.unwrap();
        let error = writer.execute_raw(insert("once")).await.unwrap_err();
        assert!(
            matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            "{error:?}"
        );
        writer.ping().await.unwrap();
    }
}
