//! Money as the contract writes it: an exact decimal string with two decimals (`"1180.00"`),
//! never a float.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A non-negative amount with at most two decimals, in its order's currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(Decimal);

impl Money {
    /// Parses `"159.9"`, `"159.96"`, `"0"`; refuses floats' leftovers (`"1.005"`), signs,
    /// exponents and thousands separators.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const INVALID: &str = "Enter a decimal amount with at most two decimals, e.g. \"39.99\".";
        let raw = raw.trim();
        if raw.is_empty() || !raw.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(INVALID.to_owned());
        }
        let amount = Decimal::from_str_exact(raw).map_err(|_| INVALID.to_owned())?;
        if amount.scale() > 2 || amount > Decimal::from(1_000_000_000_000_i64) {
            return Err(INVALID.to_owned());
        }
        Ok(Self(amount))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Only strings: a JSON number may already have gone through a float.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_render_with_two_decimals() {
        assert_eq!(
            Money::parse("159.9").map(|m| m.to_string()).as_deref(),
            Ok("159.90")
        );
        assert_eq!(
            Money::parse("0").map(|m| m.to_string()).as_deref(),
            Ok("0.00")
        );
        assert_eq!(
            Money::parse("1180.00").map(|m| m.to_string()).as_deref(),
            Ok("1180.00")
        );
    }

    #[test]
    fn floats_signs_and_separators_are_refused() {
        for raw in ["1.005", "-1.00", "1e3", "1,180.00", "", "abc", "1.2.3"] {
            assert!(Money::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn a_json_number_is_refused() {
        assert!(serde_json::from_str::<Money>("39.99").is_err());
        assert!(serde_json::from_str::<Money>("\"39.99\"").is_ok());
    }
}
