//! A corporate address's tax number.

use sea_orm::DeriveValueType;

/// A tax number: digits only (Türkiye's are 10, a person's 11; other countries differ, so the
/// length is only bounded by the form). Stored as text.
#[derive(Debug, Clone, PartialEq, Eq, DeriveValueType)]
pub struct TaxNumber(String);

impl TaxNumber {
    /// Parses trimmed, non-empty text.
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err("Enter a valid tax number: digits only.".to_owned())
        }
    }
}

impl AsRef<str> for TaxNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn anything_but_digits_is_refused() {
        for bad in ["", "12a4", "12 34", "-1234", "١٢٣"] {
            assert!(TaxNumber::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn digits_always_parse(digits in "[0-9]{1,20}") {
            prop_assert_eq!(TaxNumber::parse(&digits).map(|tax_no| tax_no.as_ref().to_owned()), Ok(digits));
        }
    }
}
