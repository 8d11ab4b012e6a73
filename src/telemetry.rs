//! Logging, set up once per process.

use std::io::IsTerminal as _;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber: `RUST_LOG` filters (default `info`, with the SQL layers
/// at `warn`), output on standard error so command output on standard out stays clean.
///
/// Lines are written by a background thread: a request never waits on a `write(2)` to a pipe
/// or a slow terminal (one line per request is the access log). Nothing is dropped; a request
/// waits only once 128k lines are queued. Keep the guard until the process ends: dropping it
/// flushes what is queued.
pub fn init(format: LogFormat) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("caregraph-log")
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours for a person at a terminal; none in a file or a log collector.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    // A second call (several tests in one process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    guard
}
