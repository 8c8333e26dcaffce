//! Handlers of the accounts area.

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::{
    CurrentCustomer,
    login_guard::{self, LoginGuard},
    passwords::Verification,
    queries,
    types::{
        AttributesChange, CurrentUserView, Customer, KeyView, LoginForm, NewPasswordForm,
        PasswordChangeForm, ProfileForm, ProfileView, RegistrationForm,
    },
};
use crate::{
    config::EmailVerification,
    email_addresses,
    http::{
        ApiError, ErrorDetail, FieldErrors, Payload, Requester,
        csrf::{CsrfCheck, new_token, token_cookie},
        error::NON_FIELD_ERRORS,
        openapi::{LoggedInWrite, LoginRequired, PublicWrite},
    },
    languages::RequestLanguage,
    otp,
    security_events::{self, LoginOutcome},
    sessions::Session,
    state::AppState,
};

/// Creates an account and logs it in at once (the client cannot wait for e-mail verification).
/// Answers a `key` and the new session in `Set-Cookie`. Unless `ACCOUNT_EMAIL_VERIFICATION` is
/// `none`, a confirmation link is mailed; when it is `mandatory`, the account is not logged in
/// and the answer says so in `non_field_errors` (which the storefront shows above its form).
/// The consents given are recorded in the consent history. With `REGISTRATION_OTP`, a phone is
/// required; the first submission sends a code by SMS and answers 202, and the same submission
/// with `code` creates the account, its phone verified.
#[utoipa::path(post, path = "/users/registration/", tag = "accounts",
    request_body = RegistrationForm,
    responses(
        (status = 201, description = "Registered and logged in, the session cookie set; or, under mandatory verification, registered and not logged in: `{\"non_field_errors\": [\"Verification e-mail sent.\"]}`", body = KeyView),
        (status = 202, description = "`REGISTRATION_OTP`: a code was sent to the phone; submit again with `code`", body = FieldErrors),
        (status = 400, description = "Invalid fields; under `CAPTCHA_ON_REGISTRATION=always`, `{\"redirect_url\": \"/users/pz-captcha/?next=/users/registration/\"}` until a captcha is solved", body = FieldErrors),
        (status = 429, description = "Too many registrations from the session or client IP, with `Retry-After`", body = FieldErrors),
        PublicWrite,
    ))]
pub async fn register(
    State(state): State<AppState>,
    session: Session,
    requester: Requester,
    language: RequestLanguage,
    Payload(form): Payload<RegistrationForm>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let settings = &state.settings;
    let mut new_customer = form.parse(
        now.date_naive(),
        settings.phone_default_region,
        settings.registration_otp,
    )?;
    login_guard::admit_registration(&state, &session, requester.ip).await?;
    let taken = || {
        ApiError::field(
            "email",
            "A user is already registered with this e-mail address.",
        )
    };
    if queries::find_by_email(state.db.read(), &new_customer.email.lowercase())
        .await?
        .is_some()
    {
        return Err(taken());
    }
    new_customer.verified_phone = otp::verify_registration(
        &state,
        new_customer.phone.as_ref(),
        new_customer.otp_code.as_ref(),
        &language,
    )
    .await?;
    let password_hash = state.hasher.hash(new_customer.password.clone()).await?;
    let customer =
        super::create_customer(&state, &new_customer, password_hash, &language, taken).await?;
    tracing::info!(customer = customer.id, "registered");
    if state.settings.email_verification == EmailVerification::Mandatory {
        // No `key`, so the storefront shows the message instead of logging in (contract
        // pitfall 14); the customer logs in once the link is opened.
        let mut sent = FieldErrors::default();
        sent.add(NON_FIELD_ERRORS, "Verification e-mail sent.");
        return Ok((StatusCode::CREATED, Json(sent)).into_response());
    }
    super::start_session(&state, &session, &customer, &requester).await?;
    Ok((StatusCode::CREATED, Json(KeyView::new())).into_response())
}

/// Logs in with e-mail and password. Unknown e-mail and wrong password get the same answer after
/// the same work. Failures are counted per address, session and client IP: past
/// `CAPTCHA_AFTER_FAILURES` the address or session needs a solved captcha, and past the free
/// attempts each try waits twice as long as the last (429 with `Retry-After`). The session key
/// rotates; guest data stays with the session. Under mandatory
/// e-mail verification, an unverified account is refused (after the password checked out) and
/// mailed a new confirmation link. When `LOGIN_OTP` asks it of the account, a right password
/// without `code` sends a code by SMS and answers 202; with the code, the login completes.
#[utoipa::path(post, path = "/users/login/", tag = "accounts",
    request_body = LoginForm,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = KeyView),
        (status = 202, description = "`LOGIN_OTP` for this account: a code was sent to its phone; submit again with `code`", body = FieldErrors),
        (status = 400, description = "Invalid fields or credentials, a disabled account, or an unverified address under mandatory verification; after `CAPTCHA_AFTER_FAILURES` failures of the address or session, `{\"redirect_url\": \"/users/pz-captcha/?next=/users/login/\"}` until a captcha is solved", body = FieldErrors),
        (status = 429, description = "Too many failed logins of the address, session or client IP: `{\"non_field_errors\": [\"Too many attempts. Try again later.\"]}` with `Retry-After`", body = FieldErrors),
        PublicWrite,
    ))]
pub async fn log_in(
    State(state): State<AppState>,
    session: Session,
    requester: Requester,
    language: RequestLanguage,
    Payload(form): Payload<LoginForm>,
) -> Result<Json<KeyView>, ApiError> {
    let credentials = form.parse()?;
    let guard = LoginGuard::admit(&state, &session, requester.ip, &credentials.email).await?;
    let customer = queries::find_by_email(state.db.read(), &credentials.email.lowercase()).await?;
    let stored_hash = customer
        .as_ref()
        .map(|customer| customer.password_hash.clone());
    let verification = state
        .hasher
        .verify(credentials.password.clone(), stored_hash)
        .await?;
    let (mut customer, needs_rehash) = match (customer, verification) {
        (Some(customer), Verification::Valid { needs_rehash }) => (customer, needs_rehash),
        (account, _) => {
            let email = credentials.email.as_ref();
            security_events::record_failed_login(&state, account.as_ref(), email, &requester)
                .await?;
            guard.failed(&state, account.as_ref(), &requester).await?;
            return Err(ApiError::non_field(
                "Unable to log in with provided credentials.",
            ));
        }
    };
    guard.passed(&state, &customer, &requester).await?;
    // Said only to whoever knows the password, so it reveals nothing to a stranger.
    if !customer.is_active {
        return Err(ApiError::non_field("User account is disabled."));
    }
    // Also said only to whoever knows the password; a fresh link goes with it (at most one a
    // minute), and the session stays as it was.
    if state.settings.email_verification == EmailVerification::Mandatory
        && !customer.is_email_verified()
    {
        email_addresses::mail_new_confirmation_link(&state, &customer, &language).await?;
        return Err(ApiError::non_field("E-mail is not verified."));
    }
    otp::verify_login(
        &state,
        &customer,
        credentials.code.as_ref(),
        &language,
        &requester,
    )
    .await?;
    if needs_rehash {
        let hash = state.hasher.hash(credentials.password).await?;
        let rehashed =
            queries::set_password_hash(&state.db.write_one(), customer.id, hash, state.clock.now())
                .await?;
        customer = rehashed
            .ok_or_else(|| ApiError::non_field("Unable to log in with provided credentials."))?;
        tracing::info!(
            customer = customer.id,
            "upgraded a legacy password hash to argon2id"
        );
    }
    super::start_session(&state, &session, &customer, &requester).await?;
    security_events::count_login(LoginOutcome::Success);
    Ok(Json(KeyView::new()))
}

/// The sign-out page: a form carrying a fresh CSRF token (step 1 of the storefront's logout).
#[utoipa::path(get, path = "/users/logout/", tag = "accounts",
    responses((status = 200, description = "HTML form with `csrfmiddlewaretoken`", content_type = "text/html")))]
pub async fn show_logout_form() -> Response {
    logout_form()
}

/// Logs out. Step 1 of the storefront's logout posts without a token and gets the sign-out form
/// (as `GET`); step 2 posts the form's token as `csrfmiddlewaretoken` with the same value in the
/// `csrftoken` cookie, and ends the session if the request carries one. Always 200 with a body.
#[utoipa::path(post, path = "/users/logout/", tag = "accounts",
    responses(
        (status = 200, description = "Logged out (JSON), or the sign-out form (HTML) for a tokenless server call", body = ErrorDetail),
        PublicWrite,
    ))]
pub async fn log_out(
    State(state): State<AppState>,
    csrf: Option<Extension<CsrfCheck>>,
    session: Session,
    requester: Requester,
) -> Result<Response, ApiError> {
    if let Some(Extension(CsrfCheck::TokenlessServerCall)) = csrf {
        return Ok(logout_form());
    }
    super::logins::log_out(&state, &session, &requester).await?;
    session.flush().await?;
    Ok(Json(json!({"detail": "Successfully logged out."})).into_response())
}

fn logout_form() -> Response {
    let token = new_token();
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Sign out</title></head><body>\n\
         <form method=\"post\" action=\"/users/logout/\">\n  \
         <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{token}\">\n  \
         <button type=\"submit\">Sign out</button>\n</form>\n</body></html>\n"
    );
    // The cookie lets a plain browser submit the form; the storefront's server sets its own.
    let headers = [
        (header::SET_COOKIE, token_cookie(&token)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, Html(page)).into_response()
}

/// The logged-in customer, as the client copies it into its own login state.
#[utoipa::path(get, path = "/current_user/", tag = "accounts",
    responses(
        (status = 200, description = "The customer", body = CurrentUserView),
        LoginRequired,
    ))]
pub async fn get_current_user(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        customer.current_user_json(state.settings.phone_default_region),
    )
        .into_response()
}

/// The logged-in customer's profile; the gender choices are labelled in the request's language.
#[utoipa::path(get, path = "/users/profile/", tag = "accounts",
    responses(
        (status = 200, description = "The profile", body = ProfileView),
        LoginRequired,
    ))]
pub async fn get_profile(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
) -> Json<ProfileView> {
    Json(ProfileView::new(
        &customer,
        state.settings.phone_default_region,
        language.as_str(),
    ))
}

/// Changes the profile fields present in the body; others stay. E-mail changes go elsewhere.
/// `attributes` are merged into the stored object (`null` removes a key). A changed consent is
/// recorded in the consent history.
#[utoipa::path(patch, path = "/users/profile/", tag = "accounts",
    request_body = ProfileForm,
    responses(
        (status = 200, description = "The updated profile", body = ProfileView),
        (status = 400, description = "Invalid fields", body = FieldErrors),
        LoggedInWrite,
    ))]
pub async fn update_profile(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
    Payload(form): Payload<ProfileForm>,
) -> Result<Json<ProfileView>, ApiError> {
    change_profile(&state, &customer, &language, form, false).await
}

/// As `PATCH` (the fields are all optional), except that `attributes` replace the stored object
/// (keeping the server's keys and the consents it does not name).
#[utoipa::path(put, path = "/users/profile/", tag = "accounts",
    request_body = ProfileForm,
    responses(
        (status = 200, description = "The updated profile", body = ProfileView),
        (status = 400, description = "Invalid fields", body = FieldErrors),
        LoggedInWrite,
    ))]
pub async fn replace_profile(
    State(state): State<AppState>,
    CurrentCustomer(customer): CurrentCustomer,
    language: RequestLanguage,
    Payload(form): Payload<ProfileForm>,
) -> Result<Json<ProfileView>, ApiError> {
    change_profile(&state, &customer, &language, form, true).await
}

/// `PATCH` and `PUT` of the profile; `replaces_attributes` for `PUT`.
async fn change_profile(
    state: &AppState,
    customer: &Customer,
    language: &RequestLanguage,
    form: ProfileForm,
    replaces_attributes: bool,
) -> Result<Json<ProfileView>, ApiError> {
    let region = state.settings.phone_default_region;
    let mut change = form.parse(state.clock.now().date_naive(), region)?;
    if replaces_attributes {
        change.attributes = change.attributes.map(AttributesChange::replacing);
    }
    // The account went away since this request authenticated: as for any stale login.
    let updated = super::update_profile(state, customer, &change)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(ProfileView::new(&updated, region, language.as_str())))
}

/// Erases the logged-in customer's personal data for good (account.md §6): e-mail replaced by a
/// placeholder (the address can register again), names, phone, birth date, gender, language and
/// attributes cleared, every consent withdrawn (and recorded), password unusable, account
/// inactive, address book deleted. Every session of the customer ends; this one's cookie is
/// deleted. The body is ignored, whatever its type: the proxy sends `{}` as `text/plain`.
#[utoipa::path(patch, path = "/users/anonymize/", tag = "accounts",
    responses(
        (status = 200, description = "Anonymised: `{}`, and the session cookie deleted", body = Object),
        LoggedInWrite,
    ))]
pub async fn anonymize(
    State(state): State<AppState>,
    session: Session,
    CurrentCustomer(customer): CurrentCustomer,
) -> Result<Json<Map<String, Value>>, ApiError> {
    super::anonymize::anonymize(&state, &session, &customer).await?;
    Ok(Json(Map::new()))
}

/// Changes the password, given the current one. This session stays logged in under the same key;
/// the customer's other sessions are logged out.
#[utoipa::path(post, path = "/users/password/change/", tag = "accounts",
    request_body = PasswordChangeForm,
    responses(
        (status = 200, description = "Changed", body = ErrorDetail),
        (status = 400, description = "Missing fields, a wrong old password, or a weak new one", body = FieldErrors),
        LoggedInWrite,
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    CurrentCustomer(customer): CurrentCustomer,
    requester: Requester,
    Payload(form): Payload<PasswordChangeForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    let change = form.parse()?;
    if !super::check_password(&state, &customer, change.old_password.clone()).await? {
        return Err(ApiError::field(
            "old_password",
            "Your old password was entered incorrectly. Please enter it again.",
        ));
    }
    let hash = state
        .hasher
        .hash(change.new_password.for_customer(&customer)?)
        .await?;
    super::set_password(&state, &session, customer.id, hash, &requester).await?;
    Ok(ErrorDetail::json("New password has been saved."))
}

/// Gives a first password to an account that has none (created by social login, guest checkout
/// or import). Like a change, this session stays logged in and any other one is logged out.
#[utoipa::path(post, path = "/users/password/set/", tag = "accounts",
    request_body = NewPasswordForm,
    responses(
        (status = 200, description = "Set", body = ErrorDetail),
        (status = 400, description = "The account has a password already, missing fields, or a weak password", body = FieldErrors),
        LoggedInWrite,
    ))]
pub async fn set_password(
    State(state): State<AppState>,
    session: Session,
    CurrentCustomer(customer): CurrentCustomer,
    requester: Requester,
    Payload(form): Payload<NewPasswordForm>,
) -> Result<Json<ErrorDetail>, ApiError> {
    // Whoever knows the password must give it to change it: this form is not a way around that.
    let has_one = || {
        ApiError::non_field(
            "This account already has a password. Change it with the old one instead.",
        )
    };
    if customer.has_usable_password() {
        return Err(has_one());
    }
    let new_password = form.parse()?.for_customer(&customer)?;
    let hash = state.hasher.hash(new_password).await?;
    if !super::set_first_password(&state, &session, customer.id, hash, &requester).await? {
        return Err(has_one());
    }
    Ok(ErrorDetail::json("New password has been saved."))
}
