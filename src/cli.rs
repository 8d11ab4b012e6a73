//! The command line: `caregraph [serve] | migrate | seed | schema`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use entity::sea_orm_active_enums::Role;
use sea_orm::ActiveEnum as _;

use crate::config::{Config, ServeConfig};
use crate::domain::rules::auth::Actor;
use crate::domain::service::{tokens, tx};
use crate::seed::{self, Seed};
use crate::startup::Application;
use crate::{db, export, graphql};

/// caregraph: a GraphQL knowledge graph of medical conditions, their causes, symptoms, risks
/// and treatments, each fact citing the sentence it came from.
///
/// With no command, serves (the same as `caregraph serve`).
#[derive(Parser)]
#[command(version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve GraphQL (/graphql), GraphiQL (/graphiql), the graph page (/explore), /healthz, /readyz and /metrics.
    /// Migrates the database first and loads the bundled article graph into an empty one.
    Serve {
        #[command(flatten)]
        serve: Box<ServeConfig>,
        /// Print the effective configuration (secrets masked) and exit without serving.
        #[arg(long)]
        check_config: bool,
    },
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load seed content: the bundled article graph, or the given seed files. Idempotent:
    /// what is already there is left alone, and content edited since seeding is never
    /// overwritten (it is listed as skipped).
    Seed {
        /// Seed files (TOML) to load instead of the bundled article graph.
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<PathBuf>,
        /// Check the files and report problems without touching the database.
        #[arg(long)]
        check: bool,
        /// Moved: synthetic graphs are made by `caregraph-tools synthetic` (see docs/tools.md).
        /// Kept hidden so that old scripts get an error naming the new command; it takes the
        /// rest of the line (`--nodes N …`), which is repeated in that error.
        #[arg(
            long,
            hide = true,
            num_args = 0..,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        synthetic: Option<Vec<String>>,
    },
    /// Import a content file (the seed's TOML format: nodes, links, citations, a source) for
    /// review: new content as drafts, content already there edited to match (published
    /// content through pending edits), in one transaction and one change set. Every problem
    /// is reported, with its line, before anything is written.
    Import {
        /// The content file.
        file: PathBuf,
        /// Print what an import would create, edit and leave alone, writing nothing.
        #[arg(long)]
        check: bool,
        /// The name the audit log gives the importer (who writes as an editor).
        #[arg(long = "as", value_name = "NAME", default_value = "caregraph-import")]
        importer: String,
    },
    /// Print the GraphQL schema (SDL) this build serves; `schema.graphql` must equal it.
    Schema,
    /// Write the published graph (nodes, edges, attributes, citations) for analysts.
    Export {
        /// json, graphml (opens in Gephi and Cytoscape) or csv.
        #[arg(long, value_enum, default_value_t = export::Format::Json)]
        format: export::Format,
        /// Where to write; standard output when omitted.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Manage API tokens: content teams write with `Authorization: Bearer <token>`.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// Who will hold it; audit events name it.
        #[arg(long)]
        name: String,
        /// What it may do: editor (write and submit), reviewer (publish, reject, archive),
        /// admin (everything, including tokens).
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token at once.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Editor,
    Reviewer,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Editor => Role::Editor,
            RoleArg::Reviewer => Role::Reviewer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Who the audit log names for changes made from the command line.
fn cli_actor() -> Actor {
    Actor::system("caregraph-cli")
}

/// Only the serve flags, for `caregraph` run without a command (flags come from the environment).
#[derive(Parser)]
struct ServeOnly {
    #[command(flatten)]
    serve: ServeConfig,
}

#[expect(
    clippy::print_stdout,
    reason = "command output (schema, seed report) goes to standard out"
)]
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command {
        None => {
            let serve = ServeOnly::try_parse_from(["caregraph"])?.serve;
            serve_until_stopped(&config, &serve).await
        }
        Some(Command::Serve {
            serve,
            check_config: true,
        }) => {
            println!("{config:#?}\n{serve:#?}");
            Ok(())
        }
        Some(Command::Serve {
            serve,
            check_config: false,
        }) => serve_until_stopped(&config, &serve).await,
        Some(Command::Export { format, out }) => {
            let db = db::connect(&config).await?;
            db::migrate(&db, &config).await?;
            let report = match &out {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?;
                    let mut writer = std::io::BufWriter::new(file);
                    let report = export::export(&db, format, &mut writer).await?;
                    std::io::Write::flush(&mut writer)?;
                    report
                }
                None => export::export(&db, format, &mut std::io::stdout().lock()).await?,
            };
            eprintln!("exported {} nodes and {} edges", report.nodes, report.edges);
            Ok(())
        }
        Some(Command::Migrate) => {
            let db = db::connect(&config).await?;
            db::migrate(&db, &config).await?;
            println!("database at {} is migrated", config.database_url_redacted());
            Ok(())
        }
        Some(Command::Seed {
            synthetic: Some(args),
            ..
        }) => Err(synthetic_moved(&args)),
        Some(Command::Seed { files, check, .. }) => {
            let seeds = if files.is_empty() {
                vec![Seed::bundled()?]
            } else {
                files
                    .iter()
                    .map(|f| Seed::from_path(f))
                    .collect::<Result<Vec<_>, _>>()?
            };
            if check {
                for s in &seeds {
                    println!(
                        "{}: {} nodes, {} edges, valid",
                        s.name,
                        s.content.nodes.len(),
                        s.content.links.len()
                    );
                }
                return Ok(());
            }
            let db = db::connect(&config).await?;
            db::migrate(&db, &config).await?;
            for s in &seeds {
                let report = seed::apply(&db, s)
                    .await
                    .with_context(|| format!("seeding {}", s.name))?;
                println!("{}: {report}", s.name);
            }
            Ok(())
        }
        Some(Command::Import {
            file,
            check,
            importer,
        }) => {
            let seed = Seed::from_path(&file)?;
            let db = db::connect(&config).await?;
            db::migrate(&db, &config).await?;
            let imported = seed::import(&db, &seed, &importer, check)
                .await
                .with_context(|| format!("importing {}", seed.name))?;
            if check {
                println!(
                    "{} (checked, nothing written): an import would have {}",
                    seed.name, imported.report
                );
            } else {
                println!("{}: {}", seed.name, imported.report);
                println!(
                    "change set {}: submitChangeSet sends it to review, revertChangeSet undoes it",
                    imported.change_set
                );
            }
            Ok(())
        }
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Token(cmd)) => {
            let db = db::connect(&config).await?;
            db::migrate(&db, &config).await?;
            match cmd {
                TokenCommand::Create { name, role } => {
                    let issued = tx::write(&db, move |txn| {
                        Box::pin(async move {
                            tokens::create(txn, &cli_actor(), &name, role.into()).await
                        })
                    })
                    .await?;
                    println!("{}", issued.token);
                    eprintln!(
                        "created token {:?} with role {}; it is shown only this once",
                        issued.row.name,
                        issued.row.role.to_value()
                    );
                }
                TokenCommand::List => {
                    for t in tokens::list(&db).await? {
                        let state = t
                            .revoked_at
                            .map_or("active".to_owned(), |at| format!("revoked {at}"));
                        println!(
                            "{}\t{}\tcreated {}\t{state}",
                            t.name,
                            t.role.to_value(),
                            t.created_at
                        );
                    }
                }
                TokenCommand::Revoke { name } => {
                    let row = tx::write(&db, move |txn| {
                        Box::pin(async move { tokens::revoke(txn, &cli_actor(), &name).await })
                    })
                    .await?;
                    println!("revoked token {:?}", row.name);
                }
            }
            Ok(())
        }
    }
}

/// The error for `caregraph seed --synthetic …`, which moved to the tools crate: the command
/// to run instead, with the same arguments.
fn synthetic_moved(args: &[String]) -> anyhow::Error {
    let mut command = "cargo run --release -p caregraph-tools -- synthetic".to_owned();
    for arg in args {
        command.push(' ');
        command.push_str(arg);
    }
    anyhow::anyhow!(
        "`caregraph seed --synthetic` has moved to the tools: run `{command}` \
         (same flags, same DATABASE_URL; see docs/tools.md)"
    )
}

async fn serve_until_stopped(config: &Config, serve: &ServeConfig) -> anyhow::Result<()> {
    let app = Application::build(config, serve).await?;
    app.run_until_stopped().await?;
    Ok(())
}
