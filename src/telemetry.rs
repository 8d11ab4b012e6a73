//! Logging, set up once per process.

use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::thread;
use std::time::Duration;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Room for a batch of queued lines before the log thread writes them out.
const LOG_BUFFER_BYTES: usize = 64 * 1024;

/// Installs the global subscriber: `RUST_LOG` filters (default `info`, with the SQL layers
/// at `warn`), output on standard error so command output on standard out stays clean.
///
/// Lines are written by a background thread: a request never waits on a `write(2)` to a pipe
/// or a slow terminal (one line per request is the access log). That thread buffers what is
/// queued and flushes when the queue is empty, so a busy server makes one `write(2)` per batch
/// of lines rather than per line, and a quiet one still shows each line at once. Nothing is
/// dropped; a request waits only once 128k lines are queued. Keep the guard until the process
/// ends: dropping it flushes what is queued.
pub fn init(format: LogFormat) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("caregraph-log")
        .finish(Paced(BufWriter::with_capacity(
            LOG_BUFFER_BYTES,
            std::io::stderr(),
        )));
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

/// How long the log thread waits after writing a batch before it takes the next one.
const BATCH_WINDOW: Duration = Duration::from_millis(10);

/// The log thread's writer: after each batch is written out it pauses for [`BATCH_WINDOW`].
/// A thread parked on the queue must be woken by the request that queues a line (a futex call
/// and a context switch per request, the largest cost of the access log under load); one that
/// is pausing is not, so a busy server wakes it at most once per window, and a line still
/// reaches the log within the window. This relies on tracing-appender's worker calling
/// `flush` once per drained queue (0.2: `Worker::work`), never per line.
struct Paced<W: Write>(W);

impl<W: Write> Write for Paced<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()?;
        thread::sleep(BATCH_WINDOW);
        Ok(())
    }
}
