//! The database session store (the default): one row per session in the `sessions` table.

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};

use crate::db::Database;

use super::{
    key::StorageId,
    store::{SessionRecord, SessionStore},
};

/// The `sessions` table.
pub mod entity {
    use sea_orm::entity::prelude::*;

    /// One stored session.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        /// SHA-256 of the session key, hex.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The session data as a JSON object.
        pub data: String,
        /// When the session expires.
        pub expires_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Sessions in the main database.
pub struct DatabaseStore {
    db: Database,
}

impl DatabaseStore {
    /// A store in `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SessionStore for DatabaseStore {
    async fn load(&self, id: &StorageId) -> anyhow::Result<Option<SessionRecord>> {
        let Some(row) = entity::Entity::find_by_id(id.as_ref())
            .one(self.db.read())
            .await?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).context("decoding stored session data")?;
        Ok(Some(SessionRecord {
            data,
            expires_at: row.expires_at,
        }))
    }

    async fn save(&self, id: &StorageId, record: &SessionRecord) -> anyhow::Result<()> {
        let row = entity::ActiveModel {
            id: Set(id.as_ref().to_owned()),
            data: Set(serde_json::to_string(&record.data)?),
            expires_at: Set(record.expires_at),
        };
        entity::Entity::insert(row)
            .on_conflict(
                OnConflict::column(entity::Column::Id)
                    .update_columns([entity::Column::Data, entity::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec(&self.db.write_one())
            .await
            .context("saving a session")?;
        Ok(())
    }

    async fn update(&self, id: &StorageId, record: &SessionRecord) -> anyhow::Result<bool> {
        let changes = entity::ActiveModel {
            data: Set(serde_json::to_string(&record.data)?),
            expires_at: Set(record.expires_at),
            ..Default::default()
        };
        let result = entity::Entity::update_many()
            .set(changes)
            .filter(entity::Column::Id.eq(id.as_ref()))
            .exec(&self.db.write_one())
            .await
            .context("updating a session")?;
        Ok(result.rows_affected > 0)
    }

    async fn delete(&self, id: &StorageId) -> anyhow::Result<()> {
        entity::Entity::delete_by_id(id.as_ref())
            .exec(&self.db.write_one())
            .await
            .context("deleting a session")?;
        Ok(())
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> anyhow::Result<u64> {
        let result = entity::Entity::delete_many()
            .filter(entity::Column::ExpiresAt.lt(now))
            .exec(&self.db.write_one())
            .await
            .context("purging expired sessions")?;
        Ok(result.rows_affected)
    }
}
