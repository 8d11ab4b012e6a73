//! `caregraph-tools synthetic`: the flags, the database (the server's `--database-url` and
//! `DATABASE_URL`, connected and migrated by the server's own code), the load, its report.

use caregraph::config::Config;
use caregraph::db;

use super::{Options, load};

/// The flags of `synthetic`: the server's database settings, and the graph's size and seed.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub config: Config,
    /// Number of nodes of the synthetic graph (at least 20).
    #[arg(long, value_name = "N")]
    pub nodes: u64,
    /// Average number of edges per node: the graph has about N × M edges.
    #[arg(long, value_name = "M", default_value_t = 10)]
    pub edges_per_node: u32,
    /// Seed of the generator: the same seed gives the same slugs, names and links.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Add the synthetic graph to a database that already holds nodes.
    #[arg(long)]
    pub append: bool,
}

/// Connects, migrates, loads, and prints the report on standard output.
#[expect(
    clippy::print_stdout,
    reason = "the load's report is the command's output"
)]
pub async fn run(args: Args) -> anyhow::Result<()> {
    let _logs = caregraph::telemetry::init(args.config.log_format);
    let db = db::connect(&args.config).await?;
    db::migrate(&db, &args.config).await?;
    let options = Options {
        nodes: args.nodes,
        edges_per_node: args.edges_per_node,
        seed: args.seed,
        append: args.append,
        progress: true,
    };
    let report = load(&db, &options).await?;
    println!("{report}");
    Ok(())
}
