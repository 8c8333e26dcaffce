//! The client's IP address, as far as it can be known: the socket's peer, or, when the peer is
//! one of our own proxies (`TRUSTED_PROXIES`), the address those proxies forwarded.
//!
//! Rules (Rails' `RemoteIp`): from a trusted peer, `X-Forwarded-For` is read from the right,
//! skipping the hops that are trusted proxies themselves; the first untrusted hop is the client.
//! A trusted peer that sends no `X-Forwarded-For` (the Next.js storefront calling from its own
//! server) gives no client IP at all: per-IP limits must never count every customer of a shop as
//! one visitor. From an untrusted peer the header is ignored: anybody can write it.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    str::FromStr,
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, request::Parts},
};
use ipnet::IpNet;

/// `X-Forwarded-For`, which proxies append the address they were called from to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The default `TRUSTED_PROXIES`: loopback and the private ranges, as Rails trusts them.
pub const DEFAULT_TRUSTED_PROXIES: &str =
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

/// The networks whose requests come through our own proxies (`TRUSTED_PROXIES`).
#[derive(Clone, Debug)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Whether `ip` is one of ours. An IPv4 address written as IPv6 (`::ffff:10.0.0.1`, as a
    /// dual-stack socket reports it) counts as the IPv4 address.
    fn trust(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|network| network.contains(&ip))
    }

    /// The client of a request from `peer` carrying `headers` (see the module).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> Option<IpAddr> {
        if !self.trust(peer) {
            return Some(peer.to_canonical());
        }
        let mut hops = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .flat_map(|value| value.to_str().unwrap_or_default().split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect::<Vec<_>>();
        hops.reverse();
        let mut leftmost = None;
        for hop in hops {
            // A hop our proxies wrote that is not an address: the chain cannot be read further,
            // and what lies left of it is the caller's own writing.
            let ip = parse_hop(hop)?.to_canonical();
            if !self.trust(ip) {
                return Some(ip);
            }
            leftmost = Some(ip);
        }
        // Every hop was one of ours: the request started inside our network.
        leftmost
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated CIDRs (`10.0.0.0/8`) or single addresses; empty trusts nobody.
    fn from_str(value: &str) -> Result<Self, String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|network| !network.is_empty())
            .map(|network| {
                network
                    .parse::<IpNet>()
                    .or_else(|_| network.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{network}` is not a CIDR range such as 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|networks| Self(networks.into()))
    }
}

/// An address as proxies write it: bare, or with a port (`1.2.3.4:5678`, `[::1]:5678`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|address| address.ip()))
}

/// The request's client IP, `None` when it cannot be known (see the module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    TrustedProxies: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        // Absent only when the router is called without a socket (never when served).
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(Self(None));
        };
        Ok(Self(
            TrustedProxies::from_ref(state).client_ip(peer.ip(), &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn client_of(peer: &str, forwarded: &[&str]) -> Option<String> {
        let proxies: TrustedProxies = DEFAULT_TRUSTED_PROXIES.parse().expect("the default parses");
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append(
                FORWARDED_FOR,
                HeaderValue::from_str(value).expect("a header value"),
            );
        }
        let peer = peer.parse().expect("an address");
        proxies.client_ip(peer, &headers).map(|ip| ip.to_string())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(
            client_of("203.0.113.9", &["198.51.100.1"]).as_deref(),
            Some("203.0.113.9")
        );
    }

    #[test]
    fn a_trusted_peer_without_forwarding_gives_no_client() {
        assert_eq!(client_of("10.1.2.3", &[]), None);
        assert_eq!(client_of("127.0.0.1", &[""]), None);
    }

    #[test]
    fn the_last_untrusted_hop_is_the_client() {
        assert_eq!(
            client_of("10.0.0.2", &["1.1.1.1, 198.51.100.7, 10.0.0.1"]).as_deref(),
            Some("198.51.100.7")
        );
        // Several headers count as one list, in order.
        assert_eq!(
            client_of("10.0.0.2", &["1.1.1.1", "198.51.100.7:4431", "192.168.1.1"]).as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(
            client_of("::ffff:10.0.0.2", &["[2001:db8::1]:80"]).as_deref(),
            Some("2001:db8::1")
        );
    }

    #[test]
    fn a_chain_of_trusted_hops_gives_its_origin_and_garbage_gives_none() {
        assert_eq!(
            client_of("10.0.0.2", &["192.168.0.5, 10.0.0.1"]).as_deref(),
            Some("192.168.0.5")
        );
        assert_eq!(client_of("10.0.0.2", &["1.1.1.1, unknown"]), None);
    }

    #[test]
    fn trusted_proxies_parse_ranges_and_single_addresses_and_refuse_garbage() {
        let proxies: TrustedProxies = "203.0.113.0/24, 198.51.100.7".parse().expect("parses");
        assert!(proxies.trust("203.0.113.200".parse().expect("ip")));
        assert!(proxies.trust("198.51.100.7".parse().expect("ip")));
        assert!(!proxies.trust("10.0.0.1".parse().expect("ip")));
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("".parse::<TrustedProxies>().is_ok_and(|p| p.0.is_empty()));
    }
}
