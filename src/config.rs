//! Configuration: one clap struct, every field also an environment variable. Values are parsed
//! into typed settings at start-up; a bad value stops start-up with one line naming the variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, Subcommand, builder::BoolishValueParser};
use secrecy::SecretString;

/// Storefront: the Commerce User API server.
#[derive(Debug, Parser)]
#[command(name = "storefront", version, about)]
pub struct Config {
    /// Database: `sqlite://FILE` (embedded, created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://storefront.db", value_parser = DatabaseUrl::parse, global = true)]
    pub database_url: DatabaseUrl,

    /// Address and port the HTTP server listens on.
    #[arg(long, env = "STOREFRONT_BIND", default_value = "127.0.0.1:8000")]
    pub storefront_bind: SocketAddr,

    /// Name of the session cookie. The @akinon/next client hard-codes `osessionid`.
    #[arg(long, env = "SESSION_COOKIE_NAME", default_value = "osessionid", value_parser = parse_cookie_name)]
    pub session_cookie_name: String,

    /// Session lifetime in seconds, counted from the session's last change.
    #[arg(long, env = "SESSION_COOKIE_AGE", default_value = "1209600", value_parser = parse_seconds)]
    pub session_cookie_age: Duration,

    /// Mark the session cookie `Secure` (HTTPS deployments only).
    #[arg(long, env = "SESSION_COOKIE_SECURE", default_value = "false", value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub session_cookie_secure: bool,

    /// Where sessions live: `database` or a `redis://HOST:PORT[/DB]` URL.
    #[arg(long, env = "SESSION_STORE", default_value = "database", value_parser = SessionStoreUrl::parse)]
    pub session_store: SessionStoreUrl,

    /// Prefix of session keys in Redis.
    #[arg(
        long,
        env = "SESSION_REDIS_PREFIX",
        default_value = "storefront:session:"
    )]
    pub session_redis_prefix: String,

    /// Seconds a session or customer may be served from this instance's memory. Bounds how long
    /// a logout or password change on another instance takes to reach this one; 0 disables.
    #[arg(long, env = "SESSION_CACHE_TTL", default_value = "2", value_parser = parse_seconds)]
    pub session_cache_ttl: Duration,

    /// Seconds between purges of expired sessions from the database.
    #[arg(long, env = "SESSION_PURGE_INTERVAL", default_value = "3600", value_parser = parse_positive_seconds)]
    pub session_purge_interval: Duration,

    /// Comma-separated origins (`https://shop.example.com`) allowed in `Origin`/`Referer` besides the host itself.
    #[arg(long, env = "CSRF_TRUSTED_ORIGINS", default_value = "", value_parser = parse_origins)]
    pub csrf_trusted_origins: TrustedOrigins,

    /// Comma-separated CIDRs of our own proxies (load balancers, the storefront's servers): from
    /// them, the client's address is read from `X-Forwarded-For`. Default: loopback and the
    /// private ranges.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = crate::http::client_ip::DEFAULT_TRUSTED_PROXIES)]
    pub trusted_proxies: crate::http::client_ip::TrustedProxies,

    /// Require a CSRF token on login, registration and logout too (no tokenless server-side calls).
    #[arg(long, env = "CSRF_STRICT", default_value = "false", value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub csrf_strict: bool,

    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(long, env = "STOREFRONT_MAX_BODY_BYTES", default_value = "1048576")]
    pub storefront_max_body_bytes: usize,

    /// Largest file in a multipart body, in bytes; a multipart body may be this much larger than
    /// `STOREFRONT_MAX_BODY_BYTES`.
    #[arg(long, env = "STOREFRONT_MAX_FILE_BYTES", default_value = "5242880")]
    pub storefront_max_file_bytes: usize,

    /// Password hashes computed at once (a dedicated thread each); default: one per core.
    #[arg(long, env = "PASSWORD_HASH_THREADS")]
    pub password_hash_threads: Option<usize>,

    /// Log filter, e.g. `info`, `warn`, `storefront=debug,info`.
    #[arg(long, env = "STOREFRONT_LOG", default_value = "info", value_parser = parse_log_filter)]
    pub storefront_log: String,

    /// Log format: `text` or `json`.
    #[arg(long, env = "STOREFRONT_LOG_FORMAT", default_value = "text")]
    pub storefront_log_format: LogFormat,

    /// Log one line per answered request (method, route, status, duration, request id).
    #[arg(long, env = "STOREFRONT_ACCESS_LOG", default_value = "false", value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub storefront_access_log: bool,

    /// Seconds the requests under way may take to finish once SIGTERM or Ctrl-C has arrived.
    #[arg(long, env = "STOREFRONT_SHUTDOWN_TIMEOUT", default_value = "30", value_parser = parse_seconds)]
    pub storefront_shutdown_timeout: Duration,

    /// Region (ISO 3166-1 alpha-2, e.g. `TR`, `GB`) of phone numbers typed without `+` and a
    /// country code; its numbers are answered in national form (`05321234567`), others in E.164.
    #[arg(long, env = "PHONE_DEFAULT_REGION", default_value = "TR", value_parser = parse_phone_region)]
    pub phone_default_region: phonenumber::country::Id,

    /// Most addresses one customer may keep; creating one more is refused with a 400.
    #[arg(long, env = "ADDRESS_LIMIT_PER_CUSTOMER", default_value = "100")]
    pub address_limit_per_customer: u64,

    /// Require a district on every address.
    #[arg(long, env = "ADDRESS_DISTRICT_REQUIRED", default_value = "false", value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub address_district_required: bool,

    /// Comma-separated language codes the shop speaks (`tr,en`).
    #[arg(long, env = "LANGUAGES", default_value = "tr,en", value_parser = parse_languages)]
    pub languages: Languages,

    /// The language of a request that names none the shop speaks (no `Accept-Language`, no
    /// stored choice); one of `LANGUAGES`, by default its first.
    #[arg(long, env = "DEFAULT_LANGUAGE", value_parser = parse_language_code)]
    pub default_language: Option<String>,

    /// SMTP server for mails: `smtp://HOST:PORT` (plain), `smtp://HOST:PORT?tls=required`
    /// (STARTTLS), `smtps://HOST:PORT` (TLS), with optional `USER:PASSWORD@`. Unset: mails are
    /// only logged.
    #[arg(long, env = "SMTP_URL", value_parser = SmtpUrl::parse)]
    pub smtp_url: Option<SmtpUrl>,

    /// Sender of mails, e.g. `Shop <noreply@shop.example.com>`.
    #[arg(long, env = "MAIL_FROM", default_value = "storefront <noreply@localhost>", value_parser = parse_mailbox)]
    pub mail_from: lettre::message::Mailbox,

    /// The shop's public address (`https://shop.example.com`), for links in mails; required with
    /// `SMTP_URL`.
    #[arg(long, env = "STOREFRONT_PUBLIC_URL", value_parser = PublicUrl::parse)]
    pub storefront_public_url: Option<PublicUrl>,

    /// A folder of mail templates replacing the shipped ones of the same name
    /// (`tr/password_reset.txt`); unset: the shipped ones.
    #[arg(long, env = "MAIL_TEMPLATES_DIR")]
    pub mail_templates_dir: Option<std::path::PathBuf>,

    /// Seconds a password reset link stays valid after it was mailed (Django's setting).
    #[arg(long, env = "PASSWORD_RESET_TIMEOUT", default_value = "86400", value_parser = parse_positive_seconds)]
    pub password_reset_timeout: Duration,
    /// E-mail confirmation: `none` (no mail), `optional` (registration mails a link; the account
    /// works before it is opened) or `mandatory` (login waits until the link is opened).
    #[arg(long, env = "ACCOUNT_EMAIL_VERIFICATION", default_value = "optional")]
    pub account_email_verification: EmailVerification,

    /// Bearer token of the internal API (`/internal/…`, the payment and order side's calls).
    /// Unset or empty: the whole internal API answers 404.
    #[arg(long, env = "STOREFRONT_INTERNAL_TOKEN", value_parser = parse_secret, hide_env_values = true)]
    pub storefront_internal_token: Option<SecretString>,

    /// Key encrypting saved cards' gateway tokens at rest: 32 bytes in standard base64. Required
    /// once cards can arrive (`STOREFRONT_INTERNAL_TOKEN` or `PAYMENT_GATEWAY_URL` set).
    #[arg(long, env = "CARD_TOKEN_KEY", value_parser = parse_secret, hide_env_values = true)]
    pub card_token_key: Option<SecretString>,

    /// The payment gateway (`https://pay.example.com/api`): a deleted saved card's token is
    /// deleted there with `DELETE {url}/tokens/{token}`. Unset: the deletion is only logged.
    #[arg(long, env = "PAYMENT_GATEWAY_URL", value_parser = PublicUrl::parse)]
    pub payment_gateway_url: Option<PublicUrl>,

    /// Bearer token sent to the payment gateway.
    #[arg(long, env = "PAYMENT_GATEWAY_TOKEN", value_parser = parse_secret, hide_env_values = true)]
    pub payment_gateway_token: Option<SecretString>,

    /// Comma-separated ISO 4217 codes of the shop's currencies, as the client writes them (`try,usd`).
    #[arg(long, env = "AVAILABLE_CURRENCIES", default_value = "try", value_parser = parse_currencies)]
    pub available_currencies: Currencies,

    /// The currency of a request that names none of `AVAILABLE_CURRENCIES` (no `x-currency`, no
    /// stored choice); one of them, by default the first.
    #[arg(long, env = "DEFAULT_CURRENCY", value_parser = parse_currency_code)]
    pub default_currency: Option<String>,

    /// Seconds Akifast's marketing consents (`POST /users/permissions/`) wait for the order of
    /// their basket.
    #[arg(long, env = "AKIFAST_PERMISSIONS_TTL", default_value = "86400", value_parser = parse_positive_seconds)]
    pub akifast_permissions_ttl: Duration,

    /// What to do; without a command the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Commands besides serving.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Geographic data: townships, districts and postcodes imported by the shop.
    Geo {
        /// What to do with it.
        #[command(subcommand)]
        command: GeoCommand,
    },
}

/// Commands on geographic data.
#[derive(Debug, Subcommand)]
pub enum GeoCommand {
    /// Import cities, townships, districts and postcodes from a CSV or JSON file (see docs/geo-import.md).
    Import {
        /// The file; `.csv` or `.json` decides the format.
        file: PathBuf,
    },
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Whether customers confirm their e-mail address (django-allauth's `ACCOUNT_EMAIL_VERIFICATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EmailVerification {
    /// No confirmation mail; addresses stay unverified.
    None,
    /// Registration mails a confirmation link; the account works before it is opened.
    Optional,
    /// Registration mails a confirmation link, and login is refused until it is opened.
    Mandatory,
}

impl EmailVerification {
    /// Whether registration mails a confirmation link.
    pub fn mails_a_link(self) -> bool {
        self != Self::None
    }
}

impl Config {
    /// Parses the command line and environment. Help and version requests print and exit;
    /// any other problem is returned as one line naming the bad option or variable.
    pub fn from_env_and_args() -> Result<Self, String> {
        Self::try_parse().map_err(|error| match error.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                error.exit()
            }
            _ => error
                .render()
                .to_string()
                .lines()
                .next()
                .unwrap_or("invalid configuration")
                .to_owned(),
        })
    }

    /// The configuration with every default (environment variables still apply).
    pub fn defaults() -> Result<Self, clap::Error> {
        Self::try_parse_from(["storefront"])
    }
}

/// The database to use; the URL of PostgreSQL may hold a password, so it is kept secret.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// An SQLite file, created if missing.
    Sqlite(String),
    /// A PostgreSQL server.
    Postgres(SecretString),
}

impl DatabaseUrl {
    fn parse(value: &str) -> Result<Self, String> {
        if value.starts_with("sqlite:") {
            // Readers and the writer are separate connections (see `db`): each would get its own
            // empty in-memory database.
            if value.contains(":memory:") || value.contains("mode=memory") {
                return Err(
                    "an in-memory SQLite database is not supported; use sqlite://FILE".to_owned(),
                );
            }
            Ok(Self::Sqlite(value.to_owned()))
        } else if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            Ok(Self::Postgres(SecretString::from(value.to_owned())))
        } else {
            Err("expected sqlite://FILE or postgres://...".to_owned())
        }
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        Self::parse(value)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(url) => write!(f, "{url}"),
            Self::Postgres(_) => write!(f, "postgres://[redacted]"),
        }
    }
}

/// Where sessions are stored.
#[derive(Clone)]
pub enum SessionStoreUrl {
    /// In the main database.
    Database,
    /// In Redis (the URL may hold a password).
    Redis(SecretString),
}

impl SessionStoreUrl {
    fn parse(value: &str) -> Result<Self, String> {
        match value {
            "database" => Ok(Self::Database),
            url if url.starts_with("redis://") || url.starts_with("rediss://") => {
                Ok(Self::Redis(SecretString::from(url.to_owned())))
            }
            _ => Err("expected `database` or a redis:// URL".to_owned()),
        }
    }
}

impl std::fmt::Debug for SessionStoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database => write!(f, "database"),
            Self::Redis(_) => write!(f, "redis://[redacted]"),
        }
    }
}

/// The SMTP server's URL; it may hold a password, so it is kept secret.
#[derive(Clone)]
pub struct SmtpUrl(pub SecretString);

impl SmtpUrl {
    // Checked when the mailer is built (`mail::SmtpMailer::new`), not here: clap's error would
    // quote the value, password included.
    fn parse(value: &str) -> Result<Self, String> {
        Ok(Self(SecretString::from(value.to_owned())))
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "smtp://[redacted]")
    }
}

/// The shop's absolute `http(s)://` address, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// The URL without its trailing slash, or why it is not an absolute `http(s)://` one.
    pub fn parse(value: &str) -> Result<Self, String> {
        let url = value.trim().trim_end_matches('/');
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match host {
            Some(host)
                if !host.is_empty()
                    && !host.starts_with('/')
                    && !host.chars().any(char::is_whitespace) =>
            {
                Ok(Self(url.to_owned()))
            }
            _ => Err("expected an absolute http:// or https:// URL".to_owned()),
        }
    }
}

impl AsRef<str> for PublicUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn parse_mailbox(value: &str) -> Result<lettre::message::Mailbox, String> {
    value
        .parse()
        .map_err(|_| "expected a mailbox, e.g. `Shop <noreply@shop.example.com>`".to_owned())
}

/// Origins trusted for unsafe requests besides the request's own host, e.g. `https://shop.example.com`.
#[derive(Clone, Debug, Default)]
pub struct TrustedOrigins(pub Vec<String>);

/// The shop's languages, lower-case ISO 639-1 codes; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Languages(pub Vec<String>);

impl Languages {
    /// Whether the shop speaks `code` (lower case).
    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|language| language == code)
    }
}

fn parse_languages(value: &str) -> Result<Languages, String> {
    let codes = value
        .split(',')
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(parse_language_code)
        .collect::<Result<Vec<_>, _>>()?;
    if codes.is_empty() {
        return Err("at least one language code, e.g. tr,en".to_owned());
    }
    Ok(Languages(codes))
}

fn parse_language_code(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_lowercase();
    if code.len() != 2 || !code.bytes().all(|byte| byte.is_ascii_lowercase()) {
        return Err(format!("`{code}` is not a two-letter language code"));
    }
    Ok(code)
}

/// The shop's currencies, lower-case ISO 4217 codes; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currencies(pub Vec<String>);

impl Currencies {
    /// The shop's code equal to `code` ignoring case and surrounding spaces, if any.
    pub fn find(&self, code: &str) -> Option<&str> {
        let code = code.trim();
        self.0
            .iter()
            .find(|currency| currency.eq_ignore_ascii_case(code))
            .map(String::as_str)
    }
}

fn parse_currencies(value: &str) -> Result<Currencies, String> {
    let codes = value
        .split(',')
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(parse_currency_code)
        .collect::<Result<Vec<_>, _>>()?;
    if codes.is_empty() {
        return Err("at least one currency code, e.g. try,usd".to_owned());
    }
    Ok(Currencies(codes))
}

fn parse_currency_code(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_lowercase();
    if code.len() != 3 || !code.bytes().all(|byte| byte.is_ascii_lowercase()) {
        return Err(format!("`{code}` is not a three-letter ISO 4217 code"));
    }
    Ok(code)
}

// Secrets are checked where they are used, not here: clap's error would quote the value.
fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_owned()))
}

fn parse_origins(value: &str) -> Result<TrustedOrigins, String> {
    let mut origins = Vec::new();
    for origin in value
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
    {
        let Some((scheme, host)) = origin.split_once("://") else {
            return Err(format!(
                "`{origin}` must start with a scheme, e.g. https://{origin}"
            ));
        };
        if host.is_empty() || host.contains('/') {
            return Err(format!(
                "`{origin}` must be scheme://host[:port] with no path"
            ));
        }
        origins.push(format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        ));
    }
    Ok(TrustedOrigins(origins))
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| "expected a whole number of seconds".to_owned())
}

fn parse_positive_seconds(value: &str) -> Result<Duration, String> {
    match parse_seconds(value)? {
        duration if duration.is_zero() => Err("must be at least 1 second".to_owned()),
        duration => Ok(duration),
    }
}

// Cookie names are RFC 6265 tokens; anything else would corrupt the Set-Cookie header.
fn parse_cookie_name(value: &str) -> Result<String, String> {
    let is_token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !value.is_empty() && value.chars().all(is_token) {
        Ok(value.to_owned())
    } else {
        Err("a cookie name of letters, digits and !#$%&'*+-.^_`|~".to_owned())
    }
}

// A region the metadata has no numbering plan for could not parse any national number.
fn parse_phone_region(value: &str) -> Result<phonenumber::country::Id, String> {
    let code = value.trim().to_ascii_uppercase();
    code.parse::<phonenumber::country::Id>()
        .ok()
        .filter(|region| {
            phonenumber::metadata::DATABASE
                .by_id(region.as_ref())
                .is_some()
        })
        .ok_or_else(|| format!("`{value}` is not a region with phone numbers, e.g. TR or GB"))
}

fn parse_log_filter(value: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(value)
        .map(|_| value.to_owned())
        .map_err(|error| error.to_string())
}

/// The settings handlers read, derived once from [`Config`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// Most addresses one customer may keep.
    pub address_limit_per_customer: u64,
    /// Region of phone numbers typed without a country code, and whose numbers are answered in
    /// national form.
    pub phone_default_region: phonenumber::country::Id,
    /// Whether every address needs a district.
    pub address_district_required: bool,
    /// The shop's languages.
    pub languages: Languages,
    /// The language of a request that names none of `languages`.
    pub default_language: String,
    /// The shop's public address, for links in mails.
    pub public_url: PublicUrl,
    /// How long a password reset link stays valid.
    pub password_reset_timeout: Duration,
    /// Whether customers confirm their e-mail address.
    pub email_verification: EmailVerification,
    /// Where the client's address may be read from `X-Forwarded-For`.
    pub trusted_proxies: crate::http::client_ip::TrustedProxies,
    /// The shop's currencies.
    pub available_currencies: Currencies,
    /// The currency of a request that names none of `available_currencies`.
    pub default_currency: String,
    /// How long Akifast's consents wait for their basket's order.
    pub akifast_permissions_ttl: Duration,
}

/// The public address links point to when `STOREFRONT_PUBLIC_URL` is unset (development: mails
/// are only logged then): the Next.js storefront's default port.
const DEVELOPMENT_PUBLIC_URL: &str = "http://localhost:3000";

impl Settings {
    /// The settings of `config`, or why they do not hold together.
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let default_language = match &config.default_language {
            Some(code) if !config.languages.contains(code) => anyhow::bail!(
                "DEFAULT_LANGUAGE={code} is not one of LANGUAGES={}",
                config.languages.0.join(",")
            ),
            Some(code) => code.clone(),
            None => config.languages.0[0].clone(),
        };
        let default_currency = match &config.default_currency {
            Some(code) if config.available_currencies.find(code).is_none() => anyhow::bail!(
                "DEFAULT_CURRENCY={code} is not one of AVAILABLE_CURRENCIES={}",
                config.available_currencies.0.join(",")
            ),
            Some(code) => code.clone(),
            None => config.available_currencies.0[0].clone(),
        };
        let public_url = match &config.storefront_public_url {
            Some(url) => url.clone(),
            None => PublicUrl(DEVELOPMENT_PUBLIC_URL.to_owned()),
        };
        Ok(Self {
            address_limit_per_customer: config.address_limit_per_customer,
            phone_default_region: config.phone_default_region,
            address_district_required: config.address_district_required,
            languages: config.languages.clone(),
            default_language,
            public_url,
            password_reset_timeout: config.password_reset_timeout,
            email_verification: config.account_email_verification,
            trusted_proxies: config.trusted_proxies.clone(),
            available_currencies: config.available_currencies.clone(),
            default_currency,
            akifast_permissions_ttl: config.akifast_permissions_ttl,
        })
    }

    /// The shop's public URL of `path` (which starts with `/`), for links in mails.
    pub fn public_link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.0)
    }

    /// The language of a mail to a customer: the customer's own when the shop speaks it, else
    /// the request's.
    pub fn mail_language<'a>(
        &'a self,
        customer_language: Option<&'a str>,
        request: &'a crate::languages::RequestLanguage,
    ) -> &'a str {
        customer_language
            .filter(|code| self.languages.contains(code))
            .unwrap_or(request.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::try_parse_from(std::iter::once("storefront").chain(args.iter().copied()))
            .map_err(|error| error.render().to_string())
    }

    #[test]
    fn the_phone_region_is_any_region_with_numbers_in_any_case() {
        let config = parse(&["--phone-default-region", "gb"]).unwrap();

        assert_eq!(config.phone_default_region, phonenumber::country::Id::GB);
    }

    #[test]
    fn an_unknown_phone_region_is_refused_naming_the_variable() {
        let error = parse(&["--phone-default-region", "XX"]).unwrap_err();

        let first_line = error.lines().next().unwrap();
        assert!(first_line.contains("PHONE_DEFAULT_REGION"), "{first_line}");
        assert!(first_line.contains("XX"), "{first_line}");
    }

    #[test]
    fn mail_settings_parse_into_a_mailbox_and_an_absolute_url() {
        let config = parse(&[
            "--smtp-url",
            "smtps://user:secret@mail.example.com:465",
            "--mail-from",
            "Shop <noreply@shop.example.com>",
            "--storefront-public-url",
            "https://shop.example.com/",
        ])
        .unwrap();

        assert_eq!(
            config.mail_from.email.to_string(),
            "noreply@shop.example.com"
        );
        assert_eq!(
            config.storefront_public_url.unwrap().as_ref(),
            "https://shop.example.com"
        );
        assert!(!format!("{:?}", config.smtp_url).contains("secret"));
    }

    #[test]
    fn the_default_language_is_the_first_of_the_shop_unless_named_and_must_be_one_of_them() {
        let first = Settings::new(&parse(&["--languages", "en,tr"]).unwrap()).unwrap();
        let named =
            Settings::new(&parse(&["--languages", "en,tr", "--default-language", "TR"]).unwrap());
        let foreign = Settings::new(&parse(&["--default-language", "de"]).unwrap());

        assert_eq!(first.default_language, "en");
        assert_eq!(named.unwrap().default_language, "tr");
        let error = foreign.err().unwrap().to_string();
        assert!(error.contains("DEFAULT_LANGUAGE=de"), "{error}");
        assert!(error.lines().count() == 1, "{error}");
    }

    #[test]
    fn links_point_at_the_public_url_or_the_development_storefront() {
        let configured = Settings::new(
            &parse(&["--storefront-public-url", "https://shop.example.com/"]).unwrap(),
        )
        .unwrap();
        let unset = Settings::new(&parse(&[]).unwrap()).unwrap();

        assert_eq!(
            configured.public_link("/users/reset/MQ/x/"),
            "https://shop.example.com/users/reset/MQ/x/"
        );
        assert_eq!(unset.public_link("/a/"), "http://localhost:3000/a/");
    }

    #[test]
    fn email_verification_is_optional_unless_named_and_a_bad_value_names_the_variable() {
        let default = parse(&[]).unwrap();
        let mandatory = parse(&["--account-email-verification", "mandatory"]).unwrap();
        let error = parse(&["--account-email-verification", "always"]).unwrap_err();

        assert_eq!(
            default.account_email_verification,
            EmailVerification::Optional
        );
        assert_eq!(
            mandatory.account_email_verification,
            EmailVerification::Mandatory
        );
        let first_line = error.lines().next().unwrap();
        assert!(
            first_line.contains("ACCOUNT_EMAIL_VERIFICATION"),
            "{first_line}"
        );
    }

    #[test]
    fn currencies_are_lower_cased_and_the_default_must_be_one_of_them() {
        let first =
            Settings::new(&parse(&["--available-currencies", "USD, try"]).unwrap()).unwrap();
        let foreign = Settings::new(&parse(&["--default-currency", "eur"]).unwrap());
        let error = parse(&["--available-currencies", "dollars"]).unwrap_err();

        assert_eq!(first.available_currencies.0, ["usd", "try"]);
        assert_eq!(first.default_currency, "usd");
        assert_eq!(first.available_currencies.find(" TRY "), Some("try"));
        let foreign = foreign.err().unwrap().to_string();
        assert!(foreign.contains("DEFAULT_CURRENCY=eur"), "{foreign}");
        assert!(
            error
                .lines()
                .next()
                .unwrap()
                .contains("AVAILABLE_CURRENCIES"),
            "{error}"
        );
    }

    #[test]
    fn secrets_never_appear_in_an_error_or_debug_output() {
        let config = parse(&[
            "--card-token-key",
            "c2VjcmV0",
            "--storefront-internal-token",
            "hush",
        ])
        .unwrap();

        let debug = format!("{config:?}");
        assert!(
            !debug.contains("c2VjcmV0") && !debug.contains("hush"),
            "{debug}"
        );
    }

    #[test]
    fn a_relative_public_url_or_a_bad_sender_is_refused() {
        assert!(parse(&["--storefront-public-url", "shop.example.com"]).is_err());
        assert!(parse(&["--mail-from", "not a mailbox"]).is_err());
    }
}
