//! The `caregraph-tools` binary: parse the command line, hand over to the library.

use std::process::ExitCode;

use clap::Parser;

use caregraph_tools::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    match caregraph_tools::cli::run(Cli::parse()).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
