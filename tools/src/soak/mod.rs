//! A bounded soak: caregraph in this process on 127.0.0.1 (port 0) over a fresh database,
//! concurrent anonymous readers and content-team editors for a fixed time, then an audit:
//! every write the server acknowledged must be in the audit log and in the data, and the log
//! must hold nothing else. Run it with `bench/soak` (see `bench/README-soak.md`).
//!
//! Editors create nodes (with citations), update them with the version they read (two
//! editors on the same node make CONFLICTs, which are expected), link them into the article's
//! graph, and take them through review (submit, publish or reject, with a reviewer token).
//! Readers load the condition page, node lists, sources and single nodes.
//!
//! What is checked at the end, straight in the database:
//! - the multiset of (actor, action, target id) of the audit events written by the soak's
//!   tokens equals the multiset of acknowledged writes: nothing lost, nothing extra;
//! - every created node and link exists, with exactly the citations it was created with;
//! - for every node, the versions the acknowledged writes returned are exactly 1, 2, …, its
//!   final version, each once: no acknowledged write was overwritten, none happened unseen.

#![expect(
    clippy::print_stdout,
    reason = "a command-line tool: its report is its output"
)]

mod audit;
mod client;
mod workload;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use caregraph::cli::{Cli, Command};
use caregraph::domain::rules::auth::Actor;
use caregraph::domain::service::tokens;
use caregraph::startup::Application;
use clap::Parser as _;
use entity::sea_orm_active_enums::Role;
use serde_json::json;
use uuid::Uuid;

use client::{Outcome, Shared, lock};

// The test suites' scratch database, shared with them rather than copied.
#[path = "../../../tests/support/scratch_db.rs"]
mod scratch_db;
use scratch_db::ScratchDatabase;

/// The article the seed graph cites: every quote the editors send is one of its sentences.
const ARTICLE: &str = include_str!("../../../data/sources/back-pain-after-epidural.txt");

/// Bounded soak of caregraph: concurrent readers and editors on loopback, then a check that
/// every acknowledged write is in the audit log and in the data.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// How long the load runs, in seconds.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Concurrent anonymous readers.
    #[arg(long, default_value_t = 8)]
    readers: usize,
    /// Concurrent editors (each with an editor and a reviewer token of its own).
    #[arg(long, default_value_t = 4)]
    editors: usize,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 5)]
    progress: u64,
    /// Server worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    workers: usize,
    /// Database: unset for a fresh SQLite file in a temporary directory; a `postgres://` URL
    /// names a server on which a fresh database is created, and dropped at the end; a
    /// `sqlite://` URL is used as it is.
    #[arg(long, env = "SOAK_DATABASE_URL")]
    database_url: Option<String>,
    /// Check the checker: record one write the server never made, so the audit must report
    /// it as lost and the soak must fail.
    #[arg(long, hide = true)]
    self_check: bool,
    /// Keep the server's rate limit (its default or `CAREGRAPH_RATE_LIMIT_*`); by default the
    /// soak turns it off, since all its readers share one address.
    #[arg(long)]
    keep_rate_limit: bool,
}

/// Runs the soak and says how it went: success, 1 when the audit finds a lost or extra write
/// (or the server stopped answering), 2 when the soak could not run.
pub async fn run(args: &Args) -> ExitCode {
    let database = match args.database_url.as_deref() {
        Some(url) if !url.starts_with("postgres") => Ok(ScratchDatabase::borrowed(url)),
        admin => ScratchDatabase::create("caregraph_soak", admin).await,
    };
    let database = match database {
        Ok(database) => database,
        Err(err) => {
            eprintln!("soak: cannot prepare the database: {err}");
            return ExitCode::from(2);
        }
    };
    let result = soak(args, &database.url).await;
    match database.drop_now().await {
        Ok(Some(name)) => eprintln!("soak: dropped database {name}"),
        Ok(None) => {}
        Err(err) => eprintln!("soak: could not {err}"),
    }
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("soak: {err}");
            ExitCode::from(2)
        }
    }
}

/// Runs the whole soak; `Ok(false)` when the final audit finds a lost or extra write.
async fn soak(args: &Args, database_url: &str) -> Result<bool, String> {
    let workers = args.workers.to_string();
    let mut argv = vec![
        "caregraph",
        "--database-url",
        database_url,
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--workers",
        &workers,
    ];
    if !args.keep_rate_limit {
        argv.extend(["--rate-limit-per-second", "0"]);
    }
    let cli = Cli::try_parse_from(argv).map_err(|e| format!("server settings: {e}"))?;
    let _logs = caregraph::telemetry::init(cli.config.log_format);
    let Some(Command::Serve { serve, .. }) = cli.command else {
        return Err("the server settings did not parse as `serve`".to_owned());
    };
    let app = Application::build(&cli.config, &serve)
        .await
        .map_err(|e| format!("cannot start caregraph: {e}"))?;
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    let db = app.db().clone();
    let server = app.into_server();
    let handle = server.handle();
    tokio::spawn(server);

    let run = Uuid::now_v7().simple().to_string();
    let run = &run[run.len() - 8..];
    let setup = Actor::person(format!("soak-setup-{run}"), Role::Admin);
    let mut teams = Vec::new();
    for i in 0..args.editors {
        let editor = format!("soak-{run}-editor-{i}");
        let reviewer = format!("soak-{run}-reviewer-{i}");
        let editor_secret = tokens::create(&db, &setup, &editor, Role::Editor)
            .await
            .map_err(|e| format!("create token: {e}"))?
            .token;
        let reviewer_secret = tokens::create(&db, &setup, &reviewer, Role::Reviewer)
            .await
            .map_err(|e| format!("create token: {e}"))?
            .token;
        teams.push(Team {
            run: run.to_owned(),
            editor: (editor, editor_secret),
            reviewer: (reviewer, reviewer_secret),
        });
    }

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.readers + 2 * args.editors)
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    let shared = Arc::new(Shared::new(client, url, args.duration));
    shared.load_fixtures().await?;
    println!(
        "soak: {} readers, {} editors for {} s on {} (server workers: {}, rate limit: {})",
        args.readers,
        args.editors,
        args.duration,
        database_kind(database_url),
        if args.workers == 0 {
            "one per core".to_owned()
        } else {
            args.workers.to_string()
        },
        if args.keep_rate_limit { "kept" } else { "off" },
    );

    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..args.readers {
        let shared = Arc::clone(&shared);
        tasks.push(tokio::spawn(
            async move { workload::reader(&shared, i).await },
        ));
    }
    for (i, team) in teams.iter().enumerate() {
        let shared = Arc::clone(&shared);
        let team = team.clone();
        tasks.push(tokio::spawn(async move {
            workload::editor(&shared, i, &team).await
        }));
    }
    let progress = {
        let shared = Arc::clone(&shared);
        let every = Duration::from_secs(args.progress.max(1));
        tokio::spawn(async move { progress_lines(&shared, every).await })
    };
    for task in tasks {
        task.await.map_err(|e| format!("a load task failed: {e}"))?;
    }
    progress.abort();
    let elapsed = started.elapsed();

    // Still serving after the load.
    let after = shared
        .call("read after load", None, r"{ sources { title } }", json!({}))
        .await;
    let still_serving = matches!(after, Outcome::Data(_));
    handle.stop(true).await;

    let report = shared.report(elapsed);
    if args.self_check {
        let actor = teams
            .first()
            .map_or_else(String::new, |t| t.editor.0.clone());
        shared.ack(&actor, "create_node", Uuid::now_v7(), None);
    }
    let actors: Vec<String> = teams
        .iter()
        .flat_map(|t| [t.editor.0.clone(), t.reviewer.0.clone()])
        .collect();
    let audit = audit::audit(&db, &shared, &actors)
        .await
        .map_err(|e| format!("audit: {e}"))?;
    db.close().await.ok();
    println!("{report}");
    println!("{audit}");
    if !still_serving {
        println!("FAIL: the server did not answer a plain query after the load");
    }
    Ok(audit.passed() && still_serving)
}

fn database_kind(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

#[derive(Clone)]
struct Team {
    /// Tells this run's slugs and token names from an earlier run's on a reused database.
    run: String,
    /// (name, secret)
    editor: (String, String),
    reviewer: (String, String),
}

async fn progress_lines(shared: &Shared, every: Duration) {
    let started = Instant::now();
    let mut last = 0;
    loop {
        tokio::time::sleep(every).await;
        let now = shared.requests.load(Ordering::Relaxed);
        let errors: u64 = lock(&shared.stats).errors.values().sum();
        let acks = lock(&shared.acks).len();
        println!(
            "  {:>4.0} s  {now:>8} requests  {:>6.0}/s  {errors:>6} errors  {acks:>6} writes acknowledged",
            started.elapsed().as_secs_f64(),
            (now - last) as f64 / every.as_secs_f64(),
        );
        last = now;
    }
}
