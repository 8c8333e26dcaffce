//! The limiter's settings: where counts live and every budget's size. Part of the one
//! configuration struct (`config::Config` flattens it), so each is an environment variable.

use secrecy::SecretString;

/// Where counts live and how many attempts each budget allows.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitsConfig {
    /// Where the limiter's counts live: `database`, or a `redis://HOST:PORT[/DB]` URL so that
    /// instances without a shared database share them.
    #[arg(long, env = "RATE_LIMIT_STORE", default_value = "database", value_parser = RateLimitStoreUrl::parse)]
    pub rate_limit_store: RateLimitStoreUrl,

    /// Prefix of the limiter's keys in Redis.
    #[arg(
        long,
        env = "RATE_LIMIT_REDIS_PREFIX",
        default_value = "storefront:limit:"
    )]
    pub rate_limit_redis_prefix: String,

    /// Failed logins of one e-mail address or one session that cost no wait; each further
    /// attempt waits twice as long as the one before, from 1 second up to 1 hour.
    #[arg(long, env = "LOGIN_FREE_ATTEMPTS", default_value = "5")]
    pub login_free_attempts: u32,

    /// Failed logins from one client IP that cost no wait; then as `LOGIN_FREE_ATTEMPTS`.
    #[arg(long, env = "LOGIN_IP_FREE_ATTEMPTS", default_value = "20")]
    pub login_ip_free_attempts: u32,

    /// Registrations per hour from one session or client IP.
    #[arg(long, env = "REGISTRATION_ATTEMPTS", default_value = "20")]
    pub registration_attempts: u32,

    /// Password reset and confirmation resend requests per hour for one address, session or
    /// client IP.
    #[arg(long, env = "MAIL_REQUEST_ATTEMPTS", default_value = "10")]
    pub mail_request_attempts: u32,

    /// One-time codes sent per hour to one phone, session or client IP.
    #[arg(long, env = "OTP_SEND_ATTEMPTS", default_value = "5")]
    pub otp_send_attempts: u32,

    /// Wrong one-time codes per hour for one phone, session or client IP.
    #[arg(long, env = "OTP_CHECK_ATTEMPTS", default_value = "10")]
    pub otp_check_attempts: u32,

    /// Failed guest order lookups per hour for one order number, session or client IP.
    #[arg(long, env = "GUEST_ORDER_LOOKUP_ATTEMPTS", default_value = "10")]
    pub guest_order_lookup_attempts: u32,
}

/// Where the limiter's counts live.
#[derive(Clone)]
pub enum RateLimitStoreUrl {
    /// In the main database.
    Database,
    /// In Redis (the URL may hold a password).
    Redis(SecretString),
}

impl RateLimitStoreUrl {
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

impl std::fmt::Debug for RateLimitStoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database => write!(f, "database"),
            Self::Redis(_) => write!(f, "redis://[redacted]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::config::Config;

    fn first_error_line(args: &[&str]) -> String {
        let error =
            Config::try_parse_from(std::iter::once("storefront").chain(args.iter().copied()))
                .unwrap_err()
                .render()
                .to_string();
        error.lines().next().unwrap().to_owned()
    }

    #[test]
    fn the_budgets_default_to_the_issue_and_a_bad_value_names_its_variable() {
        let config = Config::try_parse_from(["storefront"]).unwrap();

        assert_eq!(config.limits.login_free_attempts, 5);
        assert_eq!(config.limits.login_ip_free_attempts, 20);
        assert_eq!(config.limits.guest_order_lookup_attempts, 10);
        let store = first_error_line(&["--rate-limit-store", "memcached://x"]);
        assert!(store.contains("RATE_LIMIT_STORE"), "{store}");
        let budget = first_error_line(&["--login-free-attempts", "many"]);
        assert!(budget.contains("LOGIN_FREE_ATTEMPTS"), "{budget}");
    }
}
