//! Field deserializers that accept what the client really sends: next-auth posts every value as
//! a string (`"true"`, `"1990-01-31"`), HTML selects give numeric strings (`"40"`), urlencoded
//! bodies carry only strings. Use with `#[serde(default, deserialize_with = "lenient::...")]`.

use serde::{Deserialize, Deserializer, de::Error};
use serde_json::Value;

/// A string; numbers become their decimal text; `null` is absent.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        Value::Number(number) => Ok(Some(number.to_string())),
        other => Err(D::Error::custom(format!(
            "Not a valid string, got {}.",
            kind(&other)
        ))),
    }
}

/// A boolean: JSON booleans, `true/false/1/0/on/off/yes/no` in any case, and the numbers 0 and 1.
/// `null` and `""` are absent.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let invalid = || D::Error::custom("Must be a valid boolean.");
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Bool(flag) => Ok(Some(flag)),
        Value::Number(number) => match number.as_u64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(invalid()),
        },
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" | "on" | "yes" => Ok(Some(true)),
            "false" | "0" | "off" | "no" => Ok(Some(false)),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

/// An integer given as a number or a numeric string; `null` and `""` are absent.
pub fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let invalid = || D::Error::custom("A valid integer is required.");
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(number) => number.as_i64().map(Some).ok_or_else(invalid),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => text.trim().parse().map(Some).map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
        _ => "another type",
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    struct Form {
        #[serde(default, deserialize_with = "super::string")]
        name: Option<String>,
        #[serde(default, deserialize_with = "super::boolean")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "super::integer")]
        number: Option<i64>,
    }

    fn parse(value: serde_json::Value) -> Result<Form, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn strings_from_the_client_become_typed_values() {
        let form = parse(json!({"name": 5, "flag": "TRUE", "number": " 40 "})).unwrap();
        assert_eq!(form.name.as_deref(), Some("5"));
        assert_eq!(form.flag, Some(true));
        assert_eq!(form.number, Some(40));
    }

    #[test]
    fn empty_and_null_values_are_absent() {
        let form = parse(json!({"name": null, "flag": "", "number": ""})).unwrap();
        assert!(form.name.is_none() && form.flag.is_none() && form.number.is_none());
        assert!(parse(json!({})).unwrap().flag.is_none());
    }

    #[test]
    fn nonsense_is_an_error() {
        assert!(parse(json!({"flag": "maybe"})).is_err());
        assert!(parse(json!({"number": "4x"})).is_err());
        assert!(parse(json!({"name": [1]})).is_err());
    }
}
