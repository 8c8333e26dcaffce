//! The `countries`, `cities`, `townships` and `districts` tables, one SeaORM entity each. Never
//! serialized: handlers answer with the views in `types.rs`.

/// ISO 3166-1 countries, loaded by the geography migration.
pub mod country {
    use sea_orm::entity::prelude::*;

    /// One country.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "countries")]
    pub struct Model {
        /// Primary key (`pk` in the API).
        #[sea_orm(primary_key)]
        pub id: i64,
        /// ISO 3166-1 alpha-2, lower-case (`tr`).
        pub code: String,
        /// English short name.
        pub name: String,
        /// Only active rows are listed and accepted on addresses.
        pub is_active: bool,
        /// Names by language, when known.
        pub translations: Option<Json>,
    }

    /// Relations are not navigated through SeaORM; queries join by id.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Cities: ISO 3166-2 subdivisions from the migration, plus those a `geo import` adds.
pub mod city {
    use sea_orm::entity::prelude::*;

    /// One city (first-level subdivision).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cities")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The country.
        pub country_id: i64,
        /// Display name.
        pub name: String,
        /// The folded name, unique within the country (see `types::name_key`).
        pub name_key: String,
        /// ISO 3166-2 code (`TR-34`) of a seeded subdivision; `None` for imported cities.
        pub iso_code: Option<String>,
        /// Listing priority; lower first, `None` last.
        pub priority: Option<i32>,
        /// Postcode, when the city has one.
        pub postcode: Option<String>,
        /// Only active rows are listed and accepted on addresses.
        pub is_active: bool,
        /// Names by language, when known.
        pub translations: Option<Json>,
    }

    /// Relations are not navigated through SeaORM; queries join by id.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Townships (counties, "ilçe"), imported by the shop.
pub mod township {
    use sea_orm::entity::prelude::*;

    /// One township.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "townships")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The city.
        pub city_id: i64,
        /// Display name.
        pub name: String,
        /// The folded name, unique within the city.
        pub name_key: String,
        /// Postcode, when the township has one.
        pub postcode: Option<String>,
        /// Only active rows are listed and accepted on addresses.
        pub is_active: bool,
    }

    /// Relations are not navigated through SeaORM; queries join by id.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Districts (neighbourhoods, "mahalle"), imported by the shop.
pub mod district {
    use sea_orm::entity::prelude::*;

    /// One district.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "districts")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The township's city, kept here because the API shows it and filters by it.
        pub city_id: i64,
        /// The township.
        pub township_id: i64,
        /// Display name.
        pub name: String,
        /// The folded name, unique within the township.
        pub name_key: String,
        /// Postcode, when the district has one.
        pub postcode: Option<String>,
        /// Only active rows are listed and accepted on addresses.
        pub is_active: bool,
    }

    /// Relations are not navigated through SeaORM; queries join by id.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
