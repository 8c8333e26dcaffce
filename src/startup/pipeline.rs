//! What runs around every routed request, outermost first: observation (span, metrics), the CSRF
//! check, the session. One layer rather than three, and a plain tower service rather than
//! `axum::middleware::from_fn`, because each `from_fn` layer boxes the inner service and its
//! future again on every request: the hot paths are a few microseconds each, so every box shows
//! (docs/PERFORMANCE.md).
//!
//! The internal API (`/internal/…`, bearer token, no browser) is only observed: it has no
//! cookies, so neither the CSRF check nor a session applies to it.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    extract::Request,
    response::{IntoResponse, Response},
};
use tower::{Layer, Service, ServiceExt};
use tracing::Instrument;

use crate::{http::csrf, ops::Observation, sessions, state::AppState};

/// Wraps each route in [`Pipeline`].
#[derive(Clone)]
pub struct PipelineLayer {
    state: AppState,
    is_internal: bool,
}

impl PipelineLayer {
    /// The layer for the application's routes.
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            is_internal: false,
        }
    }

    /// The layer for the internal API's routes: observation only.
    pub fn internal(state: AppState) -> Self {
        Self {
            state,
            is_internal: true,
        }
    }
}

impl<S> Layer<S> for PipelineLayer {
    type Service = Pipeline<S>;

    fn layer(&self, inner: S) -> Pipeline<S> {
        Pipeline {
            inner,
            state: self.state.clone(),
            is_internal: self.is_internal,
        }
    }
}

/// Observes the request, refuses it if the CSRF check fails (before any session is touched),
/// then runs the route with its session.
#[derive(Clone)]
pub struct Pipeline<S> {
    inner: S,
    state: AppState,
    is_internal: bool,
}

impl<S> Service<Request> for Pipeline<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Routes are always ready; readiness is awaited below on the clone that runs.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let (inner, state, is_internal) =
            (self.inner.clone(), self.state.clone(), self.is_internal);
        Box::pin(async move {
            let observation = Observation::start(&request);
            let route = |request| async move {
                match inner.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            };
            let response = async {
                if is_internal {
                    return route(request).await;
                }
                match csrf::verify(&state.csrf, request).await {
                    Ok(request) => sessions::with_session(&state.sessions, request, route).await,
                    Err(refusal) => refusal.into_response(),
                }
            }
            .instrument(observation.span())
            .await;
            observation.finish(&response);
            Ok(response)
        })
    }
}
