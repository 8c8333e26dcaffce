//! Phone numbers in E.164. Until now `users.phone` and `addresses.phone_number` held what a digit
//! filter left of the typed number (`05321234567`, `+905321234567`, and `+0000000000`, which it
//! accepted); the application now parses numbers with libphonenumber's metadata and stores E.164
//! (`+905321234567`). This rewrites the rows written before; the columns stay text.
//!
//! Frozen like every migration: the parse below is a copy, not the application's `PhoneNumber`,
//! so a fresh database and an upgraded one cannot come to differ when that code changes.
//!
//! Region: a number without `+` was typed for the shop's country. Runtime configuration is not
//! at hand here (`storefront migrate` and the test databases run migrations with no settings), so
//! the region is read from the environment as the server reads it, `PHONE_DEFAULT_REGION`, and is
//! `TR` (the default of that setting) when the variable is unset or not a region.
//!
//! A value that does not parse as a valid number:
//! - `users.phone` becomes NULL. The phone is optional, an invalid one is no number (an SMS to it
//!   cannot arrive), and the profile then shows an empty field the customer can fill again.
//! - `addresses.phone_number` is kept as it was. The column is required and the number is what a
//!   courier calls; a possibly wrong number beats none for a human reading it, and no made-up
//!   placeholder would be better. The application shows such a value as stored, and the next edit
//!   of the address must give a valid number.
//!
//! `addresses.hash_data` is left as computed at the address's last save: it is written, never
//! compared, and the next save recomputes it.
//!
//! `down` changes nothing: E.164 numbers also pass the old digit filter, so older code reads
//! them, and the phones set to NULL cannot be restored.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbErr},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(Clone, Copy, DeriveIden)]
enum Users {
    Table,
    Id,
    Phone,
}

#[derive(Clone, Copy, DeriveIden)]
enum Addresses {
    Table,
    Id,
    PhoneNumber,
}

/// The region numbers without a country code belong to (see the module comment).
fn default_region() -> phonenumber::country::Id {
    std::env::var("PHONE_DEFAULT_REGION")
        .ok()
        .and_then(|value| value.trim().to_ascii_uppercase().parse().ok())
        .filter(|region: &phonenumber::country::Id| {
            phonenumber::metadata::DATABASE
                .by_id(region.as_ref())
                .is_some()
        })
        .unwrap_or(phonenumber::country::Id::TR)
}

/// E.164 of a valid number, `None` for anything else. Separators are removed first (the
/// parser misreads some, e.g. `+90532-1234567`); letters and extensions make it no number.
fn to_e164(raw: &str, region: phonenumber::country::Id) -> Option<String> {
    let raw = raw.trim();
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", raw),
    };
    let mut digits = String::from(plus);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '-' | '.' | '(' | ')' | '/' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    let number = phonenumber::parse(Some(region), digits).ok()?;
    phonenumber::is_valid(&number)
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Every `(id, phone)` of `table` whose phone is set.
async fn phones(
    db: &impl ConnectionTrait,
    table: impl IntoIden,
    id: impl IntoIden,
    phone: impl IntoIden + Copy,
) -> Result<Vec<(i64, String)>, DbErr> {
    let select = Query::select()
        .column(id)
        .expr_as(Expr::col(phone), Alias::new("phone"))
        .from(table)
        .and_where(Expr::col(phone).is_not_null())
        .to_owned();
    let mut rows = Vec::new();
    for row in db.query_all(&select).await? {
        let id = row.try_get_by_index::<i64>(0)?;
        rows.push((id, row.try_get::<String>("", "phone")?));
    }
    Ok(rows)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let region = default_region();
        for (id, phone) in phones(db, Users::Table, Users::Id, Users::Phone).await? {
            let e164 = to_e164(&phone, region);
            if e164.as_deref() != Some(phone.as_str()) {
                let update = Query::update()
                    .table(Users::Table)
                    .value(Users::Phone, e164)
                    .and_where(Expr::col(Users::Id).eq(id))
                    .to_owned();
                db.execute(&update).await?;
            }
        }
        let addresses = phones(db, Addresses::Table, Addresses::Id, Addresses::PhoneNumber);
        for (id, phone) in addresses.await? {
            if let Some(e164) = to_e164(&phone, region).filter(|e164| *e164 != phone) {
                let update = Query::update()
                    .table(Addresses::Table)
                    .value(Addresses::PhoneNumber, e164)
                    .and_where(Expr::col(Addresses::Id).eq(id))
                    .to_owned();
                db.execute(&update).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
