//! What crosses the loyalty area's boundary: the order side's transaction form, exact amounts,
//! and the views (money as strings, the balance as a JSON number as the client types it).

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, prelude::ToPrimitive};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    accounts::wire_time,
    config::Currencies,
    http::{ApiError, FieldErrors, lenient},
};

/// The scale amounts are stored at: ten-thousandths, enough for every ISO 4217 currency.
const STORED_SCALE: u32 = 4;
/// The longest caller's id.
const ID_MAX_CHARS: usize = 128;
/// The longest order number.
const ORDER_NUMBER_MAX_CHARS: usize = 64;

/// An exact amount of money, at most four decimals (negative: spent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount(Decimal);

impl Amount {
    /// A decimal string such as `-12.50`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let amount: Decimal = raw
            .trim()
            .parse()
            .map_err(|_| "A valid number is required.".to_owned())?;
        if amount.normalize().scale() > STORED_SCALE {
            return Err(format!(
                "Ensure that there are no more than {STORED_SCALE} decimal places."
            ));
        }
        Self(amount)
            .stored()
            .map(|_| Self(amount))
            .ok_or_else(|| "Ensure this value is smaller in magnitude.".to_owned())
    }

    /// The stored integer: ten-thousandths.
    pub fn stored(self) -> Option<i64> {
        self.0
            .checked_mul(Decimal::from(10_000))
            .and_then(|scaled| scaled.trunc().to_i64())
    }

    /// The amount of a stored integer.
    pub fn from_stored(ten_thousandths: i64) -> Self {
        Self(Decimal::new(ten_thousandths, STORED_SCALE))
    }

    /// The money string of the wire: at least two decimals (`-10.00`, `1.125`).
    pub fn to_wire(self) -> String {
        let mut amount = self.0.normalize();
        if amount.scale() < 2 {
            amount.rescale(2);
        }
        amount.to_string()
    }

    /// The amount as a JSON number, rounded to two decimals (the balance's type in the client).
    pub fn to_number(self) -> f64 {
        self.0.round_dp(2).to_f64().unwrap_or_default()
    }
}

/// One transaction of a customer's loyalty money.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoyaltyTransaction {
    /// The caller's id.
    pub external_id: String,
    /// Its amount.
    pub amount: Amount,
    /// Its currency, a lower-case ISO 4217 code.
    pub currency: String,
    /// The order's number, if an order caused it.
    pub order_number: Option<String>,
    /// When it happened.
    pub created_date: DateTime<Utc>,
}

/// `POST /internal/customers/{customer_email}/loyalty/`: a transaction the order side records.
#[derive(Deserialize, ToSchema)]
pub struct LoyaltyTransactionForm {
    /// The caller's unique id of the transaction: the same id again adds nothing.
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: Option<String>,
    /// Exact decimal string; negative = spent.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "-12.50")]
    pub amount: Option<String>,
    /// One of `AVAILABLE_CURRENCIES`.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "try")]
    pub currency: Option<String>,
    /// The order's number, or `null` for a manual adjustment.
    #[serde(default, deserialize_with = "lenient::string")]
    pub order_number: Option<String>,
    /// ISO 8601 date-time with its offset.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "2024-03-02T09:15:00Z")]
    pub created_date: Option<String>,
}

fn required(value: Option<String>) -> Result<String, String> {
    value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| "This field is required.".to_owned())
}

fn at_most(value: String, max_chars: usize) -> Result<String, String> {
    if value.chars().count() > max_chars {
        Err(format!(
            "Ensure this field has no more than {max_chars} characters."
        ))
    } else {
        Ok(value)
    }
}

impl LoyaltyTransactionForm {
    /// Parses the form against the shop's `currencies`, collecting every field error.
    pub fn parse(self, currencies: &Currencies) -> Result<LoyaltyTransaction, ApiError> {
        let mut errors = FieldErrors::default();
        let external_id = errors.check(
            "id",
            required(self.id).and_then(|id| at_most(id, ID_MAX_CHARS)),
        );
        let amount = errors.check(
            "amount",
            required(self.amount).and_then(|raw| Amount::parse(&raw)),
        );
        let currency = errors.check(
            "currency",
            required(self.currency).and_then(|raw| {
                currencies
                    .find(&raw)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("\"{raw}\" is not a valid choice."))
            }),
        );
        let order_number = errors.check(
            "order_number",
            self.order_number
                .map(|number| number.trim().to_owned())
                .filter(|number| !number.is_empty())
                .map(|number| at_most(number, ORDER_NUMBER_MAX_CHARS))
                .transpose(),
        );
        let created_date = errors.check(
            "created_date",
            required(self.created_date).and_then(|raw| {
                DateTime::parse_from_rfc3339(&raw)
                    .map(|time| time.with_timezone(&Utc))
                    .map_err(|_| {
                        "Datetime has wrong format. Use ISO 8601 with a time zone.".to_owned()
                    })
            }),
        );
        match (external_id, amount, currency, order_number, created_date) {
            (
                Some(external_id),
                Some(amount),
                Some(currency),
                Some(order_number),
                Some(created_date),
            ) if errors.is_empty() => Ok(LoyaltyTransaction {
                external_id,
                amount,
                currency,
                order_number,
                created_date,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// `GET /account/loyalty-account-balance/`.
#[derive(Serialize, ToSchema)]
pub struct BalanceView {
    /// The sum of the transactions in the request's currency; 0 when none.
    #[schema(example = 125.5)]
    pub balance: f64,
}

/// What a transaction tells of its cause.
#[derive(Serialize, ToSchema)]
pub struct TransactionDetailView {
    created_date: String,
    /// The order's number, `null` for a manual adjustment.
    order: Option<String>,
}

/// One transaction of `GET /account/loyalty/` (account.md §8.2).
#[derive(Serialize, ToSchema)]
pub struct TransactionView {
    /// Money string; negative = spent.
    #[schema(example = "-10.00")]
    amount: String,
    /// The amount's currency.
    #[schema(example = "try")]
    currency: String,
    #[schema(example = "2024-03-02T09:15:00.000000Z")]
    created_date: String,
    transaction: TransactionDetailView,
}

impl TransactionView {
    /// The view of `transaction`.
    pub fn new(transaction: &LoyaltyTransaction) -> Self {
        let created_date = wire_time(&transaction.created_date);
        Self {
            amount: transaction.amount.to_wire(),
            currency: transaction.currency.clone(),
            created_date: created_date.clone(),
            transaction: TransactionDetailView {
                created_date,
                order: transaction.order_number.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_shown_with_at_least_two_decimals() {
        let amount = Amount::parse("-12.5").unwrap();

        assert_eq!(amount.stored(), Some(-125_000));
        assert_eq!(Amount::from_stored(-125_000).to_wire(), "-12.50");
        assert_eq!(Amount::from_stored(11_250).to_wire(), "1.125");
        assert_eq!(Amount::from_stored(250_000).to_wire(), "25.00");
        assert_eq!(Amount::from_stored(1_255_000).to_number(), 125.5);
    }

    #[test]
    fn amounts_beyond_four_decimals_or_not_numbers_are_refused() {
        assert!(Amount::parse("0.00001").is_err());
        assert!(
            Amount::parse("1.10000").is_ok(),
            "trailing zeros are no precision"
        );
        assert!(Amount::parse("twelve").is_err());
        assert!(Amount::parse("99999999999999999999").is_err());
    }
}
