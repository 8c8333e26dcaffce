//! The genders the profile offers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The genders the profile offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
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

    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Female => "Female",
            Self::Male => "Male",
            Self::None => "Prefer not to say",
        }
    }
}
