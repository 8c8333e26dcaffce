//! Customer passwords: hashing and verifying them (argon2id on a dedicated thread pool, plus the
//! hash formats of the Django shops we migrate) and Django's default strength validators.
//!
//! Self-contained on purpose: nothing here reaches outside this folder, so it can move as a unit.

mod django;
mod hasher;
mod validation;

pub use hasher::{PasswordHasher, Verification};
pub use validation::{UserAttribute, validate_password};
