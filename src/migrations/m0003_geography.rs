//! The geography tree, `countries 1─* cities 1─* townships 1─* districts`, and its first data:
//! ISO 3166-1 countries and their ISO 3166-2 subdivisions as cities (see `geo::iso`). Townships,
//! districts and postcodes come later from `storefront geo import`.
//!
//! Names are unique per parent through a folded `name_key` column (case, spacing and Turkish
//! `ı`/`i` folded by the application), the same on both backends, which keeps imports
//! idempotent. Districts repeat their township's city because the API shows and filters it.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};

use crate::geo::{iso, name_key};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Countries {
    Table,
    Id,
    Code,
    Name,
    IsActive,
    Translations,
}

#[derive(DeriveIden)]
enum Cities {
    Table,
    Id,
    CountryId,
    Name,
    NameKey,
    IsoCode,
    Priority,
    Postcode,
    IsActive,
    Translations,
}

#[derive(DeriveIden)]
enum Townships {
    Table,
    Id,
    CityId,
    Name,
    NameKey,
    Postcode,
    IsActive,
}

#[derive(DeriveIden)]
enum Districts {
    Table,
    Id,
    CityId,
    TownshipId,
    Name,
    NameKey,
    Postcode,
    IsActive,
}

const NAME_MAX: u32 = 128;
const POSTCODE_MAX: u32 = 16;
// Rows per INSERT while seeding: ~2,500 parameters, far below either backend's limit.
const SEED_CHUNK: usize = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager).await?;
        seed_iso_3166(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Districts::Table.into_iden(),
            Townships::Table.into_iden(),
            Cities::Table.into_iden(),
            Countries::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn create_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Countries::Table)
                .col(big_pk_auto(Countries::Id))
                // ISO 3166-1 alpha-2, lower-case as the API shows it.
                .col(string_len_uniq(Countries::Code, 2))
                .col(string_len(Countries::Name, NAME_MAX))
                .col(boolean(Countries::IsActive))
                .col(json_null(Countries::Translations))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Cities::Table)
                .col(big_pk_auto(Cities::Id))
                .col(big_integer(Cities::CountryId))
                .col(string_len(Cities::Name, NAME_MAX))
                .col(string_len(Cities::NameKey, NAME_MAX * 2))
                // ISO 3166-2 code of a seeded subdivision (`TR-34`); null for imported cities.
                .col(string_len_null(Cities::IsoCode, 8))
                .col(integer_null(Cities::Priority))
                .col(string_len_null(Cities::Postcode, POSTCODE_MAX))
                .col(boolean(Cities::IsActive))
                .col(json_null(Cities::Translations))
                .foreign_key(
                    ForeignKey::create()
                        .name("cities_country_id")
                        .from(Cities::Table, Cities::CountryId)
                        .to(Countries::Table, Countries::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Townships::Table)
                .col(big_pk_auto(Townships::Id))
                .col(big_integer(Townships::CityId))
                .col(string_len(Townships::Name, NAME_MAX))
                .col(string_len(Townships::NameKey, NAME_MAX * 2))
                .col(string_len_null(Townships::Postcode, POSTCODE_MAX))
                .col(boolean(Townships::IsActive))
                .foreign_key(
                    ForeignKey::create()
                        .name("townships_city_id")
                        .from(Townships::Table, Townships::CityId)
                        .to(Cities::Table, Cities::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Districts::Table)
                .col(big_pk_auto(Districts::Id))
                .col(big_integer(Districts::CityId))
                .col(big_integer(Districts::TownshipId))
                .col(string_len(Districts::Name, NAME_MAX))
                .col(string_len(Districts::NameKey, NAME_MAX * 2))
                .col(string_len_null(Districts::Postcode, POSTCODE_MAX))
                .col(boolean(Districts::IsActive))
                .foreign_key(
                    ForeignKey::create()
                        .name("districts_city_id")
                        .from(Districts::Table, Districts::CityId)
                        .to(Cities::Table, Cities::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("districts_township_id")
                        .from(Districts::Table, Districts::TownshipId)
                        .to(Townships::Table, Townships::Id),
                )
                .to_owned(),
        )
        .await?;
    // The unique keys double as the indexes of "children of this parent" lookups.
    for (name, table, parent, key) in [
        (
            "cities_country_id_name_key",
            Cities::Table.into_iden(),
            Cities::CountryId.into_iden(),
            Cities::NameKey.into_iden(),
        ),
        (
            "townships_city_id_name_key",
            Townships::Table.into_iden(),
            Townships::CityId.into_iden(),
            Townships::NameKey.into_iden(),
        ),
        (
            "districts_township_id_name_key",
            Districts::Table.into_iden(),
            Districts::TownshipId.into_iden(),
            Districts::NameKey.into_iden(),
        ),
    ] {
        manager
            .create_index(
                Index::create()
                    .name(name)
                    .table(table)
                    .col(parent)
                    .col(key)
                    .unique()
                    .to_owned(),
            )
            .await?;
    }
    manager
        .create_index(
            Index::create()
                .name("districts_city_id")
                .table(Districts::Table)
                .col(Districts::CityId)
                .to_owned(),
        )
        .await
}

fn values_error(error: sea_query::error::Error) -> DbErr {
    DbErr::Custom(format!("building the ISO 3166 seed: {error}"))
}

async fn seed_iso_3166(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let countries = iso::countries();
    for chunk in countries.chunks(SEED_CHUNK) {
        let mut insert = Query::insert()
            .into_table(Countries::Table)
            .columns([Countries::Code, Countries::Name, Countries::IsActive])
            .to_owned();
        for country in chunk {
            insert
                .values([
                    country.code.clone().into(),
                    country.name.clone().into(),
                    true.into(),
                ])
                .map_err(values_error)?;
        }
        manager.exec_stmt(insert).await?;
    }

    let connection = manager.get_connection();
    let rows = connection
        .query_all(
            &Query::select()
                .columns([Countries::Id, Countries::Code])
                .from(Countries::Table)
                .to_owned(),
        )
        .await?;
    let mut country_ids = std::collections::HashMap::new();
    for row in rows {
        let id: i64 = row.try_get("", "id")?;
        let code: String = row.try_get("", "code")?;
        country_ids.insert(code, id);
    }

    let cities: Vec<(i64, &iso::IsoSubdivision)> = countries
        .iter()
        .filter_map(|country| {
            country_ids
                .get(&country.code)
                .map(|id| (*id, &country.subdivisions))
        })
        .flat_map(|(id, subdivisions)| subdivisions.iter().map(move |city| (id, city)))
        .collect();
    for chunk in cities.chunks(SEED_CHUNK) {
        let mut insert = Query::insert()
            .into_table(Cities::Table)
            .columns([
                Cities::CountryId,
                Cities::Name,
                Cities::NameKey,
                Cities::IsoCode,
                Cities::IsActive,
            ])
            .to_owned();
        for (country_id, city) in chunk {
            insert
                .values([
                    (*country_id).into(),
                    city.name.clone().into(),
                    name_key(&city.name).into(),
                    city.code.clone().into(),
                    true.into(),
                ])
                .map_err(values_error)?;
        }
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}
