//! The API as the storefront client sees it: one test binary, real HTTP on 127.0.0.1, a real
//! database (SQLite, or PostgreSQL with `STOREFRONT_TEST_DATABASE_URL`) and session store (the
//! database, or Redis with `STOREFRONT_TEST_SESSION_STORE`).
#![allow(clippy::unwrap_used)]

mod active_sessions;
mod addresses;
mod akifast;
mod anonymize;
mod architecture;
mod body_formats;
mod captcha;
mod cards;
mod consents;
mod csrf;
mod currencies;
mod current_user;
mod email_addresses;
mod errors;
mod export;
mod geography;
mod internal_api;
mod languages;
mod lifecycle;
mod login;
mod logout;
mod loyalty;
mod openapi;
mod operations;
mod orders;
mod otp;
mod outbox;
mod password_change;
mod password_reset;
mod password_set;
mod profile;
mod registration;
mod security_events;
mod sessions;
mod social_login;
mod support;
mod throttling;
