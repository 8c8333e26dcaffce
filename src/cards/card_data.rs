//! The refusal of card data: a body that carries a full card number (13–19 digits passing the
//! Luhn check, in any field, spaced or dashed or not), an expiry or a CVV is answered 400 naming
//! the field, before anything is parsed, stored or logged. Storefront keeps only the gateway's
//! token and the last four digits (cards.md §2).

use serde_json::{Map, Value};

use crate::http::{ApiError, FieldErrors};

/// Fields that hold an expiry date.
const EXPIRY_FIELDS: [&str; 3] = ["expiry", "card_month", "card_year"];
/// Fields that hold a card's security code.
const CVV_FIELDS: [&str; 3] = ["cvv", "cvc", "card_cvv"];

/// Refuses `fields` when any of them carries card data; the error names every such field and
/// never quotes a value.
pub fn refuse_card_data(fields: &Map<String, Value>) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    for (name, value) in fields {
        if let Some(message) = card_data_in(name, value) {
            errors.add(name, message);
        }
    }
    errors.into_result(|| ())
}

/// Why the field `name` holding `value` (nested fields included) is refused, if it is.
fn card_data_in(name: &str, value: &Value) -> Option<&'static str> {
    let name = name.trim().to_ascii_lowercase();
    if EXPIRY_FIELDS.contains(&name.as_str()) {
        return Some("Card expiry dates are never stored.");
    }
    if CVV_FIELDS.contains(&name.as_str()) {
        return Some("Card security codes are never stored.");
    }
    match value {
        Value::String(text) if contains_card_number(text) => Some(CARD_NUMBER),
        Value::Number(number) if contains_card_number(&number.to_string()) => Some(CARD_NUMBER),
        Value::Array(items) => items.iter().find_map(|item| card_data_in("", item)),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(name, value)| card_data_in(name, value)),
        _ => None,
    }
}

const CARD_NUMBER: &str = "Card numbers are never stored; send the payment gateway's token.";

/// Whether `text` holds a run of 13–19 digits, single spaces or dashes allowed between them,
/// that passes the Luhn check.
pub fn contains_card_number(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut digits: Vec<u32> = Vec::new();
    for (index, character) in chars.iter().enumerate() {
        if let Some(digit) = character.to_digit(10) {
            digits.push(digit);
            continue;
        }
        let joins_digits = matches!(character, ' ' | '-')
            && !digits.is_empty()
            && chars.get(index + 1).is_some_and(char::is_ascii_digit);
        if !joins_digits {
            if is_card_number(&digits) {
                return true;
            }
            digits.clear();
        }
    }
    is_card_number(&digits)
}

fn is_card_number(digits: &[u32]) -> bool {
    (13..=19).contains(&digits.len()) && passes_luhn(digits)
}

fn passes_luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &digit)| match (position % 2, digit * 2) {
            (0, _) => digit,
            (_, doubled) if doubled > 9 => doubled - 9,
            (_, doubled) => doubled,
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn card_numbers_are_found_in_any_common_spelling() {
        assert!(contains_card_number("4111111111111111"));
        assert!(contains_card_number("my card 4111 1111 1111 1111!"));
        assert!(contains_card_number("5500-0000-0000-0004"));
        assert!(contains_card_number("378282246310005"));
    }

    #[test]
    fn other_numbers_are_not_card_numbers() {
        assert!(!contains_card_number("4111111111111112"), "fails Luhn");
        assert!(!contains_card_number("1234"));
        assert!(!contains_card_number("41111111111111110000"), "20 digits");
        assert!(
            !contains_card_number("4111  1111 1111 1111"),
            "two spaces split the run"
        );
        assert!(!contains_card_number("fbab4cccbfddff68dca70d1e12b072bd"));
    }

    #[test]
    fn every_offending_field_is_named_and_nested_ones_count() {
        let body = json!({
            "name": "Work",
            "cvv": "123",
            "card_month": 12,
            "details": {"number": 4111111111111111u64},
        });

        let Err(ApiError::Validation(errors)) = refuse_card_data(body.as_object().unwrap()) else {
            panic!("refused expected");
        };

        let mut expected = FieldErrors::default();
        expected.add("card_month", "Card expiry dates are never stored.");
        expected.add("cvv", "Card security codes are never stored.");
        expected.add("details", CARD_NUMBER);
        assert_eq!(errors, expected);
        assert!(refuse_card_data(json!({"name": "Work"}).as_object().unwrap()).is_ok());
    }
}
