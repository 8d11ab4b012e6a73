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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use caregraph::cli::{Cli, Command};
use caregraph::domain::rules::auth::Actor;
use caregraph::domain::service::tokens;
use caregraph::startup::Application;
use clap::Parser;
use entity::sea_orm_active_enums::Role;
use entity::{audit_event, citation, edge, node};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "../tests/support/scratch_db.rs"]
mod scratch_db;
use scratch_db::ScratchDatabase;

/// The article the seed graph cites: every quote the editors send is one of its sentences.
const ARTICLE: &str = include_str!("../data/sources/back-pain-after-epidural.txt");

/// Bounded soak of caregraph: concurrent readers and editors on loopback, then a check that
/// every acknowledged write is in the audit log and in the data.
#[derive(Parser, Debug)]
struct Args {
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

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
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
    let result = soak(&args, &database.url).await;
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
        tasks.push(tokio::spawn(async move { reader(&shared, i).await }));
    }
    for (i, team) in teams.iter().enumerate() {
        let shared = Arc::clone(&shared);
        let team = team.clone();
        tasks.push(tokio::spawn(async move { editor(&shared, i, &team).await }));
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
    let audit = audit(&db, &shared, &actors)
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

/// A node the soak created.
#[derive(Clone)]
struct SoakNode {
    id: Uuid,
    kind: &'static str,
}

/// A write the server acknowledged: 200, data, no errors.
#[derive(Clone, Debug)]
struct Ack {
    actor: String,
    action: &'static str,
    target: Uuid,
    /// For node writes: the node's version the answer returned.
    version: Option<i32>,
}

/// What one GraphQL request came to.
enum Outcome {
    Data(Value),
    Errors,
    Failed,
}

#[derive(Default)]
struct OpStats {
    requests: u64,
    ok: u64,
    latencies_us: Vec<u32>,
}

#[derive(Default)]
struct Stats {
    ops: BTreeMap<&'static str, OpStats>,
    errors: BTreeMap<String, u64>,
}

struct Shared {
    client: reqwest::Client,
    url: String,
    deadline: Instant,
    requests: AtomicU64,
    stats: Mutex<Stats>,
    acks: Mutex<Vec<Ack>>,
    /// Quotes each created node or link was created with.
    citations: Mutex<HashMap<Uuid, Vec<String>>>,
    /// Created nodes and links, for the final check that they exist.
    created_nodes: Mutex<Vec<Uuid>>,
    created_links: Mutex<Vec<Uuid>>,
    pool: Mutex<Vec<SoakNode>>,
    /// Writes that got no answer (transport error): their outcome is unknown.
    unknown_writes: AtomicU64,
    source_id: Mutex<String>,
    conditions: Mutex<Vec<(Uuid, String)>>,
    sentences: Vec<&'static str>,
}

impl Shared {
    fn new(client: reqwest::Client, url: String, seconds: u64) -> Self {
        Self {
            client,
            url,
            deadline: Instant::now() + Duration::from_secs(seconds),
            requests: AtomicU64::new(0),
            stats: Mutex::new(Stats::default()),
            acks: Mutex::new(Vec::new()),
            citations: Mutex::new(HashMap::new()),
            created_nodes: Mutex::new(Vec::new()),
            created_links: Mutex::new(Vec::new()),
            pool: Mutex::new(Vec::new()),
            unknown_writes: AtomicU64::new(0),
            source_id: Mutex::new(String::new()),
            conditions: Mutex::new(Vec::new()),
            sentences: sentences(ARTICLE),
        }
    }

    /// The article's source id and the seeded conditions (published, linkable).
    async fn load_fixtures(&self) -> Result<(), String> {
        let Outcome::Data(data) = self
            .call(
                "setup",
                None,
                "{ sources { id } conditions(first: 100) { nodes { id slug } } }",
                json!({}),
            )
            .await
        else {
            return Err("cannot read the seeded graph".to_owned());
        };
        let source = data["sources"][0]["id"]
            .as_str()
            .ok_or("no source in the seeded graph")?;
        *lock(&self.source_id) = source.to_owned();
        let conditions: Vec<(Uuid, String)> = data["conditions"]["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .filter_map(|n| {
                        Some((
                            n["id"].as_str()?.parse().ok()?,
                            n["slug"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if conditions.is_empty() {
            return Err("no condition in the seeded graph".to_owned());
        }
        *lock(&self.conditions) = conditions;
        Ok(())
    }

    fn running(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// POSTs one GraphQL request and records its latency and outcome under `op`.
    async fn call(
        &self,
        op: &'static str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Outcome {
        let mut request = self
            .client
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let started = Instant::now();
        let answer = match request.send().await {
            Ok(resp) => {
                let status = resp.status();
                resp.text().await.map(|body| (status, body))
            }
            Err(err) => Err(err),
        };
        let latency = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        self.requests.fetch_add(1, Ordering::Relaxed);
        let outcome = match answer {
            Err(err) => {
                self.error(&format!("TRANSPORT ({})", transport_kind(&err)));
                Outcome::Failed
            }
            Ok((status, body)) => match serde_json::from_str::<Value>(&body) {
                Ok(body) if status.is_success() => match body.get("errors") {
                    Some(errors) => {
                        for e in errors.as_array().into_iter().flatten() {
                            self.error(e["extensions"]["code"].as_str().unwrap_or("(no code)"));
                        }
                        Outcome::Errors
                    }
                    None => Outcome::Data(body["data"].clone()),
                },
                _ => {
                    self.error(&format!("HTTP {}", status.as_u16()));
                    Outcome::Failed
                }
            },
        };
        let mut stats = lock(&self.stats);
        let entry = stats.ops.entry(op).or_default();
        entry.requests += 1;
        if matches!(outcome, Outcome::Data(_)) {
            entry.ok += 1;
        }
        entry.latencies_us.push(latency);
        outcome
    }

    fn error(&self, code: &str) {
        *lock(&self.stats).errors.entry(code.to_owned()).or_default() += 1;
    }

    /// A write: acknowledged only with data and no errors; a transport failure leaves its
    /// outcome unknown (counted, and reported).
    async fn write(
        &self,
        op: &'static str,
        token: &str,
        query: &str,
        variables: Value,
    ) -> Option<Value> {
        match self.call(op, Some(token), query, variables).await {
            Outcome::Data(data) => Some(data),
            Outcome::Errors => None,
            Outcome::Failed => {
                self.unknown_writes.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    fn ack(&self, actor: &str, action: &'static str, target: Uuid, version: Option<i32>) {
        lock(&self.acks).push(Ack {
            actor: actor.to_owned(),
            action,
            target,
            version,
        });
    }

    fn pick_node(&self, rng: &mut Rng) -> Option<SoakNode> {
        let pool = lock(&self.pool);
        (!pool.is_empty()).then(|| pool[rng.below(pool.len())].clone())
    }

    fn pick_condition(&self, rng: &mut Rng) -> (Uuid, String) {
        let conditions = lock(&self.conditions);
        conditions[rng.below(conditions.len())].clone()
    }

    /// One to two distinct sentences of the article.
    fn quotes(&self, rng: &mut Rng) -> Vec<String> {
        let first = rng.below(self.sentences.len());
        let mut quotes = vec![self.sentences[first].to_owned()];
        if rng.below(2) == 0 {
            let second = (first + 1 + rng.below(self.sentences.len() - 1)) % self.sentences.len();
            quotes.push(self.sentences[second].to_owned());
        }
        quotes
    }

    fn citations_input(&self, quotes: &[String]) -> Value {
        let source = lock(&self.source_id).clone();
        Value::Array(
            quotes
                .iter()
                .map(|q| json!({ "sourceId": source, "quote": q }))
                .collect(),
        )
    }

    fn report(&self, elapsed: Duration) -> String {
        let stats = lock(&self.stats);
        let mut all: Vec<u32> = Vec::new();
        let mut out = String::new();
        let total: u64 = stats.ops.values().map(|o| o.requests).sum();
        let secs = elapsed.as_secs_f64();
        out.push_str(&format!(
            "requests: {total} in {secs:.1} s = {:.0} requests/s\n",
            total as f64 / secs
        ));
        out.push_str("per operation (requests, ok, p50, p99):\n");
        for (op, o) in &stats.ops {
            let mut l = o.latencies_us.clone();
            l.sort_unstable();
            out.push_str(&format!(
                "  {op:<16} {:>8} {:>8} {:>9} {:>9}\n",
                o.requests,
                o.ok,
                ms(percentile(&l, 50.0)),
                ms(percentile(&l, 99.0))
            ));
            all.extend(l);
        }
        all.sort_unstable();
        out.push_str(&format!(
            "latency: p50 {} p99 {} max {}\n",
            ms(percentile(&all, 50.0)),
            ms(percentile(&all, 99.0)),
            ms(all.last().copied().unwrap_or(0))
        ));
        if stats.errors.is_empty() {
            out.push_str("errors by code: none\n");
        } else {
            out.push_str("errors by code:");
            for (code, n) in &stats.errors {
                out.push_str(&format!(" {code}={n}"));
            }
            out.push('\n');
        }
        out.push_str(&format!(
            "writes with no answer (outcome unknown): {}",
            self.unknown_writes.load(Ordering::Relaxed)
        ));
        out
    }
}

fn transport_kind(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connect"
    } else {
        "other"
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(us: u32) -> String {
    format!("{:.1} ms", f64::from(us) / 1000.0)
}

/// The article's sentences, as slices of its text (so each is a verbatim passage).
fn sentences(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .flat_map(|line| line.split_inclusive(". "))
        .map(str::trim)
        .filter(|s| (20..=400).contains(&s.chars().count()))
        .collect()
}

/// xorshift64*: the soak needs variety, not statistics.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let nanos = Uuid::now_v7().as_u128() as u64;
        Self((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ nanos) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const CONDITION_PAGE: &str = r"query($slug: String!) { condition(slug: $slug) {
  id slug name summary status reviewedBy citations { quote source { title } }
  symptomLinks { symptom { id slug name } timing citations { quote } }
  causeLinks { cause { id slug name } timing note citations { quote } }
  notCausedBy { cause { name } negated note citations { quote } }
  treatmentLinks { treatment { id slug name treatmentType } place howTo circumstance citations { quote } }
  riskFactorLinks { risk { id slug name } note }
  differentials { slug name } } }";

const LISTS: &str = r"query($after: String) {
  conditions(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug name } } }
  treatments(first: 50, orderBy: { field: NAME, direction: DESC }) { nodes { slug name treatmentType conditions { slug } } } }";

const NODE: &str = r"query($id: ID!) { node(id: $id) { id kind slug name status version } }";

async fn reader(shared: &Shared, i: usize) {
    let mut rng = Rng::new(i as u64 + 1);
    while shared.running() {
        match rng.below(10) {
            0..=3 => {
                let (_, slug) = shared.pick_condition(&mut rng);
                shared
                    .call(
                        "read condition",
                        None,
                        CONDITION_PAGE,
                        json!({ "slug": slug }),
                    )
                    .await;
            }
            4..=6 => {
                shared.call("read lists", None, LISTS, json!({})).await;
            }
            7 | 8 => {
                // Soak nodes are drafts until published: anonymous readers see only those
                // reviewers published.
                let id = shared
                    .pick_node(&mut rng)
                    .map_or_else(|| shared.pick_condition(&mut rng).0, |n| n.id);
                shared
                    .call("read node", None, NODE, json!({ "id": id }))
                    .await;
            }
            _ => {
                shared
                    .call(
                        "read sources",
                        None,
                        "{ sources { id title url } }",
                        json!({}),
                    )
                    .await;
            }
        }
    }
}

const CREATE: &str =
    r"mutation($input: CreateNodeInput!) { createNode(input: $input) { id version } }";
const UPDATE: &str =
    r"mutation($input: UpdateNodeInput!) { updateNode(input: $input) { id version } }";
const LINK: &str = r"mutation($input: LinkInput!) { link(input: $input) { id version } }";
const STATE: &str = r"query($id: ID!) { node(id: $id) { version status pendingStatus } }";
const CONTENT: &str = "... on Condition { version } ... on Cause { version } \
    ... on Symptom { version } ... on Risk { version } ... on Treatment { version }";

const KINDS: &[&str] = &["CONDITION", "CAUSE", "SYMPTOM", "RISK", "TREATMENT"];

async fn editor(shared: &Shared, i: usize, team: &Team) {
    let mut rng = Rng::new(1000 + i as u64);
    let mut created = 0usize;
    while shared.running() {
        let have_nodes = !lock(&shared.pool).is_empty();
        match rng.below(10) {
            _ if !have_nodes => create(shared, &mut rng, i, &mut created, team).await,
            0..=2 => create(shared, &mut rng, i, &mut created, team).await,
            3..=5 => update(shared, &mut rng, team).await,
            6 | 7 => link(shared, &mut rng, team).await,
            _ => review(shared, &mut rng, team).await,
        }
    }
}

async fn create(shared: &Shared, rng: &mut Rng, i: usize, created: &mut usize, team: &Team) {
    *created += 1;
    let kind = KINDS[rng.below(KINDS.len())];
    let slug = format!("soak-{}-e{i}-{created}", team.run);
    let quotes = shared.quotes(rng);
    let mut input = json!({
        "kind": kind, "slug": slug, "name": format!("Soak {} {slug}", kind.to_lowercase()),
        "summary": "Written by the soak test.", "citations": shared.citations_input(&quotes),
    });
    if kind == "TREATMENT" {
        input["treatmentType"] = json!("SELF_CARE");
    }
    let (name, secret) = &team.editor;
    let Some(data) = shared
        .write("createNode", secret, CREATE, json!({ "input": input }))
        .await
    else {
        return;
    };
    let Some(id) = uuid_of(&data["createNode"]["id"]) else {
        return;
    };
    let version = version_of(&data["createNode"]);
    shared.ack(name, "create_node", id, version);
    lock(&shared.citations).insert(id, quotes);
    lock(&shared.created_nodes).push(id);
    lock(&shared.pool).push(SoakNode { id, kind });
}

/// Reads a node's (version, status, pending status) as the content team sees it.
async fn state(shared: &Shared, token: &str, id: Uuid) -> Option<(i64, String, String)> {
    let Outcome::Data(data) = shared
        .call("read version", Some(token), STATE, json!({ "id": id }))
        .await
    else {
        return None;
    };
    let node = &data["node"];
    Some((
        node["version"].as_i64()?,
        node["status"].as_str()?.to_owned(),
        node["pendingStatus"].as_str().unwrap_or("").to_owned(),
    ))
}

async fn update(shared: &Shared, rng: &mut Rng, team: &Team) {
    let Some(node) = shared.pick_node(rng) else {
        return;
    };
    let (name, secret) = &team.editor;
    let Some((mut version, ..)) = state(shared, secret, node.id).await else {
        return;
    };
    // Now and then a stale version, as an editor with an old tab open sends.
    if rng.below(8) == 0 {
        version -= 1;
    }
    let input = json!({
        "id": node.id, "version": version,
        "name": format!("Soak {} edited {}", node.kind.to_lowercase(), rng.below(1_000_000)),
        "summary": format!("Edited by {name}."),
    });
    if let Some(data) = shared
        .write("updateNode", secret, UPDATE, json!({ "input": input }))
        .await
    {
        shared.ack(
            name,
            "update_node",
            node.id,
            version_of(&data["updateNode"]),
        );
    }
}

async fn link(shared: &Shared, rng: &mut Rng, team: &Team) {
    let Some(node) = shared.pick_node(rng) else {
        return;
    };
    let (condition, _) = shared.pick_condition(rng);
    let (subject, predicate, object) = match node.kind {
        "SYMPTOM" => (condition, "HAS_SYMPTOM", node.id),
        "CAUSE" => (condition, "CAUSED_BY", node.id),
        "TREATMENT" => (condition, "TREATED_BY", node.id),
        "RISK" => (condition, "HAS_RISK_FACTOR", node.id),
        _ => (node.id, "DIFFERENTIAL_OF", condition),
    };
    let quotes = shared.quotes(rng);
    let mut input = json!({
        "subjectId": subject, "predicate": predicate, "objectId": object,
        "citations": shared.citations_input(&quotes),
    });
    if predicate == "TREATED_BY" {
        input["howTo"] = json!("as the soak test says");
    }
    let (name, secret) = &team.editor;
    // The same link twice is refused (BAD_USER_INPUT): expected now and then.
    let Some(data) = shared
        .write("link", secret, LINK, json!({ "input": input }))
        .await
    else {
        return;
    };
    if let Some(id) = uuid_of(&data["link"]["id"]) {
        shared.ack(name, "link", id, None);
        lock(&shared.citations).insert(id, quotes);
        lock(&shared.created_links).push(id);
    }
}

/// Takes a node one step through review: submit a draft (editor), then publish or reject
/// it (reviewer); a published node without a pending edit gets one first.
async fn review(shared: &Shared, rng: &mut Rng, team: &Team) {
    let Some(node) = shared.pick_node(rng) else {
        return;
    };
    let (editor, editor_secret) = &team.editor;
    let (reviewer, reviewer_secret) = &team.reviewer;
    let Some((mut version, status, pending)) = state(shared, editor_secret, node.id).await else {
        return;
    };
    let submittable = matches!(status.as_str(), "DRAFT" | "REJECTED")
        || (status == "PUBLISHED" && matches!(pending.as_str(), "DRAFT" | "REJECTED"));
    let in_review = status == "IN_REVIEW" || (status == "PUBLISHED" && pending == "IN_REVIEW");
    if status == "PUBLISHED" && pending.is_empty() {
        return update(shared, rng, team).await;
    }
    if !submittable && !in_review {
        return;
    }
    if submittable {
        let q = format!(
            "mutation($id: ID!, $v: Int!) {{ submitForReview(id: $id, version: $v) {{ {CONTENT} }} }}"
        );
        let Some(data) = shared
            .write(
                "submitForReview",
                editor_secret,
                &q,
                json!({ "id": node.id, "v": version }),
            )
            .await
        else {
            return;
        };
        let Some(v) = version_of(&data["submitForReview"]) else {
            return;
        };
        shared.ack(editor, "submit_for_review", node.id, Some(v));
        version = i64::from(v);
    }
    let (op, action, extra) = if rng.below(5) == 0 {
        ("reject", "reject", r#", reason: "needs a better citation""#)
    } else {
        ("publish", "publish", "")
    };
    let q = format!(
        "mutation($id: ID!, $v: Int!) {{ {op}(id: $id, version: $v{extra}) {{ {CONTENT} }} }}"
    );
    if let Some(data) = shared
        .write(
            op,
            reviewer_secret,
            &q,
            json!({ "id": node.id, "v": version }),
        )
        .await
    {
        shared.ack(reviewer, action, node.id, version_of(&data[op]));
    }
}

fn uuid_of(v: &Value) -> Option<Uuid> {
    v.as_str()?.parse().ok()
}

fn version_of(v: &Value) -> Option<i32> {
    i32::try_from(v["version"].as_i64()?).ok()
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

/// What the final audit found.
struct Audit {
    acknowledged: usize,
    events: usize,
    by_action: BTreeMap<String, (usize, usize)>,
    lost: Vec<String>,
    extra: Vec<String>,
    data_problems: Vec<String>,
    nodes_checked: usize,
    links_checked: usize,
    citations_checked: usize,
}

impl Audit {
    fn passed(&self) -> bool {
        self.lost.is_empty()
            && self.extra.is_empty()
            && self.data_problems.is_empty()
            && self.acknowledged == self.events
    }
}

impl std::fmt::Display for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "writes acknowledged: {}; audit events of the soak's tokens: {}",
            self.acknowledged, self.events
        )?;
        for (action, (acked, found)) in &self.by_action {
            writeln!(
                f,
                "  {action:<18} acknowledged {acked:>6}  in the audit log {found:>6}"
            )?;
        }
        writeln!(
            f,
            "data: {} nodes, {} links and {} citations checked",
            self.nodes_checked, self.links_checked, self.citations_checked
        )?;
        writeln!(
            f,
            "lost writes: {}; extra writes: {}; data problems: {}",
            self.lost.len(),
            self.extra.len(),
            self.data_problems.len()
        )?;
        for line in self
            .lost
            .iter()
            .map(|l| format!("  lost: {l}"))
            .chain(self.extra.iter().map(|l| format!("  extra: {l}")))
            .chain(self.data_problems.iter().map(|l| format!("  data: {l}")))
            .take(30)
        {
            writeln!(f, "{line}")?;
        }
        write!(
            f,
            "{}",
            if self.passed() {
                "PASS: every acknowledged write is in the audit log and the data, and nothing else is"
            } else {
                "FAIL: see above"
            }
        )
    }
}

/// Compares the acknowledged writes with the audit log and the data.
async fn audit(
    db: &DatabaseConnection,
    shared: &Shared,
    actors: &[String],
) -> Result<Audit, sea_orm::DbErr> {
    let acks = lock(&shared.acks).clone();
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::ActorName.is_in(actors.iter().cloned()))
        .all(db)
        .await?;

    // Multisets of (actor, action, target).
    let mut expected: BTreeMap<(String, String, Uuid), i64> = BTreeMap::new();
    let mut by_action: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for a in &acks {
        *expected
            .entry((a.actor.clone(), a.action.to_owned(), a.target))
            .or_default() += 1;
        by_action.entry(a.action.to_owned()).or_default().0 += 1;
    }
    for e in &events {
        *expected
            .entry((e.actor_name.clone(), e.action.clone(), e.target_id))
            .or_default() -= 1;
        by_action.entry(e.action.clone()).or_default().1 += 1;
    }
    let mut lost = Vec::new();
    let mut extra = Vec::new();
    for ((actor, action, target), n) in expected {
        let line = format!("{actor} {action} {target}");
        for _ in 0..n.max(0) {
            lost.push(line.clone());
        }
        for _ in 0..(-n).max(0) {
            extra.push(line.clone());
        }
    }

    let mut data_problems = Vec::new();
    let wanted_citations = lock(&shared.citations).clone();
    let created_nodes = lock(&shared.created_nodes).clone();
    let created_links = lock(&shared.created_links).clone();
    let nodes: HashMap<Uuid, node::Model> = node::Entity::find()
        .filter(node::Column::Id.is_in(created_nodes.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let links: BTreeSet<Uuid> = edge::Entity::find()
        .filter(edge::Column::Id.is_in(created_links.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    let mut found_citations: HashMap<Uuid, Vec<String>> = HashMap::new();
    let rows = citation::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(citation::Column::NodeId.is_in(created_nodes.clone()))
                .add(citation::Column::EdgeId.is_in(created_links.clone())),
        )
        .all(db)
        .await?;
    let citations_checked = rows.len();
    for c in rows {
        if let Some(target) = c.node_id.or(c.edge_id) {
            found_citations.entry(target).or_default().push(c.quote);
        }
    }
    for id in &created_nodes {
        if !nodes.contains_key(id) {
            data_problems.push(format!("node {id} was created but is missing"));
        }
    }
    for id in &created_links {
        if !links.contains(id) {
            data_problems.push(format!("link {id} was created but is missing"));
        }
    }
    for (target, quotes) in &wanted_citations {
        let mut want = quotes.clone();
        let mut got = found_citations.get(target).cloned().unwrap_or_default();
        want.sort();
        got.sort();
        if want != got {
            data_problems.push(format!(
                "{target}: created with {} citations, holds {}",
                want.len(),
                got.len()
            ));
        }
    }
    // Each acknowledged node write returned the version it made; together they must be
    // 1..=final version, each once.
    let mut versions: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for a in &acks {
        if let (Some(v), true) = (a.version, nodes.contains_key(&a.target)) {
            versions.entry(a.target).or_default().push(v);
        }
    }
    for (id, row) in &nodes {
        let mut seen = versions.remove(id).unwrap_or_default();
        seen.sort_unstable();
        let want: Vec<i32> = (1..=row.version).collect();
        if seen != want {
            data_problems.push(format!(
                "node {id}: at version {}, acknowledged writes returned versions {seen:?}",
                row.version
            ));
        }
    }

    Ok(Audit {
        acknowledged: acks.len(),
        events: events.len(),
        by_action,
        lost,
        extra,
        data_problems,
        nodes_checked: nodes.len(),
        links_checked: links.len(),
        citations_checked,
    })
}
