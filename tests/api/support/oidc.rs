//! A local OpenID Connect provider the test starts: discovery document, keys (JWKS), an
//! authorization endpoint that signs the chosen person in at once, a token endpoint that checks
//! the client, the code (once), the redirect URI and PKCE before it issues an ID token signed
//! with a fixed test key, and a userinfo endpoint for plain OAuth 2 clients. A test can make it
//! issue bad ID tokens, or take its token endpoint down.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::Engine;
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, EndUserFamilyName, EndUserGivenName, IssuerUrl,
    JsonWebKeyId, LocalizedClaim, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
    core::{
        CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
        CoreRsaPrivateSigningKey,
    },
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use storefront::social::ProviderConfigs;
use tokio::net::TcpListener;

use super::random_word;

/// The fixed RSA key the provider signs with: generating one at test time is slow in debug
/// builds. For these tests only; it signs nothing anywhere else.
const TEST_ONLY_SIGNING_KEY: &str = include_str!("test-only-oidc-signing-key.pem");

/// The client the app is registered as.
pub const CLIENT_ID: &str = "storefront-test-client";
const CLIENT_SECRET: &str = "test-client-secret";

/// The person who signs in at the provider.
#[derive(Clone, Debug)]
pub struct Person {
    pub subject: String,
    pub email: String,
    /// The `email_verified` claim; `None` leaves it out.
    pub email_verified: Option<bool>,
    pub given_name: String,
    pub family_name: String,
}

impl Person {
    /// Somebody new, whose address the provider verified.
    pub fn generate() -> Self {
        Self {
            subject: random_word(21),
            email: format!("social-{}@example.com", random_word(12)),
            email_verified: Some(true),
            given_name: "Ada".to_owned(),
            family_name: "Lovelace".to_owned(),
        }
    }
}

/// What the next ID tokens are like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdTokenKind {
    Valid,
    /// Issued to another client.
    WrongAudience,
    /// Expired an hour ago.
    Expired,
    /// Its signature does not match its content.
    BadlySigned,
}

struct Grant {
    person: Person,
    nonce: Option<String>,
    code_challenge: Option<String>,
    redirect_uri: String,
}

struct ProviderState {
    issuer: String,
    person: Mutex<Person>,
    codes: Mutex<HashMap<String, Grant>>,
    id_tokens: Mutex<IdTokenKind>,
    /// Where the discovery document says the token endpoint is.
    token_endpoint: Mutex<String>,
    /// Replaced when the provider rotates its key.
    signing_key: Mutex<CoreRsaPrivateSigningKey>,
}

/// A running provider.
pub struct TestProvider {
    pub issuer: String,
    state: Arc<ProviderState>,
}

impl TestProvider {
    /// Starts a provider on 127.0.0.1:0, signing `person` in.
    pub async fn start(person: Person) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let signing_key = Mutex::new(signing_key("test-key"));
        let state = Arc::new(ProviderState {
            token_endpoint: Mutex::new(format!("{issuer}/token")),
            issuer: issuer.clone(),
            person: Mutex::new(person),
            codes: Mutex::default(),
            id_tokens: Mutex::new(IdTokenKind::Valid),
            signing_key,
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(keys))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { issuer, state }
    }

    /// The app's configuration of this provider as `name`, through the same parsing as the
    /// environment's `SOCIAL_<NAME>_*` variables: OpenID Connect from the issuer.
    pub fn openid_connect_config(&self, name: &str) -> ProviderConfigs {
        self.config(name, &[("ISSUER", self.issuer.clone())])
    }

    /// As [`Self::openid_connect_config`], as a plain OAuth 2 provider (Facebook's kind).
    pub fn oauth2_config(&self, name: &str) -> ProviderConfigs {
        self.config(
            name,
            &[
                ("AUTHORIZE_URL", format!("{}/authorize", self.issuer)),
                ("TOKEN_URL", format!("{}/token", self.issuer)),
                ("USERINFO_URL", format!("{}/userinfo", self.issuer)),
            ],
        )
    }

    fn config(&self, name: &str, endpoints: &[(&str, String)]) -> ProviderConfigs {
        let prefix = format!("SOCIAL_{}_", name.to_ascii_uppercase());
        let mut variables: HashMap<String, String> = endpoints
            .iter()
            .map(|(suffix, value)| (format!("{prefix}{suffix}"), value.clone()))
            .collect();
        variables.insert(format!("{prefix}CLIENT_ID"), CLIENT_ID.to_owned());
        variables.insert(format!("{prefix}CLIENT_SECRET"), CLIENT_SECRET.to_owned());
        ProviderConfigs::parse(name, |key| variables.get(key).cloned()).unwrap()
    }

    /// Publishes a new signing key (a new key id) and signs with it from now on.
    pub fn rotate_signing_key(&self) {
        *self.state.signing_key.lock().unwrap() = signing_key("test-key-rotated");
    }

    /// Who signs in from now on.
    pub fn sign_in_as(&self, person: &Person) {
        *self.state.person.lock().unwrap() = person.clone();
    }

    /// What the next ID tokens are like.
    pub fn issue(&self, kind: IdTokenKind) {
        *self.state.id_tokens.lock().unwrap() = kind;
    }

    /// Makes the discovery document name a token endpoint where nothing listens, as when the
    /// provider's token service is down.
    pub async fn take_token_endpoint_down(&self) {
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = closed.local_addr().unwrap();
        drop(closed);
        *self.state.token_endpoint.lock().unwrap() = format!("http://{address}/token");
    }

    /// The visitor's browser at the authorization URL: the person agrees at once, and the
    /// provider answers with the redirect back to the shop, whose URL this returns.
    pub async fn agree(&self, authorization_url: &str) -> String {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(authorization_url)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        location(&response)
    }
}

/// The fixed test key under the key id `kid`.
fn signing_key(kid: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(
        TEST_ONLY_SIGNING_KEY,
        Some(JsonWebKeyId::new(kid.to_owned())),
    )
    .unwrap()
}

/// The `Location` header of a response.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn discovery(State(state): State<Arc<ProviderState>>) -> Json<Value> {
    let issuer = &state.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": *state.token_endpoint.lock().unwrap(),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn keys(State(state): State<Arc<ProviderState>>) -> Json<CoreJsonWebKeySet> {
    Json(CoreJsonWebKeySet::new(vec![
        state.signing_key.lock().unwrap().as_verification_key(),
    ]))
}

async fn authorize(
    State(state): State<Arc<ProviderState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if params.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || params.get("response_type").map(String::as_str) != Some("code")
        || params.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let redirect_uri = params["redirect_uri"].clone();
    let code = random_word(24);
    let grant = Grant {
        person: state.person.lock().unwrap().clone(),
        nonce: params.get("nonce").cloned(),
        code_challenge: params.get("code_challenge").cloned(),
        redirect_uri: redirect_uri.clone(),
    };
    state.codes.lock().unwrap().insert(code.clone(), grant);
    let back = format!(
        "{redirect_uri}?code={code}&state={}",
        params.get("state").cloned().unwrap_or_default()
    );
    (StatusCode::FOUND, [(header::LOCATION, back)]).into_response()
}

async fn token(
    State(state): State<Arc<ProviderState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let invalid = || {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response()
    };
    let field = |name: &str| form.get(name).map(String::as_str);
    if field("client_id") != Some(CLIENT_ID)
        || field("client_secret") != Some(CLIENT_SECRET)
        || field("grant_type") != Some("authorization_code")
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    // A code works once.
    let Some(grant) = field("code").and_then(|code| state.codes.lock().unwrap().remove(code))
    else {
        return invalid();
    };
    let challenge = field("code_verifier").map(|verifier| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier))
    });
    if field("redirect_uri") != Some(grant.redirect_uri.as_str())
        || challenge.is_none()
        || challenge != grant.code_challenge
    {
        return invalid();
    }
    let access_token = random_word(32);
    let id_token = id_token(&state, &grant);
    Json(json!({
        "access_token": format!("{access_token}:{}", grant.person.subject),
        "token_type": "Bearer",
        "expires_in": 3600,
        "id_token": id_token,
    }))
    .into_response()
}

fn id_token(state: &ProviderState, grant: &Grant) -> String {
    let kind = *state.id_tokens.lock().unwrap();
    let now = chrono::Utc::now();
    let (issued, expires) = match kind {
        IdTokenKind::Expired => (
            now - chrono::Duration::hours(2),
            now - chrono::Duration::hours(1),
        ),
        _ => (now, now + chrono::Duration::hours(1)),
    };
    let audience = match kind {
        IdTokenKind::WrongAudience => "another-client",
        _ => CLIENT_ID,
    };
    let person = &grant.person;
    let standard = StandardClaims::new(SubjectIdentifier::new(person.subject.clone()))
        .set_email(Some(EndUserEmail::new(person.email.clone())))
        .set_email_verified(person.email_verified)
        .set_given_name(Some(LocalizedClaim::from(EndUserGivenName::new(
            person.given_name.clone(),
        ))))
        .set_family_name(Some(LocalizedClaim::from(EndUserFamilyName::new(
            person.family_name.clone(),
        ))));
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(state.issuer.clone()).unwrap(),
        vec![Audience::new(audience.to_owned())],
        expires,
        issued,
        standard,
        EmptyAdditionalClaims {},
    )
    .set_nonce(grant.nonce.clone().map(Nonce::new));
    let token = CoreIdToken::new(
        claims,
        &*state.signing_key.lock().unwrap(),
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap()
    .to_string();
    if kind != IdTokenKind::BadlySigned {
        return token;
    }
    // One character of the signature changed, in its middle, where every bit counts.
    let signature_start = token.rfind('.').unwrap() + 1;
    let middle = signature_start + (token.len() - signature_start) / 2;
    let mut bytes = token.into_bytes();
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

async fn userinfo(State(state): State<Arc<ProviderState>>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let person = state.person.lock().unwrap().clone();
    match bearer.and_then(|token| token.split_once(':')) {
        // Facebook's shape: `id`, `first_name`, `last_name`, and no word on verification.
        Some((_, subject)) if subject == person.subject => Json(json!({
            "id": person.subject,
            "email": person.email,
            "first_name": person.given_name,
            "last_name": person.family_name,
        }))
        .into_response(),
        _ => (StatusCode::UNAUTHORIZED, "no valid access token").into_response(),
    }
}
