//! The captcha's settings. Part of the one configuration struct (`config::Config` flattens it),
//! so each is an environment variable.

use secrecy::SecretString;

/// The verifier, the keys, and when a captcha is asked for.
#[derive(Debug, Clone, clap::Args)]
pub struct CaptchaConfig {
    /// The siteverify endpoint of reCAPTCHA, hCaptcha or Turnstile
    /// (`https://www.google.com/recaptcha/api/siteverify`), or `dev` for the development verifier
    /// that accepts the token `dev-pass` (refused with `STOREFRONT_ENV=production`). Unset: no
    /// captcha is ever asked for.
    #[arg(long, env = "CAPTCHA_VERIFY_URL", value_parser = CaptchaVerifyUrl::parse)]
    pub captcha_verify_url: Option<CaptchaVerifyUrl>,

    /// The secret the verifier is called with; required with a siteverify URL.
    #[arg(long, env = "CAPTCHA_SECRET")]
    pub captcha_secret: Option<SecretString>,

    /// The site key the captcha widget is rendered with (letters, digits and `_`: the client
    /// cuts it at any other character).
    #[arg(long, env = "CAPTCHA_SITE_KEY", default_value = "captcha_site_key_not_configured", value_parser = parse_site_key)]
    pub captcha_site_key: String,

    /// Failed logins of one e-mail address or session after which its logins need a solved
    /// captcha.
    #[arg(long, env = "CAPTCHA_AFTER_FAILURES", default_value = "3")]
    pub captcha_after_failures: u32,

    /// Whether registration needs a solved captcha: `never` or `always`.
    #[arg(long, env = "CAPTCHA_ON_REGISTRATION", default_value = "never")]
    pub captcha_on_registration: CaptchaOnRegistration,
}

/// Where captcha answers are verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptchaVerifyUrl {
    /// The development verifier: `dev-pass` passes, anything else fails.
    Development,
    /// A siteverify endpoint.
    SiteVerify(String),
}

impl CaptchaVerifyUrl {
    fn parse(value: &str) -> Result<Self, String> {
        match value.trim() {
            "dev" => Ok(Self::Development),
            url if url.starts_with("https://") || url.starts_with("http://") => {
                Ok(Self::SiteVerify(url.to_owned()))
            }
            _ => Err("expected `dev` or an http(s):// siteverify URL".to_owned()),
        }
    }
}

/// Whether registration needs a solved captcha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CaptchaOnRegistration {
    /// Never.
    Never,
    /// Every registration.
    Always,
}

// The client finds the key with `sitekey=["']\w+`: any other character would cut it short.
fn parse_site_key(value: &str) -> Result<String, String> {
    if !value.is_empty()
        && value
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_')
    {
        Ok(value.to_owned())
    } else {
        Err("a site key of letters, digits and _".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::Config;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::try_parse_from(std::iter::once("storefront").chain(args.iter().copied()))
            .map_err(|error| error.render().to_string())
    }

    #[test]
    fn the_verifier_is_dev_or_a_url_and_the_site_key_word_characters() {
        let dev = parse(&["--captcha-verify-url", "dev"]).unwrap();
        let url = parse(&["--captcha-verify-url", "https://hcaptcha.com/siteverify"]).unwrap();
        let bad_url = parse(&["--captcha-verify-url", "ftp://x"]).unwrap_err();
        let bad_key = parse(&["--captcha-site-key", "6Lc-key"]).unwrap_err();

        assert_eq!(
            dev.captcha.captcha_verify_url,
            Some(CaptchaVerifyUrl::Development)
        );
        assert_eq!(
            url.captcha.captcha_verify_url,
            Some(CaptchaVerifyUrl::SiteVerify(
                "https://hcaptcha.com/siteverify".to_owned()
            ))
        );
        assert!(
            bad_url
                .lines()
                .next()
                .unwrap()
                .contains("CAPTCHA_VERIFY_URL")
        );
        assert!(bad_key.lines().next().unwrap().contains("CAPTCHA_SITE_KEY"));
    }
}
