//! The customer's consents and their history: every change of a consent is recorded with its
//! value, its source and its time, in the transaction that makes the change, so a shop can prove
//! what the customer agreed to and when (account.md §11).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, DeriveValueType, EntityTrait,
    QueryFilter, QueryOrder, Set, sea_query::ValueTypeErr,
};
use serde::Serialize;

use super::Customer;

/// The consents a customer gives or withdraws. The first four are columns of the account; the
/// registration form's `confirm` and `kvkk_confirm` live in `attributes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, DeriveValueType)]
#[serde(rename_all = "snake_case")]
#[sea_orm(value_type = "String")]
pub enum Consent {
    /// Marketing e-mail.
    EmailAllowed,
    /// Marketing SMS.
    SmsAllowed,
    /// Marketing calls.
    CallAllowed,
    /// Marketing WhatsApp messages.
    WhatsappAllowed,
    /// The terms of use (`attributes.confirm`).
    Confirm,
    /// Processing of personal data, KVKK (`attributes.kvkk_confirm`).
    KvkkConfirm,
}

impl Consent {
    /// Every consent, in the order exports list them.
    pub const ALL: [Consent; 6] = [
        Consent::EmailAllowed,
        Consent::SmsAllowed,
        Consent::CallAllowed,
        Consent::WhatsappAllowed,
        Consent::Confirm,
        Consent::KvkkConfirm,
    ];

    /// The stored name, which is also the field's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailAllowed => "email_allowed",
            Self::SmsAllowed => "sms_allowed",
            Self::CallAllowed => "call_allowed",
            Self::WhatsappAllowed => "whatsapp_allowed",
            Self::Confirm => "confirm",
            Self::KvkkConfirm => "kvkk_confirm",
        }
    }

    /// The consents kept in `attributes` rather than in a column of their own.
    pub const IN_ATTRIBUTES: [Consent; 2] = [Consent::Confirm, Consent::KvkkConfirm];

    /// What `customer` currently says about this consent (`None`: never asked).
    pub fn value_of(self, customer: &Customer) -> Option<bool> {
        match self {
            Self::EmailAllowed => Some(customer.email_allowed),
            Self::SmsAllowed => Some(customer.sms_allowed),
            Self::CallAllowed => customer.call_allowed,
            Self::WhatsappAllowed => customer.whatsapp_allowed,
            Self::Confirm | Self::KvkkConfirm => customer
                .attributes
                .get(self.as_str())
                .and_then(serde_json::Value::as_bool),
        }
    }
}

/// Where a consent was given or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, DeriveValueType)]
#[serde(rename_all = "snake_case")]
#[sea_orm(value_type = "String")]
pub enum ConsentSource {
    /// The registration form.
    Registration,
    /// A profile update.
    Profile,
    /// Akinon's hosted checkout, when it creates the customer (cards.md §6).
    Akifast,
    /// The account's anonymisation, which withdraws every consent.
    Anonymize,
}

impl ConsentSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Profile => "profile",
            Self::Akifast => "akifast",
            Self::Anonymize => "anonymize",
        }
    }
}

// The columns' conversions (`DeriveValueType` reads and writes through these).
macro_rules! stored_as_text {
    ($type:ty, $all:expr) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $type {
            type Err = ValueTypeErr;

            fn from_str(stored: &str) -> Result<Self, ValueTypeErr> {
                $all.into_iter()
                    .find(|value| value.as_str() == stored)
                    .ok_or(ValueTypeErr)
            }
        }
    };
}

stored_as_text!(Consent, Consent::ALL);
stored_as_text!(
    ConsentSource,
    [
        ConsentSource::Registration,
        ConsentSource::Profile,
        ConsentSource::Akifast,
        ConsentSource::Anonymize,
    ]
);

/// A consent taking a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentChange {
    /// Which consent.
    pub consent: Consent,
    /// Given (`true`) or withdrawn (`false`).
    pub value: bool,
}

/// One entry of a customer's consent history.
#[derive(Debug, Clone)]
pub struct ConsentRecord {
    /// Which consent.
    pub consent: Consent,
    /// Given (`true`) or withdrawn (`false`).
    pub value: bool,
    /// Where.
    pub source: ConsentSource,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// The consents that `after` states differently from `before` (every stated one for a new
/// account): what a change must record. A consent going back to "never asked" is not a decision
/// of the customer, so it records nothing.
pub fn changes_between(before: Option<&Customer>, after: &Customer) -> Vec<ConsentChange> {
    Consent::ALL
        .into_iter()
        .filter_map(|consent| {
            let value = consent.value_of(after)?;
            let was = before.and_then(|before| consent.value_of(before));
            (was != Some(value)).then_some(ConsentChange { consent, value })
        })
        .collect()
}

/// Every consent withdrawn (anonymisation).
pub fn all_withdrawn() -> Vec<ConsentChange> {
    Consent::ALL
        .into_iter()
        .map(|consent| ConsentChange {
            consent,
            value: false,
        })
        .collect()
}

/// The `consent_changes` table: the history, only ever added to.
mod entity {
    use sea_orm::entity::prelude::*;

    use super::{Consent, ConsentSource};

    /// One change of one consent.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "consent_changes")]
    pub struct Model {
        /// Primary key: the order of the history.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The customer.
        pub user_id: i64,
        /// Which consent.
        pub consent: Consent,
        /// The value it took.
        pub value: bool,
        /// Where.
        pub source: ConsentSource,
        /// When (UTC).
        pub changed_at: DateTimeUtc,
    }

    /// No relations needed.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Records `changes` of the customer's consents (nothing for none), in the caller's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: i64,
    changes: &[ConsentChange],
    source: ConsentSource,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows = changes.iter().map(|change| entity::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        consent: Set(change.consent),
        value: Set(change.value),
        source: Set(source),
        changed_at: Set(now),
    });
    entity::Entity::insert_many(rows).exec(db).await.map(|_| ())
}

/// Sets the consents of `changes` on the customer's account and records in the history those
/// that change it, from `source`, in the caller's transaction: consents given outside the
/// profile (Akifast's checkout). The customer as it now is; `None` when there is no such
/// account. The caller hands it to the customer cache once committed.
pub async fn give(
    db: &impl ConnectionTrait,
    user_id: i64,
    changes: &[ConsentChange],
    source: ConsentSource,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, DbErr> {
    let Some(before) = super::queries::find_for_update(db, user_id).await? else {
        return Ok(None);
    };
    let mut change = super::ProfileChange::default();
    for given in changes {
        let column = match given.consent {
            Consent::EmailAllowed => &mut change.email_allowed,
            Consent::SmsAllowed => &mut change.sms_allowed,
            Consent::CallAllowed => &mut change.call_allowed,
            Consent::WhatsappAllowed => &mut change.whatsapp_allowed,
            // Kept in `attributes`, which only the customer's own forms set.
            Consent::Confirm | Consent::KvkkConfirm => continue,
        };
        *column = Some(given.value);
    }
    let Some(after) = super::queries::update_profile(db, user_id, &change, None, now).await? else {
        return Ok(None);
    };
    record(
        db,
        user_id,
        &changes_between(Some(&before), &after),
        source,
        now,
    )
    .await?;
    Ok(Some(after))
}

/// The customer's consent history, oldest first.
pub async fn history(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<ConsentRecord>, DbErr> {
    let rows = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| ConsentRecord {
            consent: row.consent,
            value: row.value,
            source: row.source,
            changed_at: row.changed_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back() {
        for consent in Consent::ALL {
            assert_eq!(consent.to_string().parse::<Consent>().ok(), Some(consent));
        }
        assert_eq!(
            "anonymize".parse::<ConsentSource>().ok(),
            Some(ConsentSource::Anonymize)
        );
        assert!("other".parse::<ConsentSource>().is_err());
    }
}
