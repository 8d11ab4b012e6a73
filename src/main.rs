//! The `caregraph` binary: parse the command line, set up logging, hand over to the library.

use std::process::ExitCode;

use clap::Parser;

use caregraph::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    caregraph::telemetry::init(cli.config.log_format);
    match caregraph::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One clear line for the operator; the full chain is in the log at debug level.
            tracing::debug!(error = ?err, "caregraph failed");
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
