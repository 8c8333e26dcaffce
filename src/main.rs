//! Entry point: parse the configuration, start logging, run.

use std::process::ExitCode;

use storefront::{config::Config, startup, telemetry};

/// jemalloc instead of glibc's malloc: every request allocates and frees dozens of small buffers,
/// and glibc spent about a fifth of a profile update's CPU on that (its fastbin consolidation
/// alone 1.5–2.5 %). jemalloc raised `profile_patch` about 12 % and `current_user` 1–7 %
/// (docs/PERFORMANCE.md); idle after a registration flood the server held 21.6 MB (glibc: 18.1 MB).
/// mimalloc was about as fast but started at 31 MB and stayed at 75 MB after the flood.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env_and_args() {
        Ok(config) => config,
        Err(line) => {
            eprintln!("{line}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(
        &config.storefront_log,
        config.storefront_log_format,
        config.storefront_access_log,
    );
    match startup::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
