//! The database connection: SQLite (embedded default) or PostgreSQL, chosen by `DATABASE_URL`,
//! with migrations applied on connect. The only place that knows which backend is in use.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use secrecy::ExposeSecret;

use crate::{config::DatabaseUrl, migrations::Migrator};

/// Opens a pool and brings the schema up to date.
pub async fn connect_and_migrate(url: &DatabaseUrl) -> anyhow::Result<DatabaseConnection> {
    let connection = connect(url).await?;
    Migrator::up(&connection, None)
        .await
        .context("applying database migrations")?;
    Ok(connection)
}

async fn connect(url: &DatabaseUrl) -> anyhow::Result<DatabaseConnection> {
    let mut options = match url {
        DatabaseUrl::Sqlite(url) => {
            let mut options = ConnectOptions::new(create_if_missing(url));
            // WAL lets readers run beside the one writer; the busy timeout makes concurrent
            // writers wait for the lock instead of failing with SQLITE_BUSY.
            options.max_connections(8).map_sqlx_sqlite_opts(|sqlite| {
                sqlite
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
            options
        }
        DatabaseUrl::Postgres(url) => {
            let mut options = ConnectOptions::new(url.expose_secret().to_owned());
            options.max_connections(16);
            options
        }
    };
    options
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    Database::connect(options)
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
