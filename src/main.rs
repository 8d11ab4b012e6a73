//! The `caregraph` binary: parse the command line, set up logging, hand over to the library.

use std::process::ExitCode;

use clap::Parser;

use caregraph::cli::Cli;

/// jemalloc instead of the system's allocator: an uncached page allocates some 2,700 times,
/// and glibc's malloc spent a fifth of the page's CPU on them, jemalloc a third less
/// (`docs/performance.md`, "Fewer allocations").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Held to the end of `main`: dropping it flushes the queued log lines.
    let _logs = caregraph::telemetry::init(cli.config.log_format);
    match caregraph::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`caregraph export | head`) is not a failure.
        Err(err) if caregraph::export::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // One clear line for the operator; the full chain is in the log at debug level.
            tracing::debug!(error = ?err, "caregraph failed");
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each once: layers often repeat their source's text in their own
/// message.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}
