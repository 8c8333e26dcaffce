//! What the customer reads of a session.

use serde::Serialize;
use utoipa::ToSchema;

use super::LiveSession;
use crate::accounts::types::wire_time;

/// One session that logs the customer in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The session's id in this list (not its key).
    pub id: i64,
    /// When the customer logged in, in UTC (`2026-12-07T12:00:00.000000Z`).
    pub created_at: String,
    /// When the session was last used, to the minute.
    pub last_seen_at: String,
    /// The client's IP at login, `null` when unknown.
    pub ip: Option<String>,
    /// The browser or app that logged in, as it named itself.
    pub user_agent: Option<String>,
    /// Whether this is the session of the request.
    pub current: bool,
}

impl From<LiveSession> for SessionView {
    fn from(session: LiveSession) -> Self {
        Self {
            id: session.id,
            created_at: wire_time(&session.created_at),
            last_seen_at: wire_time(&session.last_seen_at),
            ip: session.ip,
            user_agent: session.user_agent,
            current: session.is_current,
        }
    }
}
