//! Logging: a tracing subscriber writing text or JSON lines to stderr. Request logs carry the
//! method, matched route, status and request id only: never headers, cookies, bodies or query
//! strings, so passwords, session keys and CSRF tokens cannot reach the log.

use tracing_subscriber::{EnvFilter, filter::Directive, fmt};

use crate::config::LogFormat;

/// The target of the access log's one line per answered request (`STOREFRONT_ACCESS_LOG`).
pub const ACCESS_LOG: &str = "storefront::access";

/// Installs the global subscriber. Called once by `main`.
pub fn init(filter: &str, format: LogFormat, access_log: bool) {
    let mut filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // On or off whatever the level: the access log is a setting of its own. Off, its event is
    // disabled where it is written, so it costs a request nothing.
    let access = if access_log { "info" } else { "off" };
    if let Ok(directive) = format!("{ACCESS_LOG}={access}").parse::<Directive>() {
        filter = filter.add_directive(directive);
    }
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
