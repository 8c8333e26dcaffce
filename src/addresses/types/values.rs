//! Readers of one sent value (text, boolean, pk) with the messages DRF gives.

use serde_json::Value;

use crate::http::lenient;

pub(super) fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

pub(super) fn does_not_exist(pk: i64) -> String {
    format!("Invalid pk \"{pk}\" - object does not exist.")
}

/// Text as sent: `null` and blank are `None`; numbers become their text; other types fail.
pub(super) fn text(value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => {
            let text = text.trim();
            Ok((!text.is_empty()).then(|| text.to_owned()))
        }
        Value::Number(number) => Ok(Some(number.to_string())),
        _ => Err("Not a valid string.".to_owned()),
    }
}

pub(super) fn within(max: usize) -> impl Fn(Option<String>) -> Result<Option<String>, String> {
    move |text| match text {
        Some(text) if text.chars().count() > max => Err(too_long(max)),
        text => Ok(text),
    }
}

pub(super) fn boolean(value: &Value) -> Result<Option<bool>, String> {
    lenient::boolean(value.clone()).map_err(|error| error.to_string())
}

/// A pk as sent: a number or numeric string; `null`/`""` is none.
pub(super) fn pk(value: &Value) -> Result<Option<i64>, String> {
    let wrong_type = |got: &str| format!("Incorrect type. Expected pk value, received {got}.");
    match value {
        Value::Null => Ok(None),
        Value::Number(number) if number.is_f64() => Err(wrong_type("float")),
        // Too large for any row: it cannot exist.
        Value::Number(number) => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("Invalid pk \"{number}\" - object does not exist.")),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => text.trim().parse().map(Some).map_err(|_| wrong_type("str")),
        Value::Bool(_) => Err(wrong_type("bool")),
        Value::Array(_) => Err(wrong_type("list")),
        Value::Object(_) => Err(wrong_type("dict")),
    }
}
