//! A phone number as the customer typed it, normalized.

/// A phone number: digits with an optional leading `+`, 10 to 15 digits, after removing the
/// spaces, brackets and dashes people type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses and normalizes a phone number.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut normalized = String::with_capacity(raw.len());
        normalized.extend(
            raw.chars()
                .filter(|c| !matches!(c, ' ' | '(' | ')' | '-' | '_')),
        );
        let digits = normalized.strip_prefix('+').unwrap_or(&normalized);
        if (10..=15).contains(&digits.len()) && digits.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(Self(normalized))
        } else {
            Err("Enter a valid phone number.".to_owned())
        }
    }

    /// How many digits the number has.
    pub fn digit_count(&self) -> usize {
        self.0.bytes().filter(u8::is_ascii_digit).count()
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn phones_lose_formatting_and_need_10_to_15_digits() {
        assert_eq!(
            PhoneNumber::parse("0532 (123) 45-67").unwrap().as_ref(),
            "05321234567"
        );
        assert_eq!(
            PhoneNumber::parse("+90 532 123 4567").unwrap().as_ref(),
            "+905321234567"
        );
        for bad in ["123", "+1234567890123456", "0532abc4567", "++905321234567"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn phone_parsing_never_panics(raw in "\\PC{0,40}") {
            let _ = PhoneNumber::parse(&raw);
        }
    }
}
