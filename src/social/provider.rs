//! The client of one social login provider: the authorization URL to send the visitor to, and,
//! at the callback, the code exchanged for the visitor's profile. OpenID Connect through the
//! `openidconnect` crate (discovery, and the ID token's signature, issuer, audience, expiry and
//! nonce checked against the provider's published keys), plain OAuth 2 (Facebook) through
//! `oauth2` and the provider's userinfo endpoint. Both send PKCE (S256): a provider without it
//! ignores the parameters it does not know (RFC 6749 §3.1, §3.2).

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::Context;
use oauth2::basic::BasicClient;
use openidconnect::{
    AuthType, AuthUrl, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse, TokenUrl,
    core::{CoreClient, CoreProviderMetadata, CoreResponseType},
    url::Url,
};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{
    settings::{Protocol, ProviderConfig, ProviderConfigs},
    types::{PendingLogin, Profile},
};
use crate::{clock::Clock, config::PublicUrl};

/// How long a provider's discovery document and keys are used before they are fetched again:
/// providers publish a new signing key well before they sign with it.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// How long one call to a provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// An OpenID Connect client built from the discovery document: its authorization endpoint is
/// known, its token endpoint may be.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The configured providers by name.
#[derive(Clone, Default)]
pub struct Providers(Arc<HashMap<String, Provider>>);

impl Providers {
    /// Clients for `configs`, sharing one HTTP client; visitors come back to `public_url` (the
    /// storefront rewrites the callback to us); `clock` judges ID tokens' expiry.
    pub fn new(
        configs: &ProviderConfigs,
        public_url: &PublicUrl,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        // No redirects: a provider's answer is read where it was asked for, so a redirect
        // cannot turn a call into one to another host (the `oauth2` crate's SSRF advice).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .context("building the social login HTTP client")?;
        let mut providers = HashMap::new();
        for config in &configs.0 {
            let callback = format!("{}/{}/login/callback/", public_url.as_ref(), config.name);
            let provider = Provider {
                config: config.clone(),
                redirect_uri: RedirectUrl::new(callback)
                    .with_context(|| format!("the callback URL of {}", config.name))?,
                http: http.clone(),
                clock: clock.clone(),
                metadata: moka::sync::Cache::builder()
                    .max_capacity(1)
                    .time_to_live(METADATA_TTL)
                    .build(),
            };
            providers.insert(config.name.clone(), provider);
        }
        Ok(Self(Arc::new(providers)))
    }

    /// The provider called `name`, if configured.
    pub fn get(&self, name: &str) -> Option<&Provider> {
        self.0.get(name)
    }
}

/// One provider's client.
#[derive(Clone)]
pub struct Provider {
    config: ProviderConfig,
    /// `<STOREFRONT_PUBLIC_URL>/{name}/login/callback/`.
    redirect_uri: RedirectUrl,
    http: reqwest::Client,
    clock: Clock,
    /// The OpenID Connect discovery document with the keys, while fresh.
    metadata: moka::sync::Cache<(), Arc<CoreProviderMetadata>>,
}

impl Provider {
    /// The name in `/{name}/login/`.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Where to send the visitor, and what the callback will need from the session.
    pub async fn start(&self) -> anyhow::Result<(Url, PendingLogin)> {
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let scopes = self
            .config
            .scopes
            .iter()
            .map(|scope| Scope::new(scope.clone()));
        let (url, state, nonce) = match &self.config.protocol {
            Protocol::OpenIdConnect { .. } => {
                let (url, state, nonce) = self
                    .openid_client()
                    .await?
                    .authorize_url(
                        AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                        CsrfToken::new_random,
                        Nonce::new_random,
                    )
                    // The crate asks for `openid` itself.
                    .add_scopes(scopes.filter(|scope| scope.as_str() != "openid"))
                    .set_pkce_challenge(pkce_challenge)
                    .url();
                (url, state, Some(nonce))
            }
            Protocol::OAuth2 {
                authorize_url,
                token_url,
                ..
            } => {
                let (url, state) = self
                    .oauth2_client(authorize_url, token_url)
                    .authorize_url(CsrfToken::new_random)
                    .add_scopes(scopes)
                    .set_pkce_challenge(pkce_challenge)
                    .url();
                (url, state, None)
            }
        };
        let pending = PendingLogin::new(
            self.name(),
            state.secret(),
            nonce.as_ref().map(|nonce| nonce.secret().as_str()),
            pkce_verifier.into_secret(),
        );
        Ok((url, pending))
    }

    /// The visitor's profile, for the `code` the callback brought to the login `pending`.
    pub async fn profile(&self, code: &str, pending: PendingLogin) -> anyhow::Result<Profile> {
        let code = AuthorizationCode::new(code.to_owned());
        let verifier = PkceCodeVerifier::new(pending.pkce_verifier.clone());
        match &self.config.protocol {
            Protocol::OpenIdConnect { .. } => {
                let client = self.openid_client().await?;
                let tokens = client
                    .exchange_code(code)?
                    .set_pkce_verifier(verifier)
                    .request_async(&self.http)
                    .await
                    .context("exchanging the code")?;
                let id_token = tokens.id_token().context("no ID token in the answer")?;
                let nonce_matches = |nonce: Option<&Nonce>| match nonce {
                    Some(nonce) if pending.is_nonce(nonce.secret()) => Ok(()),
                    _ => Err("the nonce is not the one sent".to_owned()),
                };
                let claims = match id_token.claims(&self.id_token_verifier(&client), nonce_matches)
                {
                    // Signed with a key published since the keys were fetched: fetch them again.
                    Err(ClaimsVerificationError::SignatureVerification(
                        SignatureVerificationError::NoMatchingKey,
                    )) => {
                        self.metadata.invalidate(&());
                        let client = self.openid_client().await?;
                        id_token
                            .claims(&self.id_token_verifier(&client), nonce_matches)
                            .cloned()
                    }
                    checked => checked.cloned(),
                }
                .context("checking the ID token")?;
                let given_name = claims
                    .given_name()
                    .and_then(|claim| claim.get(None))
                    .map(|name| name.to_string());
                let family_name = claims
                    .family_name()
                    .and_then(|claim| claim.get(None))
                    .map(|name| name.to_string());
                Ok(Profile {
                    subject: claims.subject().to_string(),
                    email: claims.email().map(|email| email.to_string()),
                    is_email_verified: claims.email_verified().unwrap_or(false),
                    first_name: given_name.unwrap_or_default(),
                    last_name: family_name.unwrap_or_default(),
                })
            }
            Protocol::OAuth2 {
                authorize_url,
                token_url,
                userinfo_url,
            } => {
                let tokens = self
                    .oauth2_client(authorize_url, token_url)
                    .exchange_code(code)
                    .set_pkce_verifier(verifier)
                    .request_async(&self.http)
                    .await
                    .context("exchanging the code")?;
                let userinfo: Value = self
                    .http
                    .get(userinfo_url.clone())
                    .bearer_auth(tokens.access_token().secret())
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .context("reading the profile")?
                    .json()
                    .await
                    .context("reading the profile")?;
                oauth2_profile(&userinfo)
            }
        }
    }

    /// The OpenID Connect client, from the provider's discovery document (fetched at most once
    /// an hour).
    async fn openid_client(&self) -> anyhow::Result<DiscoveredClient> {
        let Protocol::OpenIdConnect { issuer } = &self.config.protocol else {
            anyhow::bail!("{} is not an OpenID Connect provider", self.name());
        };
        let metadata = match self.metadata.get(&()) {
            Some(metadata) => metadata,
            None => {
                let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &self.http)
                    .await
                    .context("reading the discovery document and keys")?;
                let metadata = Arc::new(metadata);
                self.metadata.insert((), metadata.clone());
                metadata
            }
        };
        Ok(CoreClient::from_provider_metadata(
            (*metadata).clone(),
            self.client_id(),
            Some(self.client_secret()),
        )
        .set_redirect_uri(self.redirect_uri.clone())
        // Apple takes the secret in the body only; Google both ways.
        .set_auth_type(AuthType::RequestBody))
    }

    /// Checks ID tokens against `client`'s keys, issuer and audience; expiry by the app's clock.
    fn id_token_verifier<'a>(
        &self,
        client: &'a DiscoveredClient,
    ) -> openidconnect::IdTokenVerifier<'a, openidconnect::core::CoreJsonWebKey> {
        let clock = self.clock.clone();
        client.id_token_verifier().set_time_fn(move || clock.now())
    }

    /// The plain OAuth 2 client.
    fn oauth2_client(
        &self,
        authorize_url: &AuthUrl,
        token_url: &TokenUrl,
    ) -> BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet> {
        BasicClient::new(self.client_id())
            .set_client_secret(self.client_secret())
            .set_auth_uri(authorize_url.clone())
            .set_token_uri(token_url.clone())
            .set_redirect_uri(self.redirect_uri.clone())
            // Facebook takes the secret in the body only.
            .set_auth_type(AuthType::RequestBody)
    }

    fn client_id(&self) -> ClientId {
        ClientId::new(self.config.client_id.clone())
    }

    fn client_secret(&self) -> ClientSecret {
        ClientSecret::new(self.config.client_secret.expose_secret().to_owned())
    }
}

/// A plain OAuth 2 userinfo answer: the subject as `sub` or `id` (a string or a number), the
/// e-mail, and the names as OpenID Connect (`given_name`) or Facebook (`first_name`) spell them.
/// Whatever it says about verification, the address is taken as unverified: the answer is not
/// signed, and Facebook says nothing.
fn oauth2_profile(userinfo: &Value) -> anyhow::Result<Profile> {
    let text = |keys: &[&str]| {
        keys.iter().find_map(|key| match &userinfo[key] {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
    };
    Ok(Profile {
        subject: text(&["sub", "id"]).context("no subject in the profile")?,
        email: text(&["email"]),
        is_email_verified: false,
        first_name: text(&["given_name", "first_name"]).unwrap_or_default(),
        last_name: text(&["family_name", "last_name"]).unwrap_or_default(),
    })
}
