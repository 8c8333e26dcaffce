//! Reading and writing cookies the way the storefront client needs. The `Cookie` header it
//! forwards holds bare words (`undefined`), JSON and URL values and two copies of the session
//! key, so reading is lenient: malformed pairs are skipped, never an error. Writing follows the
//! contract: `Path=/`, `Max-Age` (no `Expires`, whose date has a comma), never `Domain`.

use std::{fmt::Write, time::Duration};

use axum::http::{HeaderMap, HeaderValue, header};

/// The value of the last cookie called `name`, if any. The last, as Django reads them: a browser
/// holding two cookies of one name (say an old one set with a `Domain` beside a newer host-only
/// one) sends the older first, and the client was built against Django's choice.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .rfind(|(key, _)| key.trim() == name)
        .map(|(_, value)| value.trim().trim_matches('"'))
}

/// A `Set-Cookie` header value.
pub struct SetCookie<'a> {
    /// Cookie name.
    pub name: &'a str,
    /// Cookie value: word characters only, never a comma (the proxy joins headers with commas).
    pub value: &'a str,
    /// Lifetime; zero deletes the cookie.
    pub max_age: Duration,
    /// `HttpOnly`: true for the session, false for the CSRF cookie the browser's script reads.
    pub http_only: bool,
    /// `Secure`: only on HTTPS deployments.
    pub secure: bool,
}

impl SetCookie<'_> {
    /// The header value, e.g. `osessionid=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600`.
    pub fn to_header(&self) -> HeaderValue {
        // Built in one allocation that becomes the header's buffer: this runs on every
        // `GET /csrf_token/`, where formatting and copying showed in profiles.
        const ATTRIBUTES: usize = "; Path=/; HttpOnly; SameSite=Lax; Max-Age=; Secure".len() + 20;
        let mut cookie = String::with_capacity(self.name.len() + 1 + self.value.len() + ATTRIBUTES);
        for part in [self.name, "=", self.value, "; Path=/"] {
            cookie.push_str(part);
        }
        if self.http_only {
            cookie.push_str("; HttpOnly");
        }
        cookie.push_str("; SameSite=Lax; Max-Age=");
        // Writing to a String cannot fail.
        let _ = write!(cookie, "{}", self.max_age.as_secs());
        if self.secure {
            cookie.push_str("; Secure");
        }
        // Names are validated tokens and values word characters, so this cannot fail.
        HeaderValue::try_from(cookie)
            .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        headers
    }

    #[test]
    fn reads_a_cookie_among_junk_the_client_sends() {
        let headers = headers(
            r#"undefined; pz-pos-error={"a":1}; sessionid=zzz; osessionid=abc; csrftoken=T"#,
        );
        assert_eq!(read(&headers, "osessionid"), Some("abc"));
        assert_eq!(read(&headers, "csrftoken"), Some("T"));
        assert_eq!(read(&headers, "undefined"), None);
    }

    #[test]
    fn of_two_cookies_with_one_name_the_last_counts() {
        let headers = headers("osessionid=old; csrftoken=A; osessionid=new; csrftoken=B");
        assert_eq!(read(&headers, "osessionid"), Some("new"));
        assert_eq!(read(&headers, "csrftoken"), Some("B"));
    }

    #[test]
    fn a_cookie_is_found_in_any_of_several_cookie_headers() {
        let mut headers = headers("a=1");
        headers.append(header::COOKIE, HeaderValue::from_static("osessionid=k"));
        assert_eq!(read(&headers, "osessionid"), Some("k"));
    }
}
