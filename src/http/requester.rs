//! Who sent a request, as far as the server can tell: the client's IP (see [`super::client_ip`])
//! and its `User-Agent`. What the customer's session list and security log show, so that a
//! customer can tell their own devices from somebody else's.

use std::{convert::Infallible, net::IpAddr};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};

use super::client_ip::{ClientIp, TrustedProxies};

/// What is kept of a `User-Agent` header, in characters (the columns that store it hold 255).
const USER_AGENT_MAX_CHARS: usize = 255;

/// The request's client IP (`None` when it cannot be known) and `User-Agent` (`None` when absent
/// or not text, cut to 255 characters).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requester {
    /// The client's IP address.
    pub ip: Option<IpAddr>,
    /// The browser or app, as it names itself.
    pub user_agent: Option<String>,
}

impl<S> FromRequestParts<S> for Requester
where
    S: Send + Sync,
    TrustedProxies: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(USER_AGENT_MAX_CHARS).collect());
        Ok(Self { ip, user_agent })
    }
}
