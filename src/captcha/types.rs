//! What the client sends to the captcha pages, and what they render.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::lenient;

/// `POST /users/pz-captcha/` and `POST /users/captcha/`: the widget's answer.
#[derive(Deserialize, ToSchema)]
pub struct CaptchaForm {
    /// The token the captcha widget gave.
    #[serde(
        rename = "g-recaptcha-response",
        default,
        deserialize_with = "lenient::string"
    )]
    pub response: Option<String>,
    /// Where `POST /users/captcha/` redirects once the captcha is solved (a path on this site).
    #[serde(default, deserialize_with = "lenient::string")]
    pub next: Option<String>,
}

/// The captcha form, for the client to scrape and render.
#[derive(Serialize, ToSchema)]
pub struct CaptchaFormView {
    /// `<form>` with the `csrfmiddlewaretoken` and the widget's `data-sitekey`.
    #[schema(
        example = "<form method=\"post\" action=\"/users/pz-captcha/\"><input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"Q2vX…\"><div class=\"g-recaptcha\" data-sitekey=\"6LcExample\"></div><button type=\"submit\">Continue</button></form>"
    )]
    pub html: String,
}

/// A solved captcha: the client compares `location` with `"/"` exactly.
#[derive(Serialize, ToSchema)]
pub struct SolvedView {
    /// Always `/`.
    #[schema(example = "/")]
    pub location: &'static str,
}

/// The captcha `<form>` posting to `action`, with a CSRF token, the site key, the page to go
/// to next (`/users/captcha/` only) and, after a failed check, the reason.
pub fn form(action: &str, token: &str, site_key: &str, next: Option<&str>, failed: bool) -> String {
    // No value here needs escaping: the token and the site key are word characters, and `next`
    // has passed `local_path`.
    let error = if failed {
        "<p class=\"errorlist\">The captcha was not solved. Please try again.</p>"
    } else {
        ""
    };
    let next = next
        .map(|next| format!("<input type=\"hidden\" name=\"next\" value=\"{next}\">"))
        .unwrap_or_default();
    format!(
        "<form method=\"post\" action=\"{action}\">{error}\
         <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{token}\">{next}\
         <div class=\"g-recaptcha\" data-sitekey=\"{site_key}\"></div>\
         <button type=\"submit\">Continue</button></form>"
    )
}

/// The whole page of `GET /users/captcha/`: the form and the widget's script.
pub fn page(form: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Captcha</title>\
         <script src=\"https://www.google.com/recaptcha/api.js\" async defer></script></head>\
         <body>\n{form}\n</body></html>\n"
    )
}

/// `next` when it is a path on this site made of characters that need no escaping in HTML or
/// a `Location` header; else `/`. Never another site: `//host` and `/\host` are refused.
pub fn local_path(next: Option<&str>) -> &str {
    let safe =
        |character: char| character.is_ascii_alphanumeric() || "/-_.~?=%+".contains(character);
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && next.len() <= 2000
                && next.chars().all(safe) =>
        {
            next
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(local_path(Some("/users/login/?a=1")), "/users/login/?a=1");
        assert_eq!(local_path(Some("//evil.example.com/")), "/");
        assert_eq!(local_path(Some("https://evil.example.com/")), "/");
        assert_eq!(local_path(Some("/\\evil.example.com")), "/");
        assert_eq!(local_path(Some("/\"><script>")), "/");
        assert_eq!(local_path(None), "/");
    }
}
