//! The tables of this area (migration m0011): confirmation keys and pending e-mail changes.
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

/// The pending (or applied) e-mail change of a user: at most one.
pub mod change {
    use sea_orm::entity::prelude::*;

    /// A requested change to `new_email`, confirmed by the token mailed there.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "email_changes")]
    pub struct Model {
        /// The user; one change per user, a new one replaces it.
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        /// The new address as typed.
        pub new_email: String,
        /// SHA-256 hex of the token.
        pub token_hash: String,
        /// When it was requested.
        pub created_at: DateTimeUtc,
        /// Void from then on.
        pub expires_at: DateTimeUtc,
        /// When it was applied; the row stays so that the link answers "ok" again.
        pub applied_at: Option<DateTimeUtc>,
    }

    /// No relations needed by the queries.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
