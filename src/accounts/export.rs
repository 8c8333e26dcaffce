//! What accounts contributes to the data export: the `profile`, the `consents` with their
//! history, and the `sessions` that log the customer in.

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::{
    Customer,
    consents::{self, Consent},
    logins,
    types::wire_time,
};
use crate::{export::ExportSection, http::ApiError, state::AppState};

/// The account as stored, without the password hash (a secret, not data about the customer) and
/// without the consents (their own section).
pub struct ProfileSection;

#[async_trait]
impl ExportSection for ProfileSection {
    fn name(&self) -> &'static str {
        "profile"
    }

    async fn export(&self, _state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        Ok(json!({
            "id": customer.id,
            "username": customer.username,
            "email": customer.email.as_ref(),
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "phone": customer.phone.as_ref().map(|phone| phone.e164()),
            "gender": customer.gender,
            "date_of_birth": customer.date_of_birth,
            "language_code": customer.language_code.as_ref().map(AsRef::<str>::as_ref),
            "attributes": customer.attributes,
            "is_active": customer.is_active,
            "user_type": customer.user_type,
            "date_joined": wire_time(&customer.date_joined),
            "last_login": customer.last_login.as_ref().map(wire_time),
            "modified_date": wire_time(&customer.modified_date),
        }))
    }
}

/// Each consent's current value (`null`: never asked) and every recorded change, oldest first.
pub struct ConsentsSection;

#[async_trait]
impl ExportSection for ConsentsSection {
    fn name(&self) -> &'static str {
        "consents"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let current: Map<String, Value> = Consent::ALL
            .into_iter()
            .map(|consent| {
                (
                    consent.as_str().to_owned(),
                    json!(consent.value_of(customer)),
                )
            })
            .collect();
        let history: Vec<Value> = consents::history(state.db.read(), customer.id)
            .await?
            .into_iter()
            .map(|record| {
                json!({
                    "consent": record.consent,
                    "value": record.value,
                    "source": record.source,
                    "changed_at": wire_time(&record.changed_at),
                })
            })
            .collect();
        Ok(json!({"current": current, "history": history}))
    }
}

/// The sessions that log the customer in now: when each began and expires, and from what; never
/// a key or what identifies it in the session store.
pub struct SessionsSection;

#[async_trait]
impl ExportSection for SessionsSection {
    fn name(&self) -> &'static str {
        "sessions"
    }

    async fn export(&self, state: &AppState, customer: &Customer) -> Result<Value, ApiError> {
        let sessions: Vec<Value> = logins::live_sessions(state, customer, None)
            .await?
            .into_iter()
            .map(|session| {
                json!({
                    "id": session.id,
                    "created_at": wire_time(&session.created_at),
                    "last_seen_at": wire_time(&session.last_seen_at),
                    "expires_at": wire_time(&session.expires_at),
                    "ip": session.ip,
                    "user_agent": session.user_agent,
                })
            })
            .collect();
        Ok(Value::Array(sessions))
    }
}
