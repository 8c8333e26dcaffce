//! The geography tree, `countries 1─* cities 1─* townships 1─* districts`, and its first data:
//! ISO 3166-1 countries and their ISO 3166-2 subdivisions as cities. Townships, districts and
//! postcodes come later from `storefront geo import`.
//!
//! The data is frozen in `data/iso3166.tsv` (taken from the `rust_iso3166` crate, 0.2, when this
//! migration was written) and `name_key` is copied here: a migration uses nothing of the live
//! crate, so a database created today and one upgraded from an older release hold the same rows.
//! The crate lists every ISO 3166-2 code of a country without parent links, so for the few
//! countries the standard splits on two levels (France's regions and departments, ...) both
//! levels are cities; where two subdivisions share a folded name only the first by code is in the
//! file, because cities are unique by name within a country.
//!
//! Names are unique per parent through a folded `name_key` column (case, spacing and Turkish
//! `ı`/`i` folded by the application), the same on both backends, which keeps imports
//! idempotent. Districts repeat their township's city because the API shows and filters it.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};

/// Countries (`code<TAB>name`), each followed by its subdivisions (`<TAB>iso code<TAB>name`).
const ISO_3166: &str = include_str!("data/iso3166.tsv");

/// A country of the seed, with its subdivisions (ISO 3166-2 code, name).
struct IsoCountry {
    code: &'static str,
    name: &'static str,
    subdivisions: Vec<(&'static str, &'static str)>,
}

fn iso_countries() -> Vec<IsoCountry> {
    let mut countries: Vec<IsoCountry> = Vec::new();
    for line in ISO_3166.lines() {
        match (line.strip_prefix('\t'), countries.last_mut()) {
            (Some(subdivision), Some(country)) => {
                if let Some(pair) = subdivision.split_once('\t') {
                    country.subdivisions.push(pair);
                }
            }
            _ => {
                if let Some((code, name)) = line.split_once('\t') {
                    countries.push(IsoCountry {
                        code,
                        name,
                        subdivisions: Vec::new(),
                    });
                }
            }
        }
    }
    countries
}

/// The geography area's `name_key` as it was when this migration was written: whitespace runs
/// collapsed, lower-cased, the dot of `İ` dropped and `ı` read as `i`.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .filter(|c| *c != '\u{307}')
        .map(|c| if c == 'ı' { 'i' } else { c })
        .collect()
}

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
    let countries = iso_countries();
    for chunk in countries.chunks(SEED_CHUNK) {
        let mut insert = Query::insert()
            .into_table(Countries::Table)
            .columns([Countries::Code, Countries::Name, Countries::IsActive])
            .to_owned();
        for country in chunk {
            insert
                .values([country.code.into(), country.name.into(), true.into()])
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

    let cities: Vec<(i64, &(&str, &str))> = countries
        .iter()
        .filter_map(|country| {
            country_ids
                .get(country.code)
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
        for (country_id, (code, name)) in chunk {
            insert
                .values([
                    (*country_id).into(),
                    (*name).into(),
                    name_key(name).into(),
                    (*code).into(),
                    true.into(),
                ])
                .map_err(values_error)?;
        }
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_has_turkey_and_its_81_provinces() {
        let countries = iso_countries();
        let turkey = countries
            .iter()
            .find(|country| country.code == "tr")
            .unwrap();
        assert_eq!(turkey.name, "Türkiye");
        assert_eq!(turkey.subdivisions.len(), 81);
        assert!(turkey.subdivisions.contains(&("TR-34", "İstanbul")));
        assert!(countries.len() >= 249);
    }

    #[test]
    fn names_fold_case_spacing_and_the_turkish_i() {
        assert_eq!(name_key("  İSTANBUL   Kadıköy "), "istanbul kadiköy");
    }
}
