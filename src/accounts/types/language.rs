//! The customer's preferred language, as the client's locale names it (`en`, `tr`, `en-us`).

use sea_orm::DeriveValueType;

const LANGUAGE_CODE_MAX: usize = 16;

/// A language code: lower-case letters and dashes, at most 16 characters. Stored as text.
#[derive(Debug, Clone, PartialEq, Eq, DeriveValueType)]
pub struct LanguageCode(String);

impl LanguageCode {
    /// Parses a code in any case; `""` means "none".
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let code = raw.trim().to_ascii_lowercase();
        let valid = code.len() <= LANGUAGE_CODE_MAX
            && code.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
        if !valid {
            return Err("Enter a valid language code.".to_owned());
        }
        Ok((!code.is_empty()).then_some(Self(code)))
    }
}

impl AsRef<str> for LanguageCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn codes_are_lower_cased_and_empty_is_none() {
        assert_eq!(
            LanguageCode::parse(" EN-us ").unwrap().unwrap().as_ref(),
            "en-us"
        );
        assert_eq!(LanguageCode::parse("").unwrap(), None);
    }

    #[test]
    fn anything_but_letters_and_dashes_is_refused() {
        for bad in ["en_US", "tr1", "e n", &"a".repeat(17)] {
            assert!(LanguageCode::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn letter_codes_always_parse(code in "[a-zA-Z]{2,3}(-[a-zA-Z]{2,4})?") {
            prop_assert!(LanguageCode::parse(&code).is_ok(), "{}", code);
        }
    }
}
