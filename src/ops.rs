//! Operator endpoints: `GET /healthz` (checks the database) and `GET /metrics` (Prometheus text:
//! requests by method, route and status, and a latency histogram), and what each request records.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Json,
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    http::error::ErrorReport, state::AppState, tasks::BackgroundTasks, telemetry::ACCESS_LOG,
};

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";
const REQUEST_ID: &str = "x-request-id";

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_health))
        .routes(routes!(get_metrics))
}

/// 200 when the server can reach its database, else 503.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Healthy"), (status = 503, description = "The database is unreachable")))]
pub async fn get_health(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(json!({"status": "ok"})).into_response(),
        Err(error) => {
            tracing::error!(error = ?error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"detail": "Database unavailable."})),
            )
                .into_response()
        }
    }
}

/// Metrics in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text", content_type = "text/plain")))]
pub async fn get_metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// The process-wide metrics recorder (the `metrics` facade has one global recorder, so every
/// application built in this process, as in the tests, shares it).
pub fn metrics_handle() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut installed = HANDLE
        .lock()
        .map_err(|_| anyhow::anyhow!("the metrics recorder lock is poisoned"))?;
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let buckets = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    ];
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &buckets)?
        .install_recorder()?;
    *installed = Some(handle.clone());
    Ok(handle)
}

/// Drains histogram samples into their buckets regularly, so memory stays flat between scrapes.
pub fn spawn_metrics_upkeep(tasks: &BackgroundTasks, handle: PrometheusHandle) {
    tasks.every("metrics upkeep", Duration::from_secs(5), move || {
        handle.run_upkeep();
        std::future::ready(())
    });
}

/// What is recorded of every request: a request counter and a latency histogram; a log line
/// only when something is worth one: a server error (with its cause), the access log when
/// enabled, and at `debug` a span around the request. Never the URI, headers or body, which can
/// carry tokens: the method, the matched route, the status and the request id.
///
/// Nothing is formatted for a request that logs nothing: at `info` a span around every request
/// cost ~10 µs of the fmt layer's work (docs/PERFORMANCE.md), so the span is at `debug`, and the
/// events that need the request's context carry it as fields of their own.
pub struct Observation {
    started: Instant,
    method: &'static str,
    route: Option<MatchedPath>,
    id: RequestId,
    span: tracing::Span,
}

impl Observation {
    /// Starts observing `request` (after routing, so the matched route is known).
    pub fn start(request: &Request) -> Self {
        let method = method_label(request.method());
        let route = request.extensions().get::<MatchedPath>().cloned();
        let id = RequestId::of(request);
        let span = tracing::debug_span!(
            "request",
            method,
            route = route_label(route.as_ref()),
            request_id = %id,
            status = tracing::field::Empty
        );
        Self {
            started: Instant::now(),
            method,
            route,
            id,
            span,
        }
    }

    /// The request's span, to run the rest of the request in (disabled below `debug`).
    pub fn span(&self) -> tracing::Span {
        self.span.clone()
    }

    /// Records the answer.
    pub fn finish(self, response: &Response) {
        let status = response.status();
        let elapsed = self.started.elapsed();
        let (method, route, id) = (self.method, route_label(self.route.as_ref()), &self.id);
        self.span.record("status", status.as_u16());
        if status.is_server_error() {
            match response.extensions().get::<ErrorReport>() {
                // `{:?}` of anyhow prints the whole "Caused by" chain, once, here.
                Some(ErrorReport(error)) => tracing::error!(
                    %method, %route, request_id = %id, status = status.as_u16(), error = ?error,
                    "request failed"
                ),
                None => tracing::error!(
                    %method, %route, request_id = %id, status = status.as_u16(),
                    "answered with a server error"
                ),
            }
        }
        tracing::info!(
            target: ACCESS_LOG,
            %method, %route, status = status.as_u16(), duration_us = elapsed.as_micros() as u64,
            request_id = %id,
            "answered"
        );
        REQUEST_METRICS.with_borrow_mut(|metrics| {
            metrics.record(route, method, status_label(status), elapsed.as_secs_f64())
        });
    }
}

impl Drop for Observation {
    /// A handler that panics unwinds through here before the panic layer answers 500: the one
    /// moment the request's context is still known.
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::error!(
                method = %self.method,
                route = %route_label(self.route.as_ref()),
                request_id = %self.id,
                "the request panicked"
            );
        }
    }
}

/// The id that ties a request's log lines together: the client's or proxy's `X-Request-Id` when
/// it is a short printable token, else a number counted by this process.
enum RequestId {
    Given(HeaderValue),
    Counted(u64),
}

impl RequestId {
    fn of(request: &Request) -> Self {
        /// Longer ids are not ids (a UUID is 36 characters).
        const LONGEST: usize = 64;
        static COUNTED: AtomicU64 = AtomicU64::new(1);
        match request.headers().get(REQUEST_ID) {
            Some(given)
                if given.len() <= LONGEST && given.as_bytes().iter().all(u8::is_ascii_graphic) =>
            {
                Self::Given(given.clone())
            }
            _ => Self::Counted(COUNTED.fetch_add(1, Ordering::Relaxed)),
        }
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Checked to be printable ASCII when taken.
            Self::Given(given) => formatter.write_str(given.to_str().unwrap_or_default()),
            Self::Counted(number) => write!(formatter, "{number}"),
        }
    }
}

fn route_label(route: Option<&MatchedPath>) -> &str {
    route.map_or("unmatched", MatchedPath::as_str)
}

thread_local! {
    /// Each thread's handles to the request metrics it has recorded. Looking a metric up by its
    /// labels builds and hashes a key and takes the registry's lock: ~4 % of the samples on
    /// `GET /csrf_token/`. A handle stays valid for the life of the process.
    static REQUEST_METRICS: std::cell::RefCell<RequestMetrics> = std::cell::RefCell::default();
}

/// Counter and histogram handles by route, then method and status.
#[derive(Default)]
struct RequestMetrics {
    by_route: std::collections::HashMap<String, Vec<RouteMetrics>>,
}

struct RouteMetrics {
    method: &'static str,
    status: &'static str,
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

impl RequestMetrics {
    fn record(&mut self, route: &str, method: &'static str, status: &'static str, seconds: f64) {
        let known = self.by_route.get(route).and_then(|known| {
            known
                .iter()
                .find(|handles| handles.method == method && handles.status == status)
        });
        if let Some(handles) = known {
            return handles.record(seconds);
        }
        let handles = RouteMetrics::register(route, method, status);
        handles.record(seconds);
        self.by_route
            .entry(route.to_owned())
            .or_default()
            .push(handles);
    }
}

impl RouteMetrics {
    fn register(route: &str, method: &'static str, status: &'static str) -> Self {
        let route = route.to_owned();
        Self {
            method,
            status,
            requests: metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status),
            duration: metrics::histogram!(DURATION, "method" => method, "route" => route),
        }
    }

    fn record(&self, seconds: f64) {
        self.requests.increment(1);
        self.duration.record(seconds);
    }
}

// Static labels: no allocation for the values almost every request has.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_label(status: StatusCode) -> &'static str {
    status
        .canonical_reason()
        .map_or("other", |_| match status.as_u16() {
            200 => "200",
            201 => "201",
            204 => "204",
            400 => "400",
            401 => "401",
            403 => "403",
            404 => "404",
            405 => "405",
            413 => "413",
            415 => "415",
            429 => "429",
            500 => "500",
            503 => "503",
            _ => "other",
        })
}
