//! Every database read and write of the geography area.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::{
    entity::{city, country, district, township},
    types::{City, Country, District, Township},
};

/// Bounds the ids of one `IN (...)` list, well under both backends' parameter limits.
const IN_CHUNK: usize = 1000;
/// Rows per multi-row `INSERT`.
const INSERT_CHUNK: usize = 500;

/// Every active country, city, township and district (the lookups' cache is built from these).
pub async fn active_places(
    db: &impl ConnectionTrait,
) -> Result<(Vec<Country>, Vec<City>, Vec<Township>, Vec<District>), DbErr> {
    let countries = country::Entity::find()
        .filter(country::Column::IsActive.eq(true))
        .all(db)
        .await?;
    let cities = city::Entity::find()
        .filter(city::Column::IsActive.eq(true))
        .all(db)
        .await?;
    let townships = township::Entity::find()
        .filter(township::Column::IsActive.eq(true))
        .all(db)
        .await?;
    let districts = district::Entity::find()
        .filter(district::Column::IsActive.eq(true))
        .all(db)
        .await?;
    Ok((
        countries.into_iter().map(Country::from).collect(),
        cities.into_iter().map(City::from).collect(),
        townships.into_iter().map(Township::from).collect(),
        districts.into_iter().map(District::from).collect(),
    ))
}

/// The country with this id, active or not.
pub async fn find_country(db: &impl ConnectionTrait, id: i64) -> Result<Option<Country>, DbErr> {
    Ok(country::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Country::from))
}

/// The city with this id, active or not.
pub async fn find_city(db: &impl ConnectionTrait, id: i64) -> Result<Option<City>, DbErr> {
    Ok(city::Entity::find_by_id(id).one(db).await?.map(City::from))
}

/// The township with this id, active or not.
pub async fn find_township(db: &impl ConnectionTrait, id: i64) -> Result<Option<Township>, DbErr> {
    Ok(township::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Township::from))
}

/// The district with this id, active or not.
pub async fn find_district(db: &impl ConnectionTrait, id: i64) -> Result<Option<District>, DbErr> {
    Ok(district::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(District::from))
}

/// Rows of `E` by id, as `T`: one query, whatever the number of ids.
async fn by_ids<E, T>(
    db: &impl ConnectionTrait,
    id_column: E::Column,
    id_of: fn(&E::Model) -> i64,
    ids: &[i64],
) -> Result<HashMap<i64, T>, DbErr>
where
    E: EntityTrait,
    E::Model: Into<T>,
{
    let rows = E::find()
        .filter(id_column.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (id_of(&row), row.into()))
        .collect())
}

/// Countries by id: one query.
pub async fn countries_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Country>, DbErr> {
    by_ids::<country::Entity, _>(db, country::Column::Id, |row| row.id, ids).await
}

/// Cities by id: one query.
pub async fn cities_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, City>, DbErr> {
    by_ids::<city::Entity, _>(db, city::Column::Id, |row| row.id, ids).await
}

/// Townships by id: one query.
pub async fn townships_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Township>, DbErr> {
    by_ids::<township::Entity, _>(db, township::Column::Id, |row| row.id, ids).await
}

/// Districts by id: one query.
pub async fn districts_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, District>, DbErr> {
    by_ids::<district::Entity, _>(db, district::Column::Id, |row| row.id, ids).await
}

/// Country ids by lower-case alpha-2 code.
pub async fn country_ids_by_code(db: &impl ConnectionTrait) -> Result<HashMap<String, i64>, DbErr> {
    let rows = country::Entity::find().all(db).await?;
    Ok(rows.into_iter().map(|row| (row.code, row.id)).collect())
}

/// The levels an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Cities under countries.
    City,
    /// Townships under cities.
    Township,
    /// Districts under townships.
    District,
}

/// A stored place as an import compares it with the file.
#[derive(Debug, Clone)]
pub struct StoredPlace {
    /// Primary key.
    pub id: i64,
    /// The parent's id (country, city or township).
    pub parent_id: i64,
    /// Display name.
    pub name: String,
    /// Folded name.
    pub name_key: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Whether it is offered.
    pub is_active: bool,
}

impl StoredPlace {
    fn of(
        id: i64,
        parent_id: i64,
        name: String,
        name_key: String,
        postcode: Option<String>,
        is_active: bool,
    ) -> Self {
        Self {
            id,
            parent_id,
            name,
            name_key,
            postcode,
            is_active,
        }
    }
}

/// Every row of `E` that `condition` admits.
async fn rows_where<E: EntityTrait>(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<E::Model>, DbErr> {
    E::find().filter(condition).all(db).await
}

/// A place an import adds.
#[derive(Debug, Clone)]
pub struct NewPlace {
    /// The parent's id (country, city or township).
    pub parent_id: i64,
    /// For districts, the township's city.
    pub city_id: Option<i64>,
    /// Display name.
    pub name: String,
    /// Folded name.
    pub name_key: String,
    /// Postcode.
    pub postcode: Option<String>,
}

/// The places of one level under the given parents.
pub async fn places_under(
    db: &impl ConnectionTrait,
    level: Level,
    parent_ids: &[i64],
) -> Result<Vec<StoredPlace>, DbErr> {
    let mut places = Vec::new();
    for chunk in parent_ids.chunks(IN_CHUNK) {
        let ids = chunk.iter().copied();
        match level {
            Level::City => {
                let rows = rows_where::<city::Entity>(db, city::Column::CountryId.is_in(ids));
                places.extend(rows.await?.into_iter().map(|row| {
                    StoredPlace::of(
                        row.id,
                        row.country_id,
                        row.name,
                        row.name_key,
                        row.postcode,
                        row.is_active,
                    )
                }));
            }
            Level::Township => {
                let rows = rows_where::<township::Entity>(db, township::Column::CityId.is_in(ids));
                places.extend(rows.await?.into_iter().map(|row| {
                    StoredPlace::of(
                        row.id,
                        row.city_id,
                        row.name,
                        row.name_key,
                        row.postcode,
                        row.is_active,
                    )
                }));
            }
            Level::District => {
                let rows =
                    rows_where::<district::Entity>(db, district::Column::TownshipId.is_in(ids));
                places.extend(rows.await?.into_iter().map(|row| {
                    StoredPlace::of(
                        row.id,
                        row.township_id,
                        row.name,
                        row.name_key,
                        row.postcode,
                        row.is_active,
                    )
                }));
            }
        }
    }
    Ok(places)
}

/// Inserts new places of one level, active, in multi-row statements.
pub async fn insert_places(
    db: &impl ConnectionTrait,
    level: Level,
    places: &[NewPlace],
) -> Result<(), DbErr> {
    for chunk in places.chunks(INSERT_CHUNK) {
        match level {
            Level::City => {
                let rows = chunk.iter().map(|place| city::ActiveModel {
                    country_id: Set(place.parent_id),
                    name: Set(place.name.clone()),
                    name_key: Set(place.name_key.clone()),
                    iso_code: Set(None),
                    priority: Set(None),
                    postcode: Set(place.postcode.clone()),
                    is_active: Set(true),
                    translations: Set(None),
                    ..Default::default()
                });
                city::Entity::insert_many(rows)
                    .exec_without_returning(db)
                    .await?;
            }
            Level::Township => {
                let rows = chunk.iter().map(|place| township::ActiveModel {
                    city_id: Set(place.parent_id),
                    name: Set(place.name.clone()),
                    name_key: Set(place.name_key.clone()),
                    postcode: Set(place.postcode.clone()),
                    is_active: Set(true),
                    ..Default::default()
                });
                township::Entity::insert_many(rows)
                    .exec_without_returning(db)
                    .await?;
            }
            Level::District => {
                let rows = chunk.iter().map(|place| district::ActiveModel {
                    city_id: Set(place.city_id.unwrap_or_default()),
                    township_id: Set(place.parent_id),
                    name: Set(place.name.clone()),
                    name_key: Set(place.name_key.clone()),
                    postcode: Set(place.postcode.clone()),
                    is_active: Set(true),
                    ..Default::default()
                });
                district::Entity::insert_many(rows)
                    .exec_without_returning(db)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Renames a place, sets its postcode and makes it active again.
pub async fn update_place(
    db: &impl ConnectionTrait,
    level: Level,
    id: i64,
    name: &str,
    postcode: Option<&str>,
) -> Result<(), DbErr> {
    let postcode = postcode.map(str::to_owned);
    match level {
        Level::City => {
            city::ActiveModel {
                id: Set(id),
                name: Set(name.to_owned()),
                postcode: Set(postcode),
                is_active: Set(true),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
        Level::Township => {
            township::ActiveModel {
                id: Set(id),
                name: Set(name.to_owned()),
                postcode: Set(postcode),
                is_active: Set(true),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
        Level::District => {
            district::ActiveModel {
                id: Set(id),
                name: Set(name.to_owned()),
                postcode: Set(postcode),
                is_active: Set(true),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
    }
    Ok(())
}
