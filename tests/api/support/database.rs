//! A fresh database per test: an SQLite file in a temporary directory, or, when
//! `STOREFRONT_TEST_DATABASE_URL` names a PostgreSQL database, a new schema in it, dropped when
//! the test ends.

use sea_orm::{
    ConnectionTrait, Database,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use sea_orm_migration::MigratorTrait;
use storefront::{config::DatabaseUrl, migrations::Migrator};

use super::random_word;

pub enum TestDatabase {
    Sqlite {
        _directory: tempfile::TempDir,
        url: String,
    },
    Postgres {
        server_url: String,
        schema: String,
    },
}

impl TestDatabase {
    pub async fn create() -> Self {
        match std::env::var("STOREFRONT_TEST_DATABASE_URL") {
            Ok(server_url) if server_url.starts_with("postgres") => {
                let schema = format!("test_{}", random_word(16));
                let connection = Database::connect(&server_url)
                    .await
                    .expect("connecting to PostgreSQL");
                connection
                    .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .unwrap();
                connection.close().await.unwrap();
                Self::Postgres { server_url, schema }
            }
            _ => {
                let directory = tempfile::tempdir().unwrap();
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    directory.path().join("test.db").display()
                );
                Self::Sqlite {
                    _directory: directory,
                    url,
                }
            }
        }
    }

    pub fn url(&self) -> DatabaseUrl {
        self.connection_string().parse().unwrap()
    }

    /// A SeaORM connection of the test's own, beside the app's (to run migrations, say).
    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        Database::connect(&self.connection_string()).await.unwrap()
    }

    /// Every value of a text `column` of `table`, in row order: what the database holds, for
    /// what the API cannot show (how a value is stored).
    pub async fn text_column(&self, table: &str, column: &str) -> Vec<Option<String>> {
        self.column(table, column).await
    }

    /// Every value of a boolean `column` of `table`, in row order.
    pub async fn bool_column(&self, table: &str, column: &str) -> Vec<Option<bool>> {
        self.column(table, column).await
    }

    async fn column<T: sea_orm::TryGetable>(&self, table: &str, column: &str) -> Vec<T> {
        let select = Query::select()
            .column(Alias::new(column))
            .from(Alias::new(table))
            .order_by(Alias::new("id"), sea_orm::Order::Asc)
            .to_owned();
        let connection = self.connect().await;
        let rows = connection.query_all(&select).await.unwrap();
        rows.iter()
            .map(|row| row.try_get_by_index::<T>(0).unwrap())
            .collect()
    }

    /// How many rows `table` has.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let select = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(Alias::new(table))
            .to_owned();
        let connection = self.connect().await;
        let row = connection.query_one(&select).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    /// The ids of every row of `table`, in order.
    pub async fn ids(&self, table: &str) -> Vec<i64> {
        let select = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new(table))
            .order_by(Alias::new("id"), sea_orm::Order::Asc)
            .to_owned();
        let connection = self.connect().await;
        let rows = connection.query_all(&select).await.unwrap();
        rows.iter()
            .map(|row| row.try_get_by_index::<i64>(0).unwrap())
            .collect()
    }

    /// Rolls the schema back to before the migration `name` (and every later one), as a
    /// database of older code would be.
    pub async fn roll_back(&self, connection: &sea_orm::DatabaseConnection, name: &str) {
        let migrations = Migrator::migrations();
        let position = migrations
            .iter()
            .position(|migration| migration.name() == name)
            .expect("a migration of that name");
        let steps = u32::try_from(migrations.len() - position).unwrap();
        Migrator::down(connection, Some(steps)).await.unwrap();
    }

    /// Applies every pending migration, as an upgrade does.
    pub async fn migrate(&self, connection: &sea_orm::DatabaseConnection) {
        Migrator::up(connection, None).await.unwrap();
    }

    /// Sets a text `column` of the row `id` of `table`, as older code would have written it.
    pub async fn set_text(&self, table: &str, column: &str, id: i64, value: Option<&str>) {
        let update = Query::update()
            .table(Alias::new(table))
            .value(Alias::new(column), value)
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        self.connect().await.execute(&update).await.unwrap();
    }

    /// Whether `needle` is stored anywhere in the database, as its bytes on disk: SQLite's files
    /// (the database and its write-ahead log) read raw, or every row of every table of the
    /// PostgreSQL schema as text.
    pub async fn holds_text(&self, needle: &str) -> bool {
        match self {
            Self::Sqlite { url, .. } => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .split('?')
                    .next()
                    .unwrap()
                    .to_owned();
                ["", "-wal"].iter().any(|suffix| {
                    std::fs::read(format!("{path}{suffix}")).is_ok_and(|bytes| {
                        bytes
                            .windows(needle.len())
                            .any(|window| window == needle.as_bytes())
                    })
                })
            }
            Self::Postgres { schema, .. } => {
                let connection = self.connect().await;
                let tables = connection
                    .query_all_raw(sea_orm::Statement::from_string(
                        connection.get_database_backend(),
                        format!(
                            "SELECT table_name::text FROM information_schema.tables \
                             WHERE table_schema = '{schema}'"
                        ),
                    ))
                    .await
                    .unwrap();
                for table in tables {
                    let table: String = table.try_get_by_index(0).unwrap();
                    let rows = connection
                        .query_all_raw(sea_orm::Statement::from_string(
                            connection.get_database_backend(),
                            format!("SELECT row_to_json(t)::text FROM \"{table}\" t"),
                        ))
                        .await
                        .unwrap();
                    for row in rows {
                        let text: String = row.try_get_by_index(0).unwrap();
                        if text.contains(needle) {
                            return true;
                        }
                    }
                }
                false
            }
        }
    }

    /// The URL the server connects with (for the real binary's `DATABASE_URL`).
    pub fn connection_string(&self) -> String {
        match self {
            Self::Sqlite { url, .. } => url.clone(),
            Self::Postgres { server_url, schema } => {
                let separator = if server_url.contains('?') { '&' } else { '?' };
                format!("{server_url}{separator}options=-c%20search_path%3D{schema}")
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { server_url, schema } = self {
            let (server_url, schema) = (server_url.clone(), schema.clone());
            // Drop runs inside the test's runtime; a helper thread with its own runtime does the async cleanup.
            let cleanup = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    if let Ok(connection) = Database::connect(&server_url).await {
                        // The test's app is frozen with its runtime while this drop runs, maybe
                        // in the middle of a transaction (its session purge, say) whose locks the
                        // drop would wait for forever: end the connections holding locks in the
                        // schema, which only this test's app uses.
                        let _ = connection
                            .execute_unprepared(&format!(
                                "SELECT pg_terminate_backend(locks.pid) FROM pg_locks locks \
                                 JOIN pg_class class ON class.oid = locks.relation \
                                 JOIN pg_namespace namespace ON namespace.oid = class.relnamespace \
                                 WHERE namespace.nspname = '{schema}' AND locks.pid <> pg_backend_pid()"
                            ))
                            .await;
                        let _ = connection
                            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .await;
                        let _ = connection.close().await;
                    }
                });
            });
            let _ = cleanup.join();
        }
    }
}
