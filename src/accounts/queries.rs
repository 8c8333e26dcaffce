//! Every database read and write of the accounts area.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, Iterable,
    QueryFilter, QuerySelect, Set, SqlErr,
};
use serde_json::Value;

use crate::db::Writer;

use super::{
    entity,
    types::{Customer, NewCustomer, ProfileChange},
};

/// The customer with this id.
pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Customer::from))
}

/// Locks the customer's row until the transaction `db` ends, so that transactions changing what
/// the customer owns (the address book's count and primary flag) run one after another. PostgreSQL
/// takes a row lock (`FOR UPDATE`); SQLite has no row locks and needs none: its writes already run
/// one at a time on the single writer connection.
pub async fn lock_customer(db: &impl ConnectionTrait, id: i64) -> Result<(), sea_orm::DbErr> {
    entity::Entity::find_by_id(id)
        .select_only()
        .column(entity::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(db)
        .await
        .map(|_| ())
}

/// The customer whose e-mail address is `email_lower` (already lower-cased).
pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email_lower: &str,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::EmailLower.eq(email_lower))
        .one(db)
        .await?
        .map(Customer::from))
}

/// What inserting a customer can run into besides database failures.
pub enum InsertError {
    /// Somebody registered the address first (the unique index said so).
    EmailTaken,
    /// Anything else.
    Database(sea_orm::DbErr),
}

/// Inserts a new customer with an already-hashed password.
pub async fn insert_customer(
    db: &impl ConnectionTrait,
    customer: &NewCustomer,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<Customer, InsertError> {
    let row = entity::ActiveModel {
        username: Set(hex::encode(rand::random::<[u8; 16]>())),
        email: Set(customer.email.clone()),
        email_lower: Set(customer.email.lowercase()),
        password: Set(password_hash),
        first_name: Set(customer.first_name.clone()),
        last_name: Set(customer.last_name.clone()),
        phone: Set(customer.phone.clone()),
        gender: Set(customer.gender),
        date_of_birth: Set(customer.date_of_birth),
        email_allowed: Set(customer.email_allowed),
        sms_allowed: Set(customer.sms_allowed),
        call_allowed: Set(customer.call_allowed),
        is_active: Set(true),
        user_type: Set("registered".to_owned()),
        language_code: Set(None),
        attributes: Set(Value::Object(customer.attributes.clone())),
        date_joined: Set(now),
        last_login: Set(None),
        modified_date: Set(now),
        ..Default::default()
    };
    match row.insert(db).await {
        Ok(row) => Ok(row.into()),
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(InsertError::EmailTaken)
        }
        Err(error) => Err(InsertError::Database(error)),
    }
}

/// Replaces the password hash (re-hashing a legacy hash at login).
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: i64,
    hash: String,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let row = entity::ActiveModel {
        id: Set(id),
        password: Set(hash),
        modified_date: Set(now),
        ..Default::default()
    };
    row.update(db).await.map(|_| ())
}

/// Records a login.
pub async fn set_last_login(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let row = entity::ActiveModel {
        id: Set(id),
        last_login: Set(Some(now)),
        ..Default::default()
    };
    row.update(db).await.map(|_| ())
}

/// One request's profile change, as queued for [`apply_profile_updates`].
pub struct ProfileUpdate {
    /// Whose profile.
    pub customer_id: i64,
    /// What changes.
    pub change: ProfileChange,
    /// When the request asked for it.
    pub at: DateTime<Utc>,
}

/// Applies profile updates as if one after another, in order: each gets the customer as its own
/// change left it (`None` when the account is gone). Each customer is written once, with the
/// updates to it merged: usually one `UPDATE … RETURNING` a customer, whose result also gives
/// what every update in between left. Only when an earlier update must show a value that a later
/// one overwrites is the row read first. One statement runs on its own, more in one transaction.
pub async fn apply_profile_updates(
    db: &Writer,
    updates: &[ProfileUpdate],
) -> Result<Vec<Option<Customer>>, sea_orm::DbErr> {
    let mut plans: BTreeMap<i64, CustomerPlan> = BTreeMap::new();
    for (index, update) in updates.iter().enumerate() {
        plans
            .entry(update.customer_id)
            .or_insert_with(|| CustomerPlan::new(update.customer_id))
            .add(index, update);
    }
    let statements: usize = plans.values().map(CustomerPlan::statements).sum();
    let mut customers = vec![None; updates.len()];
    if statements == 1 {
        for plan in plans.into_values() {
            plan.run(db, updates, &mut customers).await?;
        }
    } else {
        let transaction = db.begin().await?;
        for plan in plans.into_values() {
            plan.run(&transaction, updates, &mut customers).await?;
        }
        transaction.commit().await?;
    }
    Ok(customers)
}

/// The updates of one batch to one customer.
struct CustomerPlan {
    id: i64,
    /// Where the updates stand in the batch, in order.
    indexes: Vec<usize>,
    /// The columns all of them set, merged.
    merged: entity::ActiveModel,
    /// The columns the first update sets, one bit a column.
    first_sets: u64,
    /// The columns any of them sets.
    all_sets: u64,
}

impl CustomerPlan {
    fn new(id: i64) -> Self {
        Self {
            id,
            indexes: Vec::new(),
            merged: entity::ActiveModel {
                id: Set(id),
                ..Default::default()
            },
            first_sets: 0,
            all_sets: 0,
        }
    }

    fn add(&mut self, index: usize, update: &ProfileUpdate) {
        let mut sets = 0;
        let change = changed_columns(&update.change, update.at);
        for (bit, column) in entity::Column::iter().enumerate() {
            if let ActiveValue::Set(value) = change.get(column) {
                self.merged.set(column, value);
                sets |= 1 << bit;
            }
        }
        if self.indexes.is_empty() {
            self.first_sets = sets;
        }
        self.all_sets |= sets;
        self.indexes.push(index);
    }

    /// Whether an update must show a value from before the batch that a later update
    /// overwrites: a column some update sets that none up to it did. That is exactly a column
    /// the first update does not set: the update just before its first setter shows its old value.
    fn needs_read(&self) -> bool {
        self.all_sets != self.first_sets
    }

    fn statements(&self) -> usize {
        if self.needs_read() { 2 } else { 1 }
    }

    /// Writes the merged change and fills in each update's result.
    async fn run(
        self,
        db: &impl ConnectionTrait,
        updates: &[ProfileUpdate],
        customers: &mut [Option<Customer>],
    ) -> Result<(), sea_orm::DbErr> {
        // What the results are built on, applying the updates one by one: the row before the
        // batch when that had to be read, else the row after it (every value an update shows is
        // then one the updates up to it set, or one no update touches).
        let base = if self.needs_read() {
            let before = entity::Entity::find_by_id(self.id)
                .lock_exclusive()
                .one(db)
                .await?;
            if before.is_some() {
                self.merged.update(db).await?;
            }
            before
        } else {
            match self.merged.update(db).await {
                Ok(after) => Some(after),
                Err(sea_orm::DbErr::RecordNotUpdated) => None,
                Err(error) => return Err(error),
            }
        };
        // One conversion a customer, not one an update: it hashes the e-mail and password hash.
        let Some(mut customer) = base.map(Customer::from) else {
            return Ok(());
        };
        for &index in &self.indexes {
            customer.apply_profile_change(&updates[index].change, updates[index].at);
            customers[index] = Some(customer.clone());
        }
        Ok(())
    }
}

/// The columns a change sets.
fn changed_columns(change: &ProfileChange, at: DateTime<Utc>) -> entity::ActiveModel {
    let mut row = entity::ActiveModel {
        modified_date: Set(at),
        ..Default::default()
    };
    if let Some(first_name) = &change.first_name {
        row.first_name = Set(first_name.clone());
    }
    if let Some(last_name) = &change.last_name {
        row.last_name = Set(last_name.clone());
    }
    if let Some(phone) = &change.phone {
        row.phone = Set(phone.clone());
    }
    if let Some(date_of_birth) = change.date_of_birth {
        row.date_of_birth = Set(date_of_birth);
    }
    if let Some(gender) = change.gender {
        row.gender = Set(gender);
    }
    if let Some(email_allowed) = change.email_allowed {
        row.email_allowed = Set(email_allowed);
    }
    if let Some(sms_allowed) = change.sms_allowed {
        row.sms_allowed = Set(sms_allowed);
    }
    if let Some(call_allowed) = change.call_allowed {
        row.call_allowed = Set(Some(call_allowed));
    }
    if let Some(language_code) = &change.language_code {
        row.language_code = Set(language_code.clone());
    }
    row
}
