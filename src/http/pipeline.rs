//! What runs around every routed request, outermost first: observation (span, metrics), the CSRF
//! check, the session. One middleware rather than three layers, because each `from_fn` layer
//! boxes a future and clones the inner service per request: merged, `GET /csrf_token/` went from
//! ~66% to ~85% of the bare-axum ceiling (docs/PERFORMANCE.md).

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::Instrument;

use super::csrf;
use crate::{ops::Observation, sessions, state::AppState};

/// Observes the request, refuses it if the CSRF check fails (before any session is touched),
/// then runs the handler with its session.
pub async fn around_request(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let observation = Observation::start(&request);
    let response = async {
        match csrf::verify(&state, request).await {
            Ok(request) => sessions::with_session(&state.sessions, request, next).await,
            Err(refusal) => refusal.into_response(),
        }
    }
    .instrument(observation.span())
    .await;
    observation.finish(&response);
    response
}
