//! The genders the profile offers.

use sea_orm::{DeriveValueType, sea_query::ValueTypeErr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The genders the profile offers; stored as their wire value (`female`, `male`, `none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, DeriveValueType)]
#[serde(rename_all = "lowercase")]
#[sea_orm(value_type = "String")]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Prefer not to say.
    None,
}

impl Gender {
    /// Every choice, in the order the profile lists them.
    pub const ALL: [Gender; 3] = [Gender::Female, Gender::Male, Gender::None];

    /// `""` means "not given"; anything else must be one of the choices.
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        match raw.trim() {
            "" => Ok(None),
            "female" => Ok(Some(Self::Female)),
            "male" => Ok(Some(Self::Male)),
            "none" => Ok(Some(Self::None)),
            other => Err(format!("\"{other}\" is not a valid choice.")),
        }
    }

    /// The stored and wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::None => "none",
        }
    }

    /// The choice's label in `language` (`tr`, else English).
    pub(super) fn label(self, language: &str) -> &'static str {
        match (language, self) {
            ("tr", Self::Female) => "Kadın",
            ("tr", Self::Male) => "Erkek",
            ("tr", Self::None) => "Belirtmek istemiyorum",
            (_, Self::Female) => "Female",
            (_, Self::Male) => "Male",
            (_, Self::None) => "Prefer not to say",
        }
    }
}

// The column's conversions (`DeriveValueType` reads and writes through these).
impl std::fmt::Display for Gender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Gender {
    type Err = ValueTypeErr;

    fn from_str(stored: &str) -> Result<Self, ValueTypeErr> {
        Self::ALL
            .into_iter()
            .find(|gender| gender.as_str() == stored)
            .ok_or(ValueTypeErr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_gender_reads_back() {
        for gender in Gender::ALL {
            assert_eq!(gender.to_string().parse::<Gender>().ok(), Some(gender));
        }
        assert_eq!(Gender::parse("").unwrap(), None);
        assert!(Gender::parse("x").is_err());
    }
}
