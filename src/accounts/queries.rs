//! Every database read and write of the accounts area.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Condition, Expr, ExprTrait},
};
use serde_json::Value;

use super::{
    consents::Consent,
    entity,
    types::{Customer, Email, NewCustomer, PhoneNumber, ProfileChange},
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

/// The customer with this id, its row locked until the transaction `db` ends (see
/// [`lock_customer`]): for a change that depends on what is stored.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .lock_exclusive()
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

/// Inserts a new customer with an already-hashed password; an address registered meanwhile is a
/// unique-constraint violation.
pub async fn insert_customer(
    db: &impl ConnectionTrait,
    customer: &NewCustomer,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<Customer, sea_orm::DbErr> {
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
        whatsapp_allowed: Set(customer.whatsapp_allowed),
        is_active: Set(true),
        user_type: Set("registered".to_owned()),
        language_code: Set(None),
        attributes: Set(Value::Object(customer.attributes.clone())),
        date_joined: Set(now),
        last_login: Set(None),
        modified_date: Set(now),
        version: Set(0),
        email_verified_at: Set(None),
        verified_phone: Set(customer.verified_phone.clone()),
        is_social_networks_connected: Set(false),
        ..Default::default()
    };
    if let Some(phone) = &customer.verified_phone {
        unverify_phone_elsewhere(db, phone, None).await?;
    }
    row.insert(db).await.map(Customer::from)
}

/// The active customer whose phone is `phone` and verified.
pub async fn find_by_verified_phone(
    db: &impl ConnectionTrait,
    phone: &PhoneNumber,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::VerifiedPhone.eq(phone.clone()))
        .filter(entity::Column::Phone.eq(phone.clone()))
        .filter(entity::Column::IsActive.eq(true))
        .one(db)
        .await?
        .map(Customer::from))
}

/// Marks `phone` verified on the customer, if it still is the customer's phone (a code sent to
/// it was entered), and unverified on any other account (one account per verified number); the
/// customer as it now is, `None` when nothing changed.
pub async fn mark_phone_verified(
    db: &impl ConnectionTrait,
    id: i64,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    unverify_phone_elsewhere(db, phone, Some(id)).await?;
    let changes = entity::ActiveModel {
        verified_phone: Set(Some(phone.clone())),
        modified_date: Set(now),
        ..Default::default()
    };
    let still_that_phone = Condition::all()
        .add(entity::Column::Id.eq(id))
        .add(entity::Column::Phone.eq(phone.clone()));
    update_customers_where(db, still_that_phone, changes).await
}

/// Takes the verification of `phone` from every account but `except`.
async fn unverify_phone_elsewhere(
    db: &impl ConnectionTrait,
    phone: &PhoneNumber,
    except: Option<i64>,
) -> Result<(), sea_orm::DbErr> {
    let mut others = Condition::all().add(entity::Column::VerifiedPhone.eq(phone.clone()));
    if let Some(id) = except {
        others = others.add(entity::Column::Id.ne(id));
    }
    entity::Entity::update_many()
        .col_expr(
            entity::Column::VerifiedPhone,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            entity::Column::Version,
            Expr::col(entity::Column::Version).add(1),
        )
        .filter(others)
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the customer's address verified, if it still is `email_lower` and is not verified
/// yet; the customer as it now is, `None` when nothing changed (already verified, address
/// changed meanwhile, account gone).
pub async fn mark_email_verified(
    db: &impl ConnectionTrait,
    id: i64,
    email_lower: &str,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let changes = entity::ActiveModel {
        email_verified_at: Set(Some(now)),
        modified_date: Set(now),
        ..Default::default()
    };
    let unverified = Condition::all()
        .add(entity::Column::Id.eq(id))
        .add(entity::Column::EmailLower.eq(email_lower))
        .add(entity::Column::EmailVerifiedAt.is_null());
    update_customers_where(db, unverified, changes).await
}

/// Replaces the customer's address by `email`, verified at `now` (the customer proved it by
/// opening a link mailed to it); the customer as it now is, `None` when the account is gone. An
/// address another account holds is a unique-constraint violation.
pub async fn change_email(
    db: &impl ConnectionTrait,
    id: i64,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let changes = entity::ActiveModel {
        email: Set(email.clone()),
        email_lower: Set(email.lowercase()),
        email_verified_at: Set(Some(now)),
        modified_date: Set(now),
        ..Default::default()
    };
    update_customer(db, id, changes).await
}

/// Replaces the password hash (a password change, or re-hashing a legacy hash at login).
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: i64,
    hash: String,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let changes = entity::ActiveModel {
        password: Set(hash),
        modified_date: Set(now),
        ..Default::default()
    };
    update_customer(db, id, changes).await
}

/// Records whether the customer has a social login link (the `social` area, in the transaction
/// that adds or removes one); the customer as it now is, `None` when the account is gone.
pub async fn set_social_networks_connected(
    db: &impl ConnectionTrait,
    id: i64,
    connected: bool,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let changes = entity::ActiveModel {
        is_social_networks_connected: Set(connected),
        modified_date: Set(now),
        ..Default::default()
    };
    update_customer(db, id, changes).await
}

/// Records a login.
pub async fn set_last_login(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let changes = entity::ActiveModel {
        last_login: Set(Some(now)),
        ..Default::default()
    };
    update_customer(db, id, changes).await
}

/// Applies a profile change, with `attributes` as the object they become; the customer as it now
/// is (`None` when the account is gone).
pub async fn update_profile(
    db: &impl ConnectionTrait,
    id: i64,
    change: &ProfileChange,
    attributes: Option<Value>,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let mut changes = changed_columns(change, now);
    if let Some(attributes) = attributes {
        changes.attributes = Set(attributes);
    }
    update_customer(db, id, changes).await
}

/// Applies a profile change only if it leaves the consents it sets as they are stored (so that
/// no consent change goes unrecorded); `None` when it would change one, or the account is gone.
/// The change's `attributes` are not applied.
pub async fn update_profile_unless_consents_change(
    db: &impl ConnectionTrait,
    id: i64,
    change: &ProfileChange,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let mut unchanged = Condition::all();
    for consent in change.column_consents() {
        let column = match consent.consent {
            Consent::EmailAllowed => entity::Column::EmailAllowed,
            Consent::SmsAllowed => entity::Column::SmsAllowed,
            Consent::CallAllowed => entity::Column::CallAllowed,
            Consent::WhatsappAllowed => entity::Column::WhatsappAllowed,
            Consent::Confirm | Consent::KvkkConfirm => continue,
        };
        // `NULL = true` is not true: "never asked" becoming a value is a change too.
        unchanged = unchanged.add(column.eq(consent.value));
    }
    let one_with_them = unchanged.add(entity::Column::Id.eq(id));
    update_customers_where(db, one_with_them, changed_columns(change, now)).await
}

/// Erases the customer's personal data for good (account.md §6): the e-mail becomes
/// `placeholder`, names, phone, birth date, gender, language and attributes are cleared, every
/// consent withdrawn, the password unusable and the account inactive. What is left (the opaque
/// username, the dates of joining and last login) names nobody.
pub async fn erase_personal_data(
    db: &impl ConnectionTrait,
    id: i64,
    placeholder: Email,
    unusable_password_hash: String,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let changes = entity::ActiveModel {
        email_lower: Set(placeholder.lowercase()),
        email: Set(placeholder),
        password: Set(unusable_password_hash),
        first_name: Set(String::new()),
        last_name: Set(String::new()),
        phone: Set(None),
        verified_phone: Set(None),
        gender: Set(None),
        date_of_birth: Set(None),
        email_allowed: Set(false),
        sms_allowed: Set(false),
        call_allowed: Set(Some(false)),
        whatsapp_allowed: Set(Some(false)),
        is_active: Set(false),
        language_code: Set(None),
        attributes: Set(Value::Object(serde_json::Map::new())),
        is_social_networks_connected: Set(false),
        modified_date: Set(now),
        ..Default::default()
    };
    update_customer(db, id, changes).await
}

/// Updates the customer's row and raises its version (which the customer cache goes by); the
/// row as it now is, `None` when the account is gone. Every update of a customer goes through
/// here.
async fn update_customer(
    db: &impl ConnectionTrait,
    id: i64,
    changes: entity::ActiveModel,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    update_customers_where(db, Condition::all().add(entity::Column::Id.eq(id)), changes).await
}

/// [`update_customer`] of the one customer `condition` picks (it names the id).
async fn update_customers_where(
    db: &impl ConnectionTrait,
    condition: Condition,
    changes: entity::ActiveModel,
) -> Result<Option<Customer>, sea_orm::DbErr> {
    let rows = entity::Entity::update_many()
        .set(changes)
        .col_expr(
            entity::Column::Version,
            Expr::col(entity::Column::Version).add(1),
        )
        .filter(condition)
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next().map(Customer::from))
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
    if let Some(whatsapp_allowed) = change.whatsapp_allowed {
        row.whatsapp_allowed = Set(Some(whatsapp_allowed));
    }
    if let Some(language_code) = &change.language_code {
        row.language_code = Set(language_code.clone());
    }
    row
}
