//! storefront: the customer-facing Commerce User API of an online shop (Akinon-style),
//! compatible with the @akinon/next storefront client.

/// Customers: registration, login/logout, current user, profile, password hashing.
pub mod accounts;
/// The customer's address book: CRUD, the primary address, corporate invoice fields.
pub mod addresses;
/// Akifast's checkout consents, kept until the order of their basket arrives.
pub mod akifast;
/// The captcha: its pages, the verifier, and the pass a solved captcha gives a session.
pub mod captcha;
/// The customer's saved cards: gateway tokens encrypted at rest, deletion at the gateway.
pub mod cards;
/// Time as a dependency, so expiry can be tested without sleeping.
pub mod clock;
/// Command line and environment configuration: one clap struct.
pub mod config;
/// The visitor's currency: the `x-currency` header, the session's choice, the default.
pub mod currencies;
/// Database connection (SQLite or PostgreSQL) and migrations.
pub mod db;
/// The account's e-mail address: confirmation links and changing it to another address.
pub mod email_addresses;
/// The customer's data export: one document, a section contributed by each area.
pub mod export;
/// Geography: countries, cities, townships, districts; public lookups and `geo import`.
pub mod geo;
/// Cross-cutting HTTP concerns: errors, extractors, CSRF, path rewriting, OpenAPI.
pub mod http;
/// The visitor's language choice, kept in the session.
pub mod languages;
/// The shared limiter: named budgets of attempts per subject, in the database or Redis.
pub mod limits;
/// The customer's loyalty money: transactions from the order side, the balance as their sum.
pub mod loyalty;
/// Sending one e-mail: the `Mailer` trait, its SMTP adapter and the logging one.
pub mod mail;
/// Schema migrations, one file each.
pub mod migrations;
/// Operator endpoints: health check and Prometheus metrics.
pub mod ops;
/// Orders from the shop's order system, and customers' cancellations and returns.
pub mod orders;
/// SMS one-time codes: registration and login with a code, login by phone.
pub mod otp;
/// The transactional outbox: messages written with the change that causes them, sent by a worker.
pub mod outbox;
/// Forgotten passwords: a reset link by e-mail, then a new password through it.
pub mod password_reset;
/// The customer's security log: logins, failures, password and e-mail changes, revocations.
pub mod security_events;
/// Server-side sessions for guests and customers: keys, stores, the load/save layer.
pub mod sessions;
/// Sending one text message: the `SmsSender` trait, its HTTP gateway adapter and the logging one.
pub mod sms;
/// Social login (Google, Apple, Facebook: OpenID Connect and OAuth 2) and the account's links.
pub mod social;
/// Application start-up: router, middleware order, background tasks.
pub mod startup;
/// The state every request handler can reach.
pub mod state;
/// Background tasks: started by name, stopped on shutdown.
pub mod tasks;
/// Logging setup.
pub mod telemetry;
