//! The lookups' in-memory copy of every active place. Geography changes only through
//! `storefront geo import`, a command of its own, so the lists are served from memory: an import
//! reaches a running server when the copy ages out ([`MAX_AGE`]).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, DbErr};

use super::{
    queries,
    types::{City, Country, District, Township, name_key},
};

/// How long a copy is served before it is reloaded.
pub const MAX_AGE: Duration = Duration::from_secs(600);

/// A loaded copy and when it was loaded.
type Loaded = Option<(Instant, Arc<Places>)>;

/// Shared handle to the copy; cheap to clone.
#[derive(Clone, Default)]
pub struct GeoCache {
    current: Arc<RwLock<Loaded>>,
    // One load at a time: concurrent misses wait for it instead of each querying the database.
    loading: Arc<tokio::sync::Mutex<()>>,
}

impl GeoCache {
    /// An empty cache; the first lookup loads it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every active place, from memory when the copy is fresh.
    pub async fn places(&self, db: &impl ConnectionTrait) -> Result<Arc<Places>, DbErr> {
        if let Some(places) = self.fresh() {
            return Ok(places);
        }
        let _loading = self.loading.lock().await;
        if let Some(places) = self.fresh() {
            return Ok(places);
        }
        let (countries, cities, townships, districts) = queries::active_places(db).await?;
        let places = Arc::new(Places::new(countries, cities, townships, districts));
        if let Ok(mut current) = self.current.write() {
            *current = Some((Instant::now(), places.clone()));
        }
        Ok(places)
    }

    fn fresh(&self) -> Option<Arc<Places>> {
        let current = self.current.read().ok()?;
        let (loaded_at, places) = current.as_ref()?;
        (loaded_at.elapsed() < MAX_AGE).then(|| places.clone())
    }
}

/// One level of the tree: rows in listing order, found by id or by parent.
pub struct Level<T> {
    rows: Vec<T>,
    by_id: HashMap<i64, usize>,
    by_parent: HashMap<i64, Vec<usize>>,
}

impl<T> Level<T> {
    fn new(
        mut rows: Vec<T>,
        id: fn(&T) -> i64,
        parent: fn(&T) -> i64,
        order: impl Fn(&T) -> (i64, String),
    ) -> Self {
        rows.sort_by_cached_key(|row| (order(row), id(row)));
        let by_id = rows
            .iter()
            .enumerate()
            .map(|(index, row)| (id(row), index))
            .collect();
        let mut by_parent: HashMap<i64, Vec<usize>> = HashMap::new();
        for (index, row) in rows.iter().enumerate() {
            by_parent.entry(parent(row)).or_default().push(index);
        }
        Self {
            rows,
            by_id,
            by_parent,
        }
    }

    /// Every row, in listing order.
    pub fn all(&self) -> impl Iterator<Item = &T> {
        self.rows.iter()
    }

    /// The rows under one parent, in listing order.
    pub fn under(&self, parent_id: i64) -> impl Iterator<Item = &T> {
        self.by_parent
            .get(&parent_id)
            .into_iter()
            .flatten()
            .filter_map(|index| self.rows.get(*index))
    }

    /// The row with this id.
    pub fn get(&self, id: i64) -> Option<&T> {
        self.by_id.get(&id).and_then(|index| self.rows.get(*index))
    }
}

/// Every active place. Order: priority (cities; `None` last), then folded name, then pk.
pub struct Places {
    /// Countries (no parent).
    pub countries: Level<Country>,
    /// Cities by country.
    pub cities: Level<City>,
    /// Townships by city.
    pub townships: Level<Township>,
    /// Districts by township.
    pub districts: Level<District>,
    /// Districts by city (a filter the client may use).
    pub districts_by_city: HashMap<i64, Vec<i64>>,
}

impl Places {
    fn new(
        countries: Vec<Country>,
        cities: Vec<City>,
        townships: Vec<Township>,
        districts: Vec<District>,
    ) -> Self {
        let mut districts_by_city: HashMap<i64, Vec<i64>> = HashMap::new();
        let districts = Level::new(
            districts,
            |row| row.id,
            |row| row.township_id,
            |row| (0, name_key(&row.name)),
        );
        for district in districts.all() {
            districts_by_city
                .entry(district.city_id)
                .or_default()
                .push(district.id);
        }
        Self {
            countries: Level::new(
                countries,
                |row| row.id,
                |_| 0,
                |row| (0, name_key(&row.name)),
            ),
            cities: Level::new(
                cities,
                |row| row.id,
                |row| row.country_id,
                |row| {
                    (
                        row.priority.map_or(i64::MAX, i64::from),
                        name_key(&row.name),
                    )
                },
            ),
            townships: Level::new(
                townships,
                |row| row.id,
                |row| row.city_id,
                |row| (0, name_key(&row.name)),
            ),
            districts,
            districts_by_city,
        }
    }
}
