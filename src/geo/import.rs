//! `storefront geo import FILE`: cities, townships, districts and postcodes from a CSV or JSON
//! file (format in docs/geo-import.md). The whole file is read and checked first, so a bad row
//! stops the import with its line number before anything is written; then every change is
//! applied in one transaction. Places are matched on their folded names under their parent,
//! which makes a second run of the same file change nothing.

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    path::Path,
};

use sea_orm::{ConnectionTrait, DbErr};
use serde_json::Value;

use super::{
    queries::{self, Level, NewPlace, StoredPlace},
    types::name_key,
};
use crate::{config::DatabaseUrl, db};

/// The columns of a CSV file (its header row) and the keys of a JSON row.
pub const COLUMNS: [&str; 5] = ["country_code", "city", "township", "district", "postcode"];
const NAME_MAX_CHARS: usize = 128;
const POSTCODE_MAX_CHARS: usize = 16;

/// What an import changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Cities added.
    pub cities_added: usize,
    /// Townships added.
    pub townships_added: usize,
    /// Districts added.
    pub districts_added: usize,
    /// Places whose spelling or postcode changed, or that were made active again.
    pub updated: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "added: {} cities, {} townships, {} districts; updated: {}",
            self.cities_added, self.townships_added, self.districts_added, self.updated
        )
    }
}

/// Why an import did not happen.
#[derive(Debug)]
pub enum ImportError {
    /// A row (or the header, line 1) is malformed; nothing was written.
    Row {
        /// 1-based line in the file.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The file cannot be read or has an unknown extension.
    File(String),
    /// The database failed; the transaction was rolled back.
    Database(DbErr),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Row { line, message } => write!(f, "line {line}: {message}"),
            Self::File(message) => write!(f, "{message}"),
            Self::Database(error) => write!(f, "database error, nothing imported: {error}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<DbErr> for ImportError {
    fn from(error: DbErr) -> Self {
        Self::Database(error)
    }
}

fn row_error(line: u64, message: impl Into<String>) -> ImportError {
    ImportError::Row {
        line,
        message: message.into(),
    }
}

/// One checked row: a city, optionally a township in it, optionally a district in that, and
/// the postcode of the deepest place named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// 1-based line in the file.
    pub line: u64,
    /// ISO 3166-1 alpha-2, lower-case.
    pub country_code: String,
    /// City name.
    pub city: String,
    /// Township name.
    pub township: Option<String>,
    /// District name (needs a township).
    pub district: Option<String>,
    /// Postcode of the deepest place named.
    pub postcode: Option<String>,
}

/// The command: reads and checks `file`, connects (migrating), imports, prints the report.
pub async fn run(database_url: &DatabaseUrl, file: &Path) -> anyhow::Result<()> {
    let rows = read_file(file)?;
    let connection = db::connect_and_migrate(database_url).await?;
    let report = import_rows(&connection, rows).await?;
    println!("{report}");
    Ok(())
}

/// Reads, checks and imports a file.
pub async fn import_file(db: &db::Database, file: &Path) -> Result<ImportReport, ImportError> {
    let rows = read_file(file)?;
    import_rows(db, rows).await
}

/// Reads and checks a whole file; `.csv` or `.json` decides the format.
pub fn read_file(file: &Path) -> Result<Vec<ImportRow>, ImportError> {
    let extension = file
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = std::fs::read(file)
        .map_err(|error| ImportError::File(format!("reading {}: {error}", file.display())))?;
    match extension.as_deref() {
        Some("csv") => parse_csv(&bytes),
        Some("json") => {
            let text = std::str::from_utf8(&bytes).map_err(|error| {
                let line = line_at(&bytes, error.valid_up_to());
                row_error(line, "not valid UTF-8")
            })?;
            parse_json(text)
        }
        _ => Err(ImportError::File(format!(
            "{}: the file name must end in .csv or .json",
            file.display()
        ))),
    }
}

fn line_at(bytes: &[u8], offset: usize) -> u64 {
    let newlines = bytes
        .iter()
        .take(offset)
        .filter(|byte| **byte == b'\n')
        .count();
    u64::try_from(newlines).unwrap_or(u64::MAX - 1) + 1
}

/// Parses CSV with a header row naming some of [`COLUMNS`] (`country_code` and `city` required).
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<ImportRow>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let csv_error = |error: csv::Error| {
        let line = error.position().map_or(1, csv::Position::line);
        let message = match error.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("expected {expected_len} fields like the header, found {len}"),
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
            _ => error.to_string(),
        };
        row_error(line, message)
    };
    let header = reader.headers().map_err(csv_error)?.clone();
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (index, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        let Some(column) = COLUMNS.iter().find(|column| **column == name) else {
            return Err(row_error(
                1,
                format!(
                    "unknown column \"{name}\" (the columns are {})",
                    COLUMNS.join(",")
                ),
            ));
        };
        if positions.insert(column, index).is_some() {
            return Err(row_error(1, format!("column \"{name}\" appears twice")));
        }
    }
    for required in ["country_code", "city"] {
        if !positions.contains_key(required) {
            return Err(row_error(1, format!("missing column \"{required}\"")));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |name: &str| {
            positions
                .get(name)
                .and_then(|index| record.get(*index))
                .map(str::to_owned)
        };
        rows.push(check_row(
            line,
            field("country_code"),
            field("city"),
            field("township"),
            field("district"),
            field("postcode"),
        )?);
    }
    Ok(rows)
}

/// Parses a JSON array of objects with the keys of [`COLUMNS`]; a row's line is where its
/// object starts.
pub fn parse_json(text: &str) -> Result<Vec<ImportRow>, ImportError> {
    let bytes = text.as_bytes();
    let skip_whitespace = |mut position: usize| {
        while bytes.get(position).is_some_and(u8::is_ascii_whitespace) {
            position += 1;
        }
        position
    };
    let mut position = skip_whitespace(0);
    if bytes.get(position) != Some(&b'[') {
        return Err(row_error(
            line_at(bytes, position),
            "expected a JSON array of rows",
        ));
    }
    position = skip_whitespace(position + 1);
    let mut rows = Vec::new();
    if bytes.get(position) == Some(&b']') {
        position += 1;
    } else {
        loop {
            let line = line_at(bytes, position);
            let rest = text.get(position..).unwrap_or_default();
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            let value = match values.next() {
                Some(Ok(value)) => value,
                Some(Err(error)) => {
                    let error_line = u64::try_from(error.line()).unwrap_or(1).max(1);
                    return Err(row_error(line + error_line - 1, error.to_string()));
                }
                None => return Err(row_error(line, "unexpected end of file")),
            };
            position = skip_whitespace(position + values.byte_offset());
            rows.push(json_row(line, value)?);
            match bytes.get(position) {
                Some(b',') => position = skip_whitespace(position + 1),
                Some(b']') => {
                    position += 1;
                    break;
                }
                _ => {
                    return Err(row_error(
                        line_at(bytes, position),
                        "expected `,` or `]` after a row",
                    ));
                }
            }
        }
    }
    let end = skip_whitespace(position);
    if end < bytes.len() {
        return Err(row_error(
            line_at(bytes, end),
            "unexpected text after the array",
        ));
    }
    Ok(rows)
}

fn json_row(line: u64, value: Value) -> Result<ImportRow, ImportError> {
    let Value::Object(fields) = value else {
        return Err(row_error(line, "a row must be an object"));
    };
    if let Some(unknown) = fields.keys().find(|key| !COLUMNS.contains(&key.as_str())) {
        return Err(row_error(
            line,
            format!(
                "unknown field \"{unknown}\" (the fields are {})",
                COLUMNS.join(", ")
            ),
        ));
    }
    let mut values = Vec::with_capacity(COLUMNS.len());
    for name in COLUMNS {
        values.push(match fields.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            Some(_) => {
                return Err(row_error(
                    line,
                    format!("\"{name}\" must be a string or null"),
                ));
            }
        });
    }
    let mut values = values.into_iter();
    let mut next = || values.next().flatten();
    check_row(line, next(), next(), next(), next(), next())
}

fn check_row(
    line: u64,
    country_code: Option<String>,
    city: Option<String>,
    township: Option<String>,
    district: Option<String>,
    postcode: Option<String>,
) -> Result<ImportRow, ImportError> {
    let present = |value: Option<String>| {
        value
            .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|value| !value.is_empty())
    };
    let name = |column: &str, value: Option<String>| match present(value) {
        Some(value) if value.chars().count() > NAME_MAX_CHARS => Err(row_error(
            line,
            format!("{column} is longer than {NAME_MAX_CHARS} characters"),
        )),
        value => Ok(value),
    };
    let country_code = present(country_code)
        .ok_or_else(|| row_error(line, "country_code is empty"))?
        .to_ascii_lowercase();
    if country_code.len() != 2
        || rust_iso3166::from_alpha2(&country_code.to_ascii_uppercase()).is_none()
    {
        return Err(row_error(
            line,
            format!(
                "unknown country code \"{country_code}\" (expected ISO 3166-1 alpha-2, e.g. tr)"
            ),
        ));
    }
    let city = name("city", city)?.ok_or_else(|| row_error(line, "city is empty"))?;
    let township = name("township", township)?;
    let district = name("district", district)?;
    if district.is_some() && township.is_none() {
        return Err(row_error(line, "a district needs its township"));
    }
    let postcode = present(postcode);
    if postcode
        .as_ref()
        .is_some_and(|postcode| postcode.chars().count() > POSTCODE_MAX_CHARS)
    {
        return Err(row_error(
            line,
            format!("postcode is longer than {POSTCODE_MAX_CHARS} characters"),
        ));
    }
    Ok(ImportRow {
        line,
        country_code,
        city,
        township,
        district,
        postcode,
    })
}

/// What the file says one place should be: its spelling and, if given, its postcode (the
/// last row naming the place wins).
#[derive(Debug, Default)]
struct Wanted {
    name: String,
    postcode: Option<String>,
}

impl Wanted {
    fn mention(&mut self, name: &str, postcode: Option<&String>) {
        name.clone_into(&mut self.name);
        if let Some(postcode) = postcode {
            self.postcode = Some(postcode.clone());
        }
    }
}

type CityKey = (i64, String);
type TownshipKey = (i64, String, String);
type DistrictKey = (i64, String, String, String);

/// Applies checked rows in one transaction.
pub async fn import_rows(
    db: &db::Database,
    rows: Vec<ImportRow>,
) -> Result<ImportReport, ImportError> {
    let country_ids = queries::country_ids_by_code(db.read()).await?;
    let mut cities: BTreeMap<CityKey, Wanted> = BTreeMap::new();
    let mut townships: BTreeMap<TownshipKey, Wanted> = BTreeMap::new();
    let mut districts: BTreeMap<DistrictKey, Wanted> = BTreeMap::new();
    for row in &rows {
        let Some(country_id) = country_ids.get(&row.country_code).copied() else {
            return Err(row_error(
                row.line,
                format!("country \"{}\" is not in the database", row.country_code),
            ));
        };
        let city_key = name_key(&row.city);
        let deepest = |is_deepest: bool| row.postcode.as_ref().filter(|_| is_deepest);
        cities
            .entry((country_id, city_key.clone()))
            .or_default()
            .mention(&row.city, deepest(row.township.is_none()));
        let Some(township) = &row.township else {
            continue;
        };
        let township_key = name_key(township);
        townships
            .entry((country_id, city_key.clone(), township_key.clone()))
            .or_default()
            .mention(township, deepest(row.district.is_none()));
        if let Some(district) = &row.district {
            districts
                .entry((country_id, city_key, township_key, name_key(district)))
                .or_default()
                .mention(district, deepest(true));
        }
    }

    let transaction = db.write().await?;
    let mut report = ImportReport::default();

    let country_list: Vec<i64> = dedup(cities.keys().map(|(country, _)| *country));
    let (city_ids, added, updated) = apply_level(
        &transaction,
        Level::City,
        &country_list,
        cities
            .iter()
            .map(|((country, city), wanted)| (*country, None, city.clone(), wanted)),
    )
    .await?;
    report.cities_added = added;
    report.updated += updated;

    let mut township_parents = Vec::new();
    for ((country, city, township), wanted) in &townships {
        let city_id = lookup(&city_ids, *country, city)?;
        township_parents.push((city_id, township.clone(), wanted));
    }
    let city_list = dedup(township_parents.iter().map(|(city, _, _)| *city));
    let (township_ids, added, updated) = apply_level(
        &transaction,
        Level::Township,
        &city_list,
        township_parents
            .iter()
            .map(|(city, township, wanted)| (*city, None, township.clone(), *wanted)),
    )
    .await?;
    report.townships_added = added;
    report.updated += updated;

    let mut district_parents = Vec::new();
    for ((country, city, township, district), wanted) in &districts {
        let city_id = lookup(&city_ids, *country, city)?;
        let township_id = lookup(&township_ids, city_id, township)?;
        district_parents.push((township_id, city_id, district.clone(), wanted));
    }
    let township_list = dedup(district_parents.iter().map(|(township, ..)| *township));
    let (_, added, updated) = apply_level(
        &transaction,
        Level::District,
        &township_list,
        district_parents
            .iter()
            .map(|(township, city, district, wanted)| {
                (*township, Some(*city), district.clone(), *wanted)
            }),
    )
    .await?;
    report.districts_added = added;
    report.updated += updated;

    transaction.commit().await?;
    tracing::info!(%report, rows = rows.len(), "geography imported");
    Ok(report)
}

fn dedup(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn lookup(ids: &HashMap<(i64, String), i64>, parent: i64, key: &str) -> Result<i64, ImportError> {
    ids.get(&(parent, key.to_owned())).copied().ok_or_else(|| {
        ImportError::Database(DbErr::Custom(format!(
            "a place just written is missing: {key}"
        )))
    })
}

/// Adds and updates one level; returns the ids of every place under `parents` by
/// (parent, folded name), and how many were added and updated.
async fn apply_level<'a>(
    db: &impl ConnectionTrait,
    level: Level,
    parents: &[i64],
    wanted: impl Iterator<Item = (i64, Option<i64>, String, &'a Wanted)>,
) -> Result<(HashMap<(i64, String), i64>, usize, usize), ImportError> {
    let stored: HashMap<(i64, String), StoredPlace> = queries::places_under(db, level, parents)
        .await?
        .into_iter()
        .map(|place| ((place.parent_id, place.name_key.clone()), place))
        .collect();
    let mut new_places = Vec::new();
    let mut updated = 0;
    for (parent_id, city_id, key, wanted) in wanted {
        match stored.get(&(parent_id, key.clone())) {
            None => new_places.push(NewPlace {
                parent_id,
                city_id,
                name: wanted.name.clone(),
                name_key: key,
                postcode: wanted.postcode.clone(),
            }),
            Some(place) => {
                let postcode = wanted.postcode.as_ref().or(place.postcode.as_ref());
                if place.name != wanted.name
                    || place.postcode.as_ref() != postcode
                    || !place.is_active
                {
                    queries::update_place(
                        db,
                        level,
                        place.id,
                        &wanted.name,
                        postcode.map(String::as_str),
                    )
                    .await?;
                    updated += 1;
                }
            }
        }
    }
    let added = new_places.len();
    queries::insert_places(db, level, &new_places).await?;
    let ids = if added == 0 {
        stored
            .into_iter()
            .map(|(key, place)| (key, place.id))
            .collect()
    } else {
        queries::places_under(db, level, parents)
            .await?
            .into_iter()
            .map(|place| ((place.parent_id, place.name_key), place.id))
            .collect()
    };
    Ok((ids, added, updated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_trimmed_and_keep_their_line() {
        let rows = parse_csv(
            "country_code,city,township,district,postcode\n TR , İstanbul ,Kadıköy,,34710\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![ImportRow {
                line: 2,
                country_code: "tr".into(),
                city: "İstanbul".into(),
                township: Some("Kadıköy".into()),
                district: None,
                postcode: Some("34710".into()),
            }]
        );
    }

    #[test]
    fn csv_columns_may_be_few_and_in_any_order() {
        let rows = parse_csv("city,country_code\nAnkara,tr\n".as_bytes()).unwrap();
        assert_eq!(rows[0].city, "Ankara");
        assert_eq!(rows[0].township, None);
    }

    #[test]
    fn bad_csv_rows_name_their_line() {
        let cases = [
            (
                "country_code,city\ntr,Ankara\nxx,Foo\n",
                "line 3: unknown country code \"xx\"",
            ),
            (
                "country_code,city\ntr,Ankara\ntr\n",
                "line 3: expected 2 fields like the header, found 1",
            ),
            (
                "country_code,city,district\ntr,Ankara,Kızılay\n",
                "line 2: a district needs its township",
            ),
            (
                "country_code,town\ntr,Ankara\n",
                "line 1: unknown column \"town\"",
            ),
            (
                "country_code,township\ntr,Ankara\n",
                "line 1: missing column \"city\"",
            ),
            ("country_code,city\ntr,\n", "line 2: city is empty"),
        ];
        for (text, expected) in cases {
            let error = parse_csv(text.as_bytes()).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error} / {expected}");
        }
    }

    #[test]
    fn json_rows_are_objects_and_report_the_line_they_start_on() {
        let text = "[\n  {\"country_code\": \"tr\", \"city\": \"Ankara\", \"postcode\": 6420},\n  {\"country_code\": \"tr\",\n   \"city\": null}\n]\n";
        let error = parse_json(text).unwrap_err().to_string();
        assert_eq!(error, "line 3: city is empty");
        let rows =
            parse_json("[{\"country_code\": \"tr\", \"city\": \"Ankara\", \"postcode\": 6420}]")
                .unwrap();
        assert_eq!(rows[0].postcode.as_deref(), Some("6420"));
        assert!(parse_json("[]").unwrap().is_empty());
        for bad in [
            "{}",
            "[1]",
            "[{\"city\": \"x\", \"country_code\": \"tr\"} {}]",
            "[{\"town\": 1}]",
            "[{\"city\": ",
        ] {
            assert!(parse_json(bad).is_err(), "{bad}");
        }
    }
}
