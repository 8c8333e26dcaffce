//! The customer's `attributes`: a JSON object the shop may extend, written through the profile.
//!
//! - `PATCH` merges the top-level keys sent into the stored object; a key sent as `null` is
//!   removed. `PUT` replaces the object with the one sent.
//! - Keys are `\w+` (letters, digits, `_`; what the shop's templates can address), at most 64
//!   characters; the object keeps at most 50 keys and 8 KiB of JSON, so a client cannot grow a
//!   row that every authenticated request loads.
//! - `register_client_type` is the server's (set at registration): a value sent is ignored.
//! - `confirm` and `kvkk_confirm` are consents (account.md §11): only `true` or `false`, never
//!   removed (a `PUT` without them keeps them), and each change is recorded in the history.

use serde_json::{Map, Value};

use crate::{accounts::consents::Consent, http::extract::json_type_name};

const MAX_KEYS: usize = 50;
const MAX_KEY_CHARS: usize = 64;
const MAX_BYTES: usize = 8192;
/// Keys only the server writes.
const SERVER_KEYS: [&str; 1] = ["register_client_type"];

/// A parsed change of `attributes`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributesChange {
    entries: Map<String, Value>,
    replaces: bool,
}

impl AttributesChange {
    /// Checks what a client sent: an object of `\w+` keys, consents as booleans. The message
    /// belongs to the `attributes` field.
    pub fn parse(raw: Value) -> Result<Self, String> {
        let Value::Object(sent) = raw else {
            return Err(format!(
                "Expected a dictionary of items but got type \"{}\".",
                json_type_name(&raw)
            ));
        };
        let mut entries = Map::new();
        for (key, value) in sent {
            if !is_word(&key) {
                return Err(format!(
                    "\"{key}\" is not a valid key: use at most {MAX_KEY_CHARS} letters, digits \
                     or underscores."
                ));
            }
            if SERVER_KEYS.contains(&key.as_str()) {
                continue;
            }
            let is_consent = Consent::IN_ATTRIBUTES
                .iter()
                .any(|consent| consent.as_str() == key);
            if is_consent && !value.is_boolean() {
                return Err(format!("\"{key}\" must be true or false."));
            }
            entries.insert(key, value);
        }
        Ok(Self {
            entries,
            replaces: false,
        })
    }

    /// The same change replacing the stored object (`PUT`) instead of merging into it.
    pub fn replacing(self) -> Self {
        Self {
            replaces: true,
            ..self
        }
    }

    /// The object `current` becomes; a message for the `attributes` field when it would grow
    /// past the limits.
    pub fn apply(&self, current: &Value) -> Result<Value, String> {
        let current = current.as_object().cloned().unwrap_or_default();
        let mut result: Map<String, Value> = if self.replaces {
            current
                .into_iter()
                .filter(|(key, _)| is_kept_on_replace(key))
                .collect()
        } else {
            current
        };
        for (key, value) in &self.entries {
            if value.is_null() {
                result.remove(key);
            } else {
                result.insert(key.clone(), value.clone());
            }
        }
        if result.len() > MAX_KEYS {
            return Err(format!(
                "Ensure this field has no more than {MAX_KEYS} keys."
            ));
        }
        let bytes = serde_json::to_vec(&result).map_or(usize::MAX, |json| json.len());
        if bytes > MAX_BYTES {
            return Err(format!(
                "Ensure this field is no larger than {MAX_BYTES} bytes of JSON."
            ));
        }
        Ok(Value::Object(result))
    }
}

/// `\w+` with at most [`MAX_KEY_CHARS`] characters (Unicode letters and digits, as Python's and
/// the regex crate's `\w`).
fn is_word(key: &str) -> bool {
    let length = key.chars().count();
    (1..=MAX_KEY_CHARS).contains(&length) && key.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Server keys and consents survive a `PUT` that does not name them.
fn is_kept_on_replace(key: &str) -> bool {
    SERVER_KEYS.contains(&key)
        || Consent::IN_ATTRIBUTES
            .iter()
            .any(|consent| consent.as_str() == key)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn stored() -> Value {
        json!({"register_client_type": "default", "confirm": true, "size": "M"})
    }

    #[test]
    fn a_patch_merges_and_null_removes() {
        let change = AttributesChange::parse(json!({"colour": "red", "size": null})).unwrap();

        assert_eq!(
            change.apply(&stored()).unwrap(),
            json!({"register_client_type": "default", "confirm": true, "colour": "red"})
        );
    }

    #[test]
    fn a_put_replaces_but_keeps_server_keys_and_consents() {
        let change = AttributesChange::parse(json!({"colour": "red"}))
            .unwrap()
            .replacing();

        assert_eq!(
            change.apply(&stored()).unwrap(),
            json!({"register_client_type": "default", "confirm": true, "colour": "red"})
        );
    }

    #[test]
    fn server_keys_sent_are_ignored() {
        let change = AttributesChange::parse(json!({"register_client_type": "app"})).unwrap();

        assert_eq!(change.apply(&stored()).unwrap(), stored());
    }

    #[test]
    fn bad_keys_shapes_and_consents_are_refused() {
        for bad in [
            json!({"bad-key": 1}),
            json!({"": 1}),
            json!({"a b": 1}),
            json!({"x".repeat(65): 1}),
            json!({"confirm": "yes"}),
            json!({"kvkk_confirm": null}),
            json!(["a"]),
            json!("text"),
        ] {
            assert!(AttributesChange::parse(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_object_is_bounded() {
        let many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
        let large = json!({"blob": "x".repeat(MAX_BYTES)});

        assert!(
            AttributesChange::parse(Value::Object(many))
                .unwrap()
                .apply(&json!({}))
                .is_err()
        );
        assert!(
            AttributesChange::parse(large)
                .unwrap()
                .apply(&json!({}))
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn word_keys_always_parse(key in "[A-Za-z0-9_ğüşıöçĞÜŞİÖÇ]{1,64}") {
            prop_assert!(AttributesChange::parse(json!({key.clone(): 1})).is_ok(), "{}", key);
        }
    }
}
