//! Social login (auth.md §9): signing in with Google, Apple, Facebook or any OpenID Connect or
//! OAuth 2 provider the shop configures (`SOCIAL_PROVIDERS`), and the links between accounts and
//! providers.
//!
//! Endpoints: `GET /{provider}/login/` (302 to the provider), `GET /{provider}/login/callback/`
//! (302 to `/baskets/basket/` logged in, or to `/`), `GET /users/social-accounts/`,
//! `DELETE /users/social-accounts/{id}/`.
//!
//! An account is found by its link to the provider's subject, else by an address the provider
//! asserts is verified (an unverified one never opens an existing account), else created. It
//! reaches accounts only through their `pub` functions (`create_social_customer`,
//! `verify_email_through_provider`, `start_session`, `queries::find_by_email`,
//! `queries::set_social_networks_connected`…); anonymisation calls [`forget_customer`].

mod entity;
mod export;
mod provider;
mod queries;
mod routes;
pub mod settings;
mod types;

use sea_orm::ConnectionTrait;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::{export::SocialAccountsSection, provider::Providers, settings::ProviderConfigs};
use self::{
    provider::Provider,
    types::{PendingLogin, Profile, SocialAccount},
};
use crate::{
    accounts::{self, Customer, Email, SocialSignUp},
    config::EmailVerification,
    http::{ApiError, Requester, pagination::QueryParams},
    languages::RequestLanguage,
    security_events::{self, SecurityEventKind},
    sessions::Session,
    state::AppState,
};

/// Session key of the login under way.
const PENDING_LOGIN: &str = "social_login";

/// Longest name kept from a provider (the profile's limit).
const NAME_MAX_CHARS: usize = 150;

/// Routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::start_login))
        .routes(routes!(routes::finish_login))
        .routes(routes!(routes::list_social_accounts))
        .routes(routes!(routes::unlink_social_account))
}

/// Forgets the account's links (anonymisation, in its transaction).
pub async fn forget_customer(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<(), sea_orm::DbErr> {
    queries::delete_customer_links(db, user_id).await
}

/// Starts a login with `provider`: the URL to send the visitor to, the login kept in the
/// session (a guest session is created for it).
async fn start(session: &Session, provider: &Provider) -> Result<Option<String>, ApiError> {
    match provider.start().await {
        Ok((url, pending)) => {
            session.insert(PENDING_LOGIN, pending).await?;
            Ok(Some(url.into()))
        }
        Err(error) => {
            tracing::warn!(
                provider = provider.name(),
                error = format!("{error:#}"),
                "could not start a social login"
            );
            Ok(None)
        }
    }
}

/// Completes the login the callback's `params` answer: the customer now logged in on
/// `session`, or `None` when anything failed (the visitor stays as they were, and nothing is
/// created). The login under way is used once, whatever comes of it.
async fn sign_in(
    state: &AppState,
    session: &Session,
    provider: &Provider,
    params: &QueryParams,
    requester: &Requester,
    language: &RequestLanguage,
) -> Result<Option<Customer>, ApiError> {
    let name = provider.name();
    let pending: Option<PendingLogin> = session.get(PENDING_LOGIN).await?;
    session.remove(PENDING_LOGIN).await?;
    let Some(pending) = pending.filter(|pending| pending.provider == name) else {
        tracing::info!(
            provider = name,
            "a social login callback without a login under way"
        );
        return Ok(None);
    };
    if let Some(error) = params.get("error") {
        tracing::info!(
            provider = name,
            error,
            "the provider answered with an error"
        );
        return Ok(None);
    }
    let (Some(code), Some(sent_state)) = (params.get("code"), params.get("state")) else {
        tracing::info!(
            provider = name,
            "a social login callback without code or state"
        );
        return Ok(None);
    };
    if !pending.is_state(sent_state) {
        tracing::info!(
            provider = name,
            "a social login callback with a wrong state"
        );
        return Ok(None);
    }
    let profile = provider.profile(code, pending).await;
    let profile = match profile {
        Ok(profile) => profile,
        Err(error) => {
            tracing::warn!(
                provider = name,
                error = format!("{error:#}"),
                "a social login failed at the provider"
            );
            return Ok(None);
        }
    };
    let customer = match find_or_create_customer(state, name, &profile, language, requester).await {
        // Two callbacks of one visitor at once, or an address registered meanwhile.
        Err(ApiError::Conflict(_)) => None,
        found => found?,
    };
    let Some(customer) = customer.filter(|customer| customer.is_active) else {
        return Ok(None);
    };
    // As for a password login: under mandatory verification an unverified address waits for
    // its link.
    if state.settings.email_verification == EmailVerification::Mandatory
        && !customer.is_email_verified()
    {
        tracing::info!(
            customer = customer.id,
            "a social login waits for e-mail verification"
        );
        return Ok(None);
    }
    let kind = SecurityEventKind::SocialLogin;
    accounts::start_session_as(state, session, &customer, requester, kind).await?;
    tracing::info!(
        customer = customer.id,
        provider = name,
        "logged in through a social provider"
    );
    Ok(Some(customer))
}

/// The account `profile` opens, in one transaction: the one linked to the provider's subject
/// (the link keeps the address reported now), else the one holding an address the provider
/// asserts is verified (then linked, and its address verified: see
/// [`accounts::verify_email_through_provider`]), else a new one (linked). `None` when there is
/// no address, or an account holds the address but the provider does not vouch for it: an
/// unverified address never opens somebody's account.
async fn find_or_create_customer(
    state: &AppState,
    provider: &str,
    profile: &Profile,
    language: &RequestLanguage,
    requester: &Requester,
) -> Result<Option<Customer>, ApiError> {
    let Some(email) = profile
        .email
        .as_deref()
        .and_then(|email| Email::parse(email).ok())
    else {
        tracing::info!(provider, "the provider gave no usable e-mail address");
        return Ok(None);
    };
    let now = state.clock.now();
    let transaction = state.db.write().await?;
    if let Some(link) = queries::find_link(&transaction, provider, &profile.subject).await? {
        queries::set_link_email(&transaction, link.id, email.as_ref()).await?;
        let customer = accounts::queries::find_by_id(&transaction, link.user_id).await?;
        transaction.commit().await?;
        return Ok(customer);
    }
    let customer = match accounts::queries::find_by_email(&transaction, &email.lowercase()).await? {
        Some(customer) if profile.is_email_verified && customer.is_email_verified() => customer,
        Some(customer) if profile.is_email_verified => {
            accounts::verify_email_through_provider(state, &transaction, &customer).await?
        }
        Some(_) => {
            tracing::info!(
                provider,
                "an unverified provider address matches an account: not linked"
            );
            return Ok(None);
        }
        None => {
            let sign_up = SocialSignUp {
                provider: provider.to_owned(),
                email: email.clone(),
                is_email_verified: profile.is_email_verified,
                first_name: profile.first_name.chars().take(NAME_MAX_CHARS).collect(),
                last_name: profile.last_name.chars().take(NAME_MAX_CHARS).collect(),
            };
            let customer =
                accounts::create_social_customer(state, &transaction, sign_up, language).await?;
            tracing::info!(
                customer = customer.id,
                provider,
                "registered through a social provider"
            );
            customer
        }
    };
    queries::insert_link(
        &transaction,
        customer.id,
        provider,
        &profile.subject,
        email.as_ref(),
        now,
    )
    .await?;
    let kind = SecurityEventKind::SocialAccountLinked;
    security_events::record(&transaction, customer.id, kind, requester, now).await?;
    let linked =
        accounts::queries::set_social_networks_connected(&transaction, customer.id, true, now)
            .await?;
    transaction.commit().await?;
    tracing::info!(customer = customer.id, provider, "linked a social provider");
    if let Some(linked) = &linked {
        state.customers.remember(linked.clone());
    }
    Ok(linked)
}

/// The customer's links, oldest first.
async fn list_links(state: &AppState, customer: &Customer) -> Result<Vec<SocialAccount>, ApiError> {
    Ok(queries::list_links(state.db.read(), customer.id).await?)
}

/// Removes the customer's link `id`; 404 for another's or an unknown one, 400 when it is the
/// last way into an account without a usable password. Judged on the locked row, so two
/// unlinks at once cannot leave the account without a way in.
async fn unlink(
    state: &AppState,
    customer: &Customer,
    id: i64,
    requester: &Requester,
) -> Result<(), ApiError> {
    let transaction = state.db.write().await?;
    let stored = accounts::queries::find_for_update(&transaction, customer.id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let links = queries::list_links(&transaction, customer.id).await?;
    if !links.iter().any(|link| link.id == id) {
        return Err(ApiError::NotFound);
    }
    if links.len() == 1 && !stored.has_usable_password() {
        return Err(ApiError::non_field(
            "This is the only way into your account: set a password first \
             (/users/password/set/).",
        ));
    }
    queries::delete_link(&transaction, id).await?;
    let now = state.clock.now();
    let kind = SecurityEventKind::SocialAccountUnlinked;
    security_events::record(&transaction, customer.id, kind, requester, now).await?;
    let updated = accounts::queries::set_social_networks_connected(
        &transaction,
        customer.id,
        links.len() > 1,
        now,
    )
    .await?;
    transaction.commit().await?;
    if let Some(updated) = updated {
        state.customers.remember(updated);
    }
    tracing::info!(customer = customer.id, "unlinked a social provider");
    Ok(())
}
