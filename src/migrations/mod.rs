//! Schema migrations, applied at start-up and in every test database. Portable choices, the
//! same on SQLite and PostgreSQL: timestamps are written by the application in UTC, e-mail
//! uniqueness is a unique lower-cased column (not a PostgreSQL collation), and no column has a
//! database-side default that would differ by backend.

use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod m0001_users;
mod m0002_sessions;
mod m0003_geography;
mod m0004_addresses;
mod m0005_default_billing_address;
mod m0006_user_version;
mod m0007_phones_e164;
mod m0008_outbox;
mod m0009_outbox_throttle;
mod m0010_password_reset_tokens;
mod m0011_email_addresses;
mod m0012_privacy;
mod m0013_rate_limits;
mod m0014_phone_verification;
mod m0015_security_events;
mod m0016_saved_cards;
mod m0017_loyalty;
mod m0018_akifast_permissions;
mod m0019_social_accounts;
mod m0020_orders;

/// Every migration, in order.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_users::Migration),
            Box::new(m0002_sessions::Migration),
            Box::new(m0003_geography::Migration),
            Box::new(m0004_addresses::Migration),
            Box::new(m0005_default_billing_address::Migration),
            Box::new(m0006_user_version::Migration),
            Box::new(m0007_phones_e164::Migration),
            Box::new(m0008_outbox::Migration),
            Box::new(m0009_outbox_throttle::Migration),
            Box::new(m0010_password_reset_tokens::Migration),
            Box::new(m0011_email_addresses::Migration),
            Box::new(m0012_privacy::Migration),
            Box::new(m0013_rate_limits::Migration),
            Box::new(m0014_phone_verification::Migration),
            Box::new(m0015_security_events::Migration),
            Box::new(m0016_saved_cards::Migration),
            Box::new(m0017_loyalty::Migration),
            Box::new(m0018_akifast_permissions::Migration),
            Box::new(m0019_social_accounts::Migration),
            Box::new(m0020_orders::Migration),
        ]
    }
}
