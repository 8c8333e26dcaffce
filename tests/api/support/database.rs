//! A fresh database per test: an SQLite file in a temporary directory, or, when
//! `STOREFRONT_TEST_DATABASE_URL` names a PostgreSQL database, a new schema in it, dropped when
//! the test ends.

use sea_orm::{ConnectionTrait, Database};
use storefront::config::DatabaseUrl;

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
