//! The tables of this area (migration m0011): confirmation keys.
//! Never leave the area: queries answer with the types in `types.rs`.

/// A confirmation key mailed to one address of one user.
pub mod confirmation {
    use sea_orm::entity::prelude::*;

    /// One mailed key, kept (hashed) until it expires.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "email_confirmations")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The user whose address it confirms.
        pub user_id: i64,
        /// The address it was mailed to, lower-cased: the key confirms only that one.
        pub email_lower: String,
        /// SHA-256 hex of the key.
        pub key_hash: String,
        /// When it was mailed.
        pub created_at: DateTimeUtc,
        /// Void from then on.
        pub expires_at: DateTimeUtc,
    }

    /// No relations needed by the queries.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
