//! What a shop configures for social login: `SOCIAL_PROVIDERS` names the providers, and each
//! one's `SOCIAL_<NAME>_*` variables are read from the environment at start-up (their names
//! depend on the providers, so clap cannot declare them). A missing or bad value stops start-up
//! with one line naming the variable.

use openidconnect::{AuthUrl, IssuerUrl, TokenUrl, url::Url};
use secrecy::SecretString;

/// The configured providers, in the order `SOCIAL_PROVIDERS` names them.
#[derive(Clone, Debug, Default)]
pub struct ProviderConfigs(pub Vec<ProviderConfig>);

/// One provider's settings.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// The name in `/{name}/login/`: `\w+` (ASCII), as the storefront's middleware matches it.
    pub name: String,
    /// `SOCIAL_<NAME>_CLIENT_ID`.
    pub client_id: String,
    /// `SOCIAL_<NAME>_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// How to talk to it.
    pub protocol: Protocol,
    /// `SOCIAL_<NAME>_SCOPES`, or the provider's default.
    pub scopes: Vec<String>,
}

/// OpenID Connect (endpoints and keys discovered from the issuer) or plain OAuth 2.
#[derive(Clone, Debug)]
pub enum Protocol {
    /// `SOCIAL_<NAME>_ISSUER`.
    OpenIdConnect {
        /// Endpoints and keys come from `{issuer}/.well-known/openid-configuration`.
        issuer: IssuerUrl,
    },
    /// `SOCIAL_<NAME>_AUTHORIZE_URL`, `_TOKEN_URL`, `_USERINFO_URL`.
    OAuth2 {
        /// Where the visitor is sent to agree.
        authorize_url: AuthUrl,
        /// Where the code is exchanged for an access token.
        token_url: TokenUrl,
        /// Where the profile (`id` or `sub`, `email`, names) is read with the access token.
        userinfo_url: Url,
    },
}

/// Defaults of the well-known providers: their issuer or endpoints, and scopes.
fn known_protocol(name: &str) -> Option<(Protocol, &'static str)> {
    let openid_connect = |issuer: &str, scopes| {
        let issuer = IssuerUrl::new(issuer.to_owned()).ok()?;
        Some((Protocol::OpenIdConnect { issuer }, scopes))
    };
    match name {
        "google" => openid_connect("https://accounts.google.com", "openid email profile"),
        "apple" => openid_connect("https://appleid.apple.com", "openid email name"),
        "facebook" => Some((
            Protocol::OAuth2 {
                authorize_url: AuthUrl::new("https://www.facebook.com/v19.0/dialog/oauth".into())
                    .ok()?,
                token_url: TokenUrl::new(
                    "https://graph.facebook.com/v19.0/oauth/access_token".into(),
                )
                .ok()?,
                userinfo_url: Url::parse(
                    "https://graph.facebook.com/v19.0/me?fields=id,email,first_name,last_name",
                )
                .ok()?,
            },
            "email public_profile",
        )),
        _ => None,
    }
}

impl ProviderConfigs {
    /// The providers `names` lists (`SOCIAL_PROVIDERS`), their settings read from the
    /// environment.
    pub fn from_env(names: &str) -> Result<Self, String> {
        Self::parse(names, |variable| std::env::var(variable).ok())
    }

    /// The providers `names` lists, their settings read through `variable` (the environment, or
    /// a test's map); the error names the variable at fault.
    pub fn parse(names: &str, variable: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut providers: Vec<ProviderConfig> = Vec::new();
        for name in names
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            if !name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
            {
                return Err(format!(
                    "`{name}` is not a provider name: use letters, digits and `_`"
                ));
            }
            if providers.iter().any(|provider| provider.name == name) {
                return Err(format!("`{name}` is listed twice"));
            }
            providers.push(ProviderConfig::parse(name, &variable)?);
        }
        Ok(Self(providers))
    }
}

impl ProviderConfig {
    fn parse(name: &str, variable: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let prefix = format!("SOCIAL_{}_", name.to_ascii_uppercase());
        let value = |suffix: &str| {
            let key = format!("{prefix}{suffix}");
            let value = variable(&key).map(|value| value.trim().to_owned());
            (key, value.filter(|value| !value.is_empty()))
        };
        let required = |suffix: &str| match value(suffix) {
            (_, Some(value)) => Ok(value),
            (key, None) => Err(format!("{key} is not set")),
        };
        // Kept as written: an issuer is compared with the ID token's `iss` character for
        // character, and parsing would add a trailing slash.
        let url = |suffix: &str| -> Result<Option<String>, String> {
            match value(suffix) {
                (key, Some(raw)) => Url::parse(&raw)
                    .ok()
                    .filter(|url| matches!(url.scheme(), "http" | "https"))
                    .map(|_| Some(raw))
                    .ok_or_else(|| format!("{key} is not an absolute http(s) URL")),
                (_, None) => Ok(None),
            }
        };
        let client_id = required("CLIENT_ID")?;
        let client_secret = SecretString::from(required("CLIENT_SECRET")?);
        let issuer = url("ISSUER")?;
        let endpoints = [
            url("AUTHORIZE_URL")?,
            url("TOKEN_URL")?,
            url("USERINFO_URL")?,
        ];
        let known = known_protocol(name);
        let invalid = |error: openidconnect::url::ParseError| error.to_string();
        let missing = || {
            format!(
                "{prefix}ISSUER (OpenID Connect), or all of {prefix}AUTHORIZE_URL, _TOKEN_URL \
                 and _USERINFO_URL (OAuth 2), must be set"
            )
        };
        let protocol = match (issuer, endpoints) {
            (Some(issuer), [None, None, None]) => Protocol::OpenIdConnect {
                issuer: IssuerUrl::new(issuer).map_err(invalid)?,
            },
            (None, [Some(authorize), Some(token), Some(userinfo)]) => Protocol::OAuth2 {
                authorize_url: AuthUrl::new(authorize).map_err(invalid)?,
                token_url: TokenUrl::new(token).map_err(invalid)?,
                userinfo_url: Url::parse(&userinfo).map_err(invalid)?,
            },
            (None, [None, None, None]) => match &known {
                Some((protocol, _)) => protocol.clone(),
                None => return Err(missing()),
            },
            (Some(_), _) => {
                return Err(format!(
                    "{prefix}ISSUER (OpenID Connect) and {prefix}AUTHORIZE_URL, _TOKEN_URL, \
                     _USERINFO_URL (OAuth 2) exclude each other"
                ));
            }
            (None, _) => return Err(missing()),
        };
        let scopes = match (value("SCOPES"), &known, &protocol) {
            ((_, Some(scopes)), _, _) => scopes,
            (_, Some((_, scopes)), _) => (*scopes).to_owned(),
            (_, None, Protocol::OpenIdConnect { .. }) => "openid email profile".to_owned(),
            (_, None, Protocol::OAuth2 { .. }) => "email".to_owned(),
        };
        Ok(Self {
            name: name.to_owned(),
            client_id,
            client_secret,
            protocol,
            scopes: scopes
                .split([' ', ','])
                .filter(|scope| !scope.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(names: &str, variables: &[(&str, &str)]) -> Result<ProviderConfigs, String> {
        let variables: HashMap<_, _> = variables.iter().copied().collect();
        ProviderConfigs::parse(names, |key| {
            variables.get(key).map(|value| (*value).to_owned())
        })
    }

    const CREDENTIALS: [(&str, &str); 2] = [
        ("SOCIAL_GOOGLE_CLIENT_ID", "id"),
        ("SOCIAL_GOOGLE_CLIENT_SECRET", "secret"),
    ];

    #[test]
    fn well_known_providers_need_only_their_credentials() {
        let providers = parse("google", &CREDENTIALS).unwrap();

        let google = &providers.0[0];
        assert!(
            matches!(&google.protocol, Protocol::OpenIdConnect { issuer }
            if issuer.as_str() == "https://accounts.google.com")
        );
        assert_eq!(google.scopes, ["openid", "email", "profile"]);
    }

    #[test]
    fn a_missing_credential_names_its_variable() {
        let error = parse("google", &CREDENTIALS[..1]).unwrap_err();

        assert_eq!(error, "SOCIAL_GOOGLE_CLIENT_SECRET is not set");
    }

    #[test]
    fn an_unknown_provider_needs_an_issuer_or_all_three_endpoints() {
        let id = [
            ("SOCIAL_SHOP_CLIENT_ID", "id"),
            ("SOCIAL_SHOP_CLIENT_SECRET", "s"),
        ];
        let partial = [&id[..], &[("SOCIAL_SHOP_TOKEN_URL", "https://t.example/")]].concat();
        let both = [
            &id[..],
            &[
                ("SOCIAL_SHOP_ISSUER", "https://id.example"),
                ("SOCIAL_SHOP_AUTHORIZE_URL", "https://id.example/a"),
            ],
        ]
        .concat();
        let bad = [&id[..], &[("SOCIAL_SHOP_ISSUER", "id.example")]].concat();

        assert!(
            parse("shop", &id)
                .unwrap_err()
                .contains("SOCIAL_SHOP_ISSUER")
        );
        assert!(parse("shop", &partial).unwrap_err().contains("must be set"));
        assert!(
            parse("shop", &both)
                .unwrap_err()
                .contains("exclude each other")
        );
        assert_eq!(
            parse("shop", &bad).unwrap_err(),
            "SOCIAL_SHOP_ISSUER is not an absolute http(s) URL"
        );
    }

    #[test]
    fn start_up_stops_on_one_line_naming_the_missing_variable() {
        use clap::Parser;

        let error = crate::config::Config::try_parse_from([
            "storefront",
            "--social-providers",
            "unconfigured_test_provider",
        ])
        .unwrap_err()
        .render()
        .to_string();

        let first_line = error.lines().next().unwrap();
        assert!(first_line.contains("SOCIAL_PROVIDERS"), "{first_line}");
        assert!(
            first_line.contains("SOCIAL_UNCONFIGURED_TEST_PROVIDER_CLIENT_ID is not set"),
            "{first_line}"
        );
    }

    #[test]
    fn names_are_words_listed_once() {
        assert!(parse("google-oauth2", &CREDENTIALS).is_err());
        assert!(parse("google,google", &CREDENTIALS).is_err());
        assert!(parse(" , ", &[]).unwrap().0.is_empty());
    }
}
