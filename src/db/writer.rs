//! Where writes go: on PostgreSQL the pool, on SQLite one connection held outside sqlx's pool.
//!
//! sqlx runs each SQLite connection on a thread of its own, and its pool pings a connection every
//! time one comes back, which is a second round trip to that thread after every statement: on the
//! 2-core bench machine a pooled `UPDATE … RETURNING` took 145–190 µs, the same statement on a
//! held connection 70–80 µs, a bare ping 45 µs. SQLite has one writer anyway, so the writer is that
//! connection behind a mutex. SeaORM still builds every statement and reads every row (its
//! [`ConnectionTrait`] is made to be implemented by other connections); only the hand-over to sqlx
//! is here.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, RuntimeErr, Statement, TransactionTrait,
    sea_query::Values,
    sqlx::{self, Connection, Executor, Sqlite, SqliteConnection},
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Mutex, OwnedMutexGuard};

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
pub enum WriterTransaction {
    /// On PostgreSQL.
    Pool(DatabaseTransaction),
    /// On SQLite: holds the writer until it ends.
    Sqlite(SqliteTransaction),
}

impl Writer {
    /// Starts a transaction; on SQLite it takes the database's write lock at once (`BEGIN
    /// IMMEDIATE`), so that a read inside it cannot be outdated by the time it writes.
    pub async fn begin(&self) -> Result<WriterTransaction, DbErr> {
        match self {
            Self::Pool(pool) => pool.begin().await.map(WriterTransaction::Pool),
            Self::Sqlite(writer) => writer.begin().await.map(WriterTransaction::Sqlite),
        }
    }

    /// Checks that the connection answers.
    pub async fn ping(&self) -> Result<(), DbErr> {
        match self {
            Self::Pool(pool) => pool.ping().await,
            Self::Sqlite(writer) => {
                let mut held = writer.lock().await?;
                held.connection.ping().await.map_err(connection_error)
            }
        }
    }
}

impl WriterTransaction {
    /// Makes the transaction's writes permanent.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self {
            Self::Pool(transaction) => transaction.commit().await,
            Self::Sqlite(transaction) => transaction.commit().await,
        }
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
    /// Commits; when that fails (a deferred constraint, say) SQLite keeps the transaction open,
    /// so it is rolled back before the writer is anybody else's.
    async fn commit(mut self) -> Result<(), DbErr> {
        let Some(mut held) = self.held.get_mut().take() else {
            return Err(DbErr::Custom("the transaction has ended".into()));
        };
        let committed = held.finish("COMMIT").await;
        if committed.is_err() {
            // Should this fail too, the next user of the writer rolls back (see `lock`).
            let _ = held.finish("ROLLBACK").await;
        }
        committed
    }
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

#[async_trait::async_trait]
impl ConnectionTrait for SqliteWriter {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Sqlite
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        execute(&mut self.lock().await?.connection, &statement).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        run_unprepared(&mut self.lock().await?.connection, sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        query_one(&mut self.lock().await?.connection, &statement).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        query_all(&mut self.lock().await?.connection, &statement).await
    }
}

impl SqliteTransaction {
    async fn connection(
        &self,
    ) -> Result<tokio::sync::MappedMutexGuard<'_, SqliteConnection>, DbErr> {
        let held = self.held.lock().await;
        tokio::sync::MutexGuard::try_map(held, |held| {
            held.as_mut().map(|held| &mut held.connection)
        })
        .map_err(|_| DbErr::Custom("the transaction has ended".into()))
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for SqliteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Sqlite
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        execute(&mut *self.connection().await?, &statement).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        run_unprepared(&mut *self.connection().await?, sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        query_one(&mut *self.connection().await?, &statement).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        query_all(&mut *self.connection().await?, &statement).await
    }
}

/// Both kinds of writer (and of transaction) answer SeaORM's queries by handing them on.
macro_rules! delegate_connection {
    ($type:ident) => {
        #[async_trait::async_trait]
        impl ConnectionTrait for $type {
            fn get_database_backend(&self) -> DbBackend {
                match self {
                    Self::Pool(inner) => inner.get_database_backend(),
                    Self::Sqlite(inner) => inner.get_database_backend(),
                }
            }

            async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
                match self {
                    Self::Pool(inner) => inner.execute_raw(statement).await,
                    Self::Sqlite(inner) => inner.execute_raw(statement).await,
                }
            }

            async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
                match self {
                    Self::Pool(inner) => inner.execute_unprepared(sql).await,
                    Self::Sqlite(inner) => inner.execute_unprepared(sql).await,
                }
            }

            async fn query_one_raw(
                &self,
                statement: Statement,
            ) -> Result<Option<QueryResult>, DbErr> {
                match self {
                    Self::Pool(inner) => inner.query_one_raw(statement).await,
                    Self::Sqlite(inner) => inner.query_one_raw(statement).await,
                }
            }

            async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
                match self {
                    Self::Pool(inner) => inner.query_all_raw(statement).await,
                    Self::Sqlite(inner) => inner.query_all_raw(statement).await,
                }
            }
        }
    };
}

delegate_connection!(Writer);
delegate_connection!(WriterTransaction);

/// The statement as sqlx runs it, with SeaORM's values bound (as SeaORM's own driver does).
fn bind(statement: &Statement) -> sqlx::query::Query<'_, Sqlite, SqlxValues> {
    let values = statement.values.clone().unwrap_or(Values(Vec::new()));
    sqlx::query_with(
        sqlx::AssertSqlSafe(statement.sql.as_str()),
        SqlxValues(values),
    )
}

async fn execute(
    connection: &mut SqliteConnection,
    statement: &Statement,
) -> Result<ExecResult, DbErr> {
    bind(statement)
        .execute(connection)
        .await
        .map(ExecResult::from)
        .map_err(exec_error)
}

async fn run_unprepared(connection: &mut SqliteConnection, sql: &str) -> Result<ExecResult, DbErr> {
    connection
        .execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .map(ExecResult::from)
        .map_err(exec_error)
}

async fn query_one(
    connection: &mut SqliteConnection,
    statement: &Statement,
) -> Result<Option<QueryResult>, DbErr> {
    bind(statement)
        .fetch_optional(connection)
        .await
        .map(|row| row.map(QueryResult::from))
        .map_err(query_error)
}

async fn query_all(
    connection: &mut SqliteConnection,
    statement: &Statement,
) -> Result<Vec<QueryResult>, DbErr> {
    bind(statement)
        .fetch_all(connection)
        .await
        .map(|rows| rows.into_iter().map(QueryResult::from).collect())
        .map_err(query_error)
}

// The same wrapping as SeaORM's own sqlx driver, so `DbErr::sql_err` still recognises unique
// and foreign-key violations.
fn exec_error(error: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(error)))
}

fn query_error(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
}

fn connection_error(error: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error)))
}

#[cfg(test)]
mod tests {
    use sea_orm::{SqlErr, Statement};

    use super::*;

    /// A migrated SQLite database with a table `t` of unique names; its directory goes with it.
    async fn writer() -> (Writer, tempfile::TempDir) {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", directory.path().join("w.db").display());
        let db = super::super::connect_and_migrate(&url.parse().unwrap())
            .await
            .unwrap();
        let writer = db.writer().clone();
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
