//! Entry point: parse the configuration, start logging, run.

use std::process::ExitCode;

use storefront::{config::Config, startup, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env_and_args() {
        Ok(config) => config,
        Err(line) => {
            eprintln!("{line}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.storefront_log, config.storefront_log_format);
    match startup::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
