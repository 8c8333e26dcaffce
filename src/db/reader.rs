//! The connection reads go through: SQLite's read-only pool, or PostgreSQL's pool. It refuses
//! every write on both backends alike: a write outside a write transaction would pass on
//! PostgreSQL and fail on SQLite's read-only connections, so it must fail on both, where the tests
//! of either backend see it.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

/// Reads outside any write transaction. Clones share the pool.
#[derive(Clone, Debug)]
pub struct Reader(DatabaseConnection);

impl Reader {
    pub(super) fn new(pool: DatabaseConnection) -> Self {
        Self(pool)
    }

    /// Closes the pool's connections.
    pub(super) async fn close(&self) -> Result<(), DbErr> {
        self.0.close_by_ref().await
    }

    /// Checks that the pool answers.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.0.ping().await
    }
}

fn refused(sql: &str) -> DbErr {
    let statement = sql.split_whitespace().next().unwrap_or_default();
    DbErr::Custom(format!(
        "a {statement} statement on the reader: writes go through a write transaction"
    ))
}

/// Only plain queries read: anything else (`UPDATE … RETURNING` included) is a write.
fn is_read(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|verb| verb.eq_ignore_ascii_case("select"))
}

#[async_trait::async_trait]
impl ConnectionTrait for Reader {
    fn get_database_backend(&self) -> DbBackend {
        self.0.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        Err(refused(&statement.sql))
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        Err(refused(sql))
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        if !is_read(&statement.sql) {
            return Err(refused(&statement.sql));
        }
        self.0.query_one_raw(statement).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if !is_read(&statement.sql) {
            return Err(refused(&statement.sql));
        }
        self.0.query_all_raw(statement).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_selects_are_reads() {
        assert!(is_read("SELECT \"id\" FROM \"users\""));
        assert!(is_read("  select 1"));
        assert!(!is_read("UPDATE \"users\" SET \"x\" = 1 RETURNING *"));
        assert!(!is_read("INSERT INTO t VALUES (1) RETURNING id"));
        assert!(!is_read("DELETE FROM t"));
        assert!(!is_read("SEL"));
    }
}
