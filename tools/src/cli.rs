//! The command line: `caregraph-tools synthetic | soak | static-baseline | invalidation`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{invalidation, soak, static_baseline, synthetic};

/// caregraph's tools: synthetic graphs for benchmarks, the soak test, and the benchmark's
/// static baseline. The server itself is the `caregraph` binary.
#[derive(Parser)]
#[command(name = "caregraph-tools", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Load a large synthetic graph for benchmarks (all kinds, all predicates, cited).
    ///
    /// Deterministic for a given --seed; loaded in one transaction, with a progress bar on a
    /// terminal, into the database the server would use (--database-url or DATABASE_URL),
    /// migrated first. Refuses a database that already holds nodes unless --append is given.
    Synthetic(synthetic::command::Args),
    /// Bounded soak: caregraph in this process over a fresh database, concurrent readers and
    /// editors for a fixed time, then a check that every acknowledged write is in the audit
    /// log and in the data (exit status 1 if not, 2 if the soak could not run).
    Soak(soak::Args),
    /// The benchmark's HTTP limit: actix-web answering every /graphql request with the bytes
    /// of one file (the condition page's exact response), on loopback.
    StaticBaseline(static_baseline::Args),
    /// Push invalidation: for each of --writes direct SQL renames of a condition, the time
    /// from the commit to each running replica's first answer with the new name (their
    /// response caches dropped the old one), as median, p90, p99 and maximum.
    Invalidation(invalidation::Args),
}

/// Runs one tool; the exit code is the tool's verdict (the soak fails on a lost write).
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Synthetic(args) => synthetic::command::run(args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Soak(args) => Ok(soak::run(&args).await),
        Command::StaticBaseline(args) => {
            static_baseline::run(args).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Invalidation(args) => invalidation::run(args).await.map(|()| ExitCode::SUCCESS),
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory as _, Parser as _};

    use super::{Cli, Command};

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn synthetic_takes_the_old_flags_and_the_servers_database_url() {
        let cli = Cli::try_parse_from([
            "caregraph-tools",
            "synthetic",
            "--nodes",
            "2000",
            "--database-url",
            "sqlite://x.db?mode=rwc",
        ])
        .expect("parses");
        let Command::Synthetic(args) = cli.command else {
            panic!("not synthetic");
        };
        assert_eq!(
            (args.nodes, args.edges_per_node, args.seed, args.append),
            (2000, 10, 1, false)
        );
        assert_eq!(args.config.database_url, "sqlite://x.db?mode=rwc");
        // --nodes has no default, as before.
        assert!(Cli::try_parse_from(["caregraph-tools", "synthetic"]).is_err());
    }
}
