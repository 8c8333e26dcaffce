//! SQLite connections held outside sqlx's pool, answering SeaORM's queries.
//!
//! sqlx runs each SQLite connection on a thread of its own, and its pool pings a connection every
//! time one comes back, which is a second round trip to that thread after every statement: on the
//! 2-core bench machine a pooled `UPDATE … RETURNING` took 145–190 µs, the same statement on a
//! held connection 70–80 µs, a bare ping 45 µs. So on SQLite the writer ([`super::Writer`]), which
//! every write waits for, holds its connection. (Readers stay pooled: holding them gained nothing
//! measurable, as a reader's ping after a query delays no one but the next query on that
//! connection.) SeaORM still builds every statement and reads every row: its `ConnectionTrait` is
//! made to be implemented by other connections, and only the hand-over to sqlx is here.

use std::sync::Arc;

use sea_orm::{
    DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
    sea_query::Values,
    sqlx::{self, Connection, Executor, Sqlite, SqliteConnection},
};
use sea_query_sqlx::SqlxValues;

/// Implements SeaORM's `ConnectionTrait` for `$type` on SQLite, given how `$this` (the value)
/// reaches its `&mut SqliteConnection`.
macro_rules! sqlite_connection {
    ($type:ty, $this:ident => $connection:expr) => {
        #[async_trait::async_trait]
        impl sea_orm::ConnectionTrait for $type {
            fn get_database_backend(&self) -> sea_orm::DbBackend {
                sea_orm::DbBackend::Sqlite
            }

            async fn execute_raw(
                &self,
                statement: sea_orm::Statement,
            ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
                let $this = self;
                $crate::db::held::execute($connection, statement).await
            }

            async fn execute_unprepared(
                &self,
                sql: &str,
            ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
                let $this = self;
                $crate::db::held::run_unprepared($connection, sql).await
            }

            async fn query_one_raw(
                &self,
                statement: sea_orm::Statement,
            ) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
                let $this = self;
                $crate::db::held::query_one($connection, statement).await
            }

            async fn query_all_raw(
                &self,
                statement: sea_orm::Statement,
            ) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
                let $this = self;
                $crate::db::held::query_all($connection, statement).await
            }
        }
    };
}

/// Implements `ConnectionTrait` for an enum of a `Pool` (PostgreSQL) and a `Sqlite` variant by
/// handing each query on.
macro_rules! delegate_connection {
    ($type:ident) => {
        #[async_trait::async_trait]
        impl sea_orm::ConnectionTrait for $type {
            fn get_database_backend(&self) -> sea_orm::DbBackend {
                match self {
                    Self::Pool(inner) => inner.get_database_backend(),
                    Self::Sqlite(inner) => inner.get_database_backend(),
                }
            }

            async fn execute_raw(
                &self,
                statement: sea_orm::Statement,
            ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
                match self {
                    Self::Pool(inner) => inner.execute_raw(statement).await,
                    Self::Sqlite(inner) => inner.execute_raw(statement).await,
                }
            }

            async fn execute_unprepared(
                &self,
                sql: &str,
            ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
                match self {
                    Self::Pool(inner) => inner.execute_unprepared(sql).await,
                    Self::Sqlite(inner) => inner.execute_unprepared(sql).await,
                }
            }

            async fn query_one_raw(
                &self,
                statement: sea_orm::Statement,
            ) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
                match self {
                    Self::Pool(inner) => inner.query_one_raw(statement).await,
                    Self::Sqlite(inner) => inner.query_one_raw(statement).await,
                }
            }

            async fn query_all_raw(
                &self,
                statement: sea_orm::Statement,
            ) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
                match self {
                    Self::Pool(inner) => inner.query_all_raw(statement).await,
                    Self::Sqlite(inner) => inner.query_all_raw(statement).await,
                }
            }
        }
    };
}

pub(super) use {delegate_connection, sqlite_connection};

/// The statement as sqlx runs it, with SeaORM's values bound. Taken by value: SeaORM's own driver
/// borrows the statement and copies every value (each string a new allocation) on every query.
fn bind(statement: Statement) -> sqlx::query::Query<'static, Sqlite, SqlxValues> {
    let values = statement.values.unwrap_or(Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(statement.sql), SqlxValues(values))
}

pub(super) async fn execute(
    connection: &mut SqliteConnection,
    statement: Statement,
) -> Result<ExecResult, DbErr> {
    bind(statement)
        .execute(connection)
        .await
        .map(ExecResult::from)
        .map_err(exec_error)
}

pub(super) async fn run_unprepared(
    connection: &mut SqliteConnection,
    sql: &str,
) -> Result<ExecResult, DbErr> {
    connection
        .execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .map(ExecResult::from)
        .map_err(exec_error)
}

pub(super) async fn query_one(
    connection: &mut SqliteConnection,
    statement: Statement,
) -> Result<Option<QueryResult>, DbErr> {
    bind(statement)
        .fetch_optional(connection)
        .await
        .map(|row| row.map(QueryResult::from))
        .map_err(query_error)
}

pub(super) async fn query_all(
    connection: &mut SqliteConnection,
    statement: Statement,
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

/// Checks that the connection answers.
pub(super) async fn ping(connection: &mut SqliteConnection) -> Result<(), DbErr> {
    connection
        .ping()
        .await
        .map_err(|error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error))))
}
