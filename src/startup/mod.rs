//! Building and running the application: state, router, middleware order, background tasks,
//! and the shutdown. Tests build the very same [`Application`] on port 0.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{Router, extract::Request};
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

mod pipeline;

use crate::{
    accounts::{self, CustomerCache, logins::LastSeen, passwords::PasswordHasher},
    addresses, akifast,
    captcha::{self, Captcha},
    cards::{
        self, GatewayTokenDeletions, HttpPaymentGateway, LogPaymentGateway, PaymentGateway,
        TokenCipher,
    },
    clock::Clock,
    config::{Command, Config, GeoCommand, Settings},
    currencies, db, email_addresses,
    export::{self, ExportSections},
    geo,
    http::{ApiError, BodyLimits, csrf, internal, openapi::ApiDoc, paths},
    languages,
    limits::{self, Limiter},
    loyalty,
    mail::{LogMailer, MailTemplates, Mailer, SmtpMailer},
    ops, orders, otp,
    outbox::{self, Couriers},
    password_reset, security_events,
    sessions::{self, SessionManager},
    sms::{HttpSmsSender, LogSmsSender, SmsSender},
    social,
    state::{AppState, Services},
    tasks::BackgroundTasks,
};

/// Runs what the command line asks for: the server (default) or a maintenance command.
pub async fn run(config: Config) -> anyhow::Result<()> {
    match config.command {
        None | Some(Command::Serve) => {
            Application::build(config, Clock::default())
                .await?
                .run_until_stopped()
                .await
        }
        Some(Command::Migrate) => db::connect_and_migrate(&config.database_url)
            .await
            .map(|_| ()),
        Some(Command::Geo {
            command: GeoCommand::Import { file },
        }) => geo::import::run(&config.database_url, &file).await,
    }
}

/// How often SQLite's write-ahead log is copied into the database file: at a few thousand writes
/// a second the log stays in the tens of MB.
const WAL_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// How long closing the database may take at shutdown: a request still running after the
/// shutdown timeout can hold a pooled connection, which the pool's close would wait for.
const DATABASE_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the outbox worker looks for due messages: a mail leaves about a second after the
/// change that caused it, and an idle look is one indexed query.
const OUTBOX_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    tasks: BackgroundTasks,
    shutdown_timeout: Duration,
}

impl Application {
    /// Connects to the database (migrating it), opens the session store and binds the listener.
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let settings = Settings::new(&config)?;
        let internal_token =
            internal::InternalToken::new(config.storefront_internal_token.as_ref());
        let card_tokens = card_token_cipher(&config, &internal_token)?;
        let couriers = Couriers {
            mailer: mailer(&config)?,
            sms: sms_sender(&config)?,
            gateway_tokens: GatewayTokenDeletions::new(
                card_tokens.clone(),
                payment_gateway(&config)?,
            ),
        };
        let captcha = Captcha::from_config(&config.captcha, config.storefront_env)?;
        let mail = MailTemplates::load(
            config.mail_templates_dir.as_deref(),
            settings.public_url.as_ref(),
        )?;
        let db = db::connect_and_migrate(&config.database_url).await?;
        let sessions = SessionManager::from_config(&config, db.clone(), clock.clone()).await?;
        let hash_threads = config
            .password_hash_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
        let customers = CustomerCache::new(config.session_cache_ttl);
        let social_providers = social::Providers::new(
            &config.social_providers,
            &settings.public_url,
            clock.clone(),
        )?;
        let limits = Limiter::from_config(&config.limits, db.clone(), clock.clone()).await?;
        let state = AppState::new(Services {
            db,
            sessions,
            customers,
            last_seen: LastSeen::new(),
            hasher: Arc::new(PasswordHasher::new(hash_threads)?),
            settings: Arc::new(settings),
            mail: Arc::new(mail),
            csrf: csrf::CsrfSettings {
                trusted_origins: config.csrf_trusted_origins.0.clone(),
                strict: config.csrf_strict,
                body_limits: BodyLimits {
                    body: config.storefront_max_body_bytes,
                    file: config.storefront_max_file_bytes,
                },
            },
            clock,
            metrics: ops::metrics_handle()?,
            geo: geo::GeoCache::new(),
            exports: export_sections()?,
            card_tokens: card_tokens.clone(),
            internal_token,
            social: social_providers,
            limits,
            captcha,
        });
        let listener = TcpListener::bind(config.storefront_bind)
            .await
            .with_context(|| format!("binding STOREFRONT_BIND={}", config.storefront_bind))?;
        let tasks = BackgroundTasks::new();
        sessions::spawn_purge_task(
            &tasks,
            state.sessions.clone(),
            config.session_purge_interval,
        );
        db::spawn_checkpoint_task(&tasks, state.db.clone(), WAL_CHECKPOINT_INTERVAL);
        ops::spawn_metrics_upkeep(&tasks, state.metrics.clone());
        limits::spawn_purge_task(&tasks, state.limits.clone());
        outbox::spawn_worker(
            &tasks,
            state.db.clone(),
            couriers,
            state.clock.clone(),
            OUTBOX_POLL_INTERVAL,
        );
        Ok(Self {
            listener,
            router: router(state.clone()),
            state,
            tasks,
            shutdown_timeout: config.storefront_shutdown_timeout,
        })
    }

    /// The port the server listens on (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|address| address.port())
            .unwrap_or_default()
    }

    /// The application state (tests use its clock and session manager).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then shuts down in order: stops accepting connections,
    /// lets the requests under way finish (for up to `STOREFRONT_SHUTDOWN_TIMEOUT`), stops the
    /// background tasks and closes the database.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown_signal = shutdown_signal()?;
        tracing::info!(address = %self.listener.local_addr()?, "storefront listening");
        // The slash rewrite wraps the router from outside: a layer on the router runs after routing.
        let app =
            tower::util::MapRequestLayer::new(paths::append_trailing_slash).layer(self.router);
        let shutdown_timeout = self.shutdown_timeout;
        let (signalled, mut signal) = tokio::sync::watch::channel(false);
        let server = axum::serve(
            self.listener,
            // The peer's address, which `http::ClientIp` starts from.
            axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal.await;
            let _ = signalled.send(true);
        })
        .into_future();
        let drain_deadline = async {
            let _ = signal.wait_for(|signalled| *signalled).await;
            tokio::time::sleep(shutdown_timeout).await;
        };
        // A request that outlives the bound is cut off: its connection closes with the process.
        tokio::select! {
            served = server => served.context("serving HTTP")?,
            () = drain_deadline => tracing::warn!(
                timeout_seconds = shutdown_timeout.as_secs(),
                "requests still under way at the shutdown timeout; stopping without them"
            ),
        }
        self.tasks.stop().await;
        match tokio::time::timeout(DATABASE_CLOSE_TIMEOUT, self.state.db.close()).await {
            Ok(closed) => closed.context("closing the database")?,
            Err(_) => tracing::warn!("the database did not close in time; exiting anyway"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// What the customer's data export holds: one line per section, each area's in its own folder.
fn export_sections() -> anyhow::Result<ExportSections> {
    ExportSections::new(vec![
        Arc::new(accounts::ProfileSection),
        Arc::new(accounts::ConsentsSection),
        Arc::new(addresses::AddressesSection),
        Arc::new(accounts::SessionsSection),
        Arc::new(cards::SavedCardsSection),
        Arc::new(loyalty::LoyaltySection),
        Arc::new(orders::OrdersSection),
        Arc::new(security_events::SecurityEventsSection),
        Arc::new(social::SocialAccountsSection),
    ])
}

/// The cipher of saved cards' tokens. Cards can arrive once the internal API is on or a payment
/// gateway is configured, and then `CARD_TOKEN_KEY` is required: a token must never be stored
/// in the clear.
fn card_token_cipher(
    config: &Config,
    internal_token: &internal::InternalToken,
) -> anyhow::Result<TokenCipher> {
    let cards_enabled = internal_token.is_set() || config.payment_gateway_url.is_some();
    if cards_enabled && config.card_token_key.is_none() {
        anyhow::bail!(
            "CARD_TOKEN_KEY is required when STOREFRONT_INTERNAL_TOKEN or PAYMENT_GATEWAY_URL is set"
        );
    }
    TokenCipher::new(config.card_token_key.as_ref())
}

/// The payment gateway the configuration asks for: HTTP with `PAYMENT_GATEWAY_URL`, else the log.
fn payment_gateway(config: &Config) -> anyhow::Result<Arc<dyn PaymentGateway>> {
    let Some(url) = &config.payment_gateway_url else {
        return Ok(Arc::new(LogPaymentGateway));
    };
    Ok(Arc::new(HttpPaymentGateway::new(
        url.clone(),
        config.payment_gateway_token.clone(),
    )?))
}

/// The mailer the configuration asks for: SMTP with `SMTP_URL`, else the log.
fn mailer(config: &Config) -> anyhow::Result<Arc<dyn Mailer>> {
    let Some(url) = &config.smtp_url else {
        tracing::info!("SMTP_URL is not set: mails are written to the log, not sent");
        return Ok(Arc::new(LogMailer));
    };
    if config.storefront_public_url.is_none() {
        anyhow::bail!("STOREFRONT_PUBLIC_URL is required when SMTP_URL is set (links in mails)");
    }
    Ok(Arc::new(SmtpMailer::new(url, config.mail_from.clone())?))
}

/// The SMS sender the configuration asks for: the gateway with `SMS_GATEWAY_URL`, else the log.
fn sms_sender(config: &Config) -> anyhow::Result<Arc<dyn SmsSender>> {
    let Some(url) = &config.sms_gateway_url else {
        tracing::warn!(
            "SMS_GATEWAY_URL is not set: text messages, one-time codes included, are written \
             to the log, not sent"
        );
        return Ok(Arc::new(LogSmsSender));
    };
    let Some(token) = &config.sms_gateway_token else {
        anyhow::bail!("SMS_GATEWAY_TOKEN is required when SMS_GATEWAY_URL is set");
    };
    Ok(Arc::new(HttpSmsSender::new(url.clone(), token.clone())?))
}

/// Every area's routes, the documentation, and the middleware stack.
pub fn router(state: AppState) -> Router {
    // The internal API: its own bearer token, no CSRF check and no session (see below).
    let (internal_api, internal_openapi) = OpenApiRouter::new()
        .merge(cards::internal::router())
        .merge(loyalty::internal::router())
        .merge(orders::internal::router())
        .split_for_parts();
    let (api, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(csrf::router())
        .merge(accounts::router())
        .merge(password_reset::router())
        .merge(otp::router())
        .merge(captcha::router())
        .merge(email_addresses::router())
        .merge(security_events::router())
        .merge(geo::router())
        .merge(addresses::router())
        .merge(orders::router())
        .merge(export::router())
        .merge(languages::router())
        .merge(currencies::router())
        .merge(cards::router())
        .merge(loyalty::router())
        .merge(akifast::router())
        .merge(ops::router())
        .merge(social::router())
        .split_for_parts();
    openapi.merge(internal_openapi);
    let internal_api = internal_api
        .method_not_allowed_fallback(paths::method_not_allowed)
        // Inside the observation, so a refused call is counted and logged like any other.
        .layer(axum::middleware::from_fn_with_state(
            state.internal_token.clone(),
            internal::require_token,
        ))
        .layer(pipeline::PipelineLayer::internal(state.clone()));
    api.merge(SwaggerUi::new("/docs").url("/openapi.json", openapi))
        .fallback(paths::not_found)
        .method_not_allowed_fallback(paths::method_not_allowed)
        // Observation, CSRF and session, in that order (see the module).
        .layer(pipeline::PipelineLayer::new(state.clone()))
        // Beside the public routes, not under their CSRF check and session.
        .merge(internal_api)
        // Outermost: a panic anywhere becomes the JSON 500, never a dropped connection.
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a request handler panicked");
            axum::response::IntoResponse::into_response(ApiError::Internal(anyhow::anyhow!(
                "handler panicked"
            )))
        }))
        .with_state(state)
}

/// Resolves at Ctrl-C or SIGTERM. The handlers are installed here, before the future is first
/// polled: whoever saw "storefront listening" may signal at once, and a signal arriving before
/// a lazy handler existed would kill the process instead of stopping it.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down");
    })
}

/// Resolves at Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down");
    })
}
