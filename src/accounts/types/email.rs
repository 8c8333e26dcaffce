//! A syntactically valid e-mail address: the one parse of what the customer typed.

use sea_orm::DeriveValueType;

use super::{REQUIRED, too_long};

/// A syntactically valid e-mail address, trimmed, as the customer typed it. Stored as text.
#[derive(Debug, Clone, PartialEq, Eq, DeriveValueType)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a plausible local part, a dotted domain of DNS labels.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const INVALID: &str = "Enter a valid email address.";
        let email = raw.trim();
        if email.is_empty() {
            return Err(REQUIRED.to_owned());
        }
        if email.chars().count() > 254 {
            return Err(too_long(254));
        }
        let (local, domain) = email.rsplit_once('@').ok_or(INVALID)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
        if local_ok && domain_ok {
            Ok(Self(email.to_owned()))
        } else {
            Err(INVALID.to_owned())
        }
    }

    /// A unique address that reaches nobody, for an anonymised account: `.invalid` is reserved
    /// (RFC 2606), and 24 random characters of `[a-z0-9]` (~124 bits) never repeat.
    pub fn anonymized_placeholder() -> Self {
        use rand::distr::{Alphanumeric, SampleString};
        let random = Alphanumeric
            .sample_string(&mut rand::rng(), 24)
            .to_ascii_lowercase();
        Self(format!("anonymized-{random}@anonymized.invalid"))
    }

    /// The key accounts are matched on: the whole address lower-cased.
    pub fn lowercase(&self) -> String {
        self.0.to_lowercase()
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn emails_are_trimmed_and_matched_lowercase() {
        let email = Email::parse("  Jane.Doe@Example.COM ").unwrap();
        assert_eq!(email.as_ref(), "Jane.Doe@Example.COM");
        assert_eq!(email.lowercase(), "jane.doe@example.com");
    }

    #[test]
    fn anonymized_placeholders_are_valid_and_differ() {
        let (one, two) = (
            Email::anonymized_placeholder(),
            Email::anonymized_placeholder(),
        );

        assert_ne!(one, two);
        assert_eq!(Email::parse(one.as_ref()).unwrap(), one);
        assert!(one.as_ref().ends_with("@anonymized.invalid"));
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "jane@exa_mple.com",
            "jane..doe@example.com",
            "jane@example.c",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn plausible_emails_always_parse(local in "[a-z0-9]{1,20}([._+-][a-z0-9]{1,10})?", domain in "[a-z0-9]{1,20}", tld in "[a-z]{2,6}") {
            let email = format!("{local}@{domain}.{tld}");
            prop_assert!(Email::parse(&email).is_ok(), "{}", email);
        }

    }
}
