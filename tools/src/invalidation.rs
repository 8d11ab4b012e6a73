//! How long after a commit every caregraph replica stops serving the cached answer the commit
//! made stale: the push-invalidation measurement of `bench/invalidation`.
//!
//! For each write: every replica answers the condition's name (anonymously: the cached path)
//! until the name is in every cache; a direct `UPDATE` on the database renames the condition
//! (a write by another system, which only the database's triggers see); the time from the
//! commit's acknowledgement to each replica's first answer with the new name is recorded.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use sea_orm::{ConnectionTrait as _, Database, Statement};
use serde_json::{Value, json};

/// Pause between two probes of one replica: the resolution of the measurement.
const PROBE_PAUSE: Duration = Duration::from_millis(1);
/// A write slower than this is named on standard error.
const SLOW: Duration = Duration::from_millis(20);
/// Longest a replica may take before the write counts as lost.
const GIVE_UP: Duration = Duration::from_secs(5);

#[derive(clap::Args)]
pub struct Args {
    /// The database the replicas serve (caregraph's DATABASE_URL).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// A replica's base URL (`http://127.0.0.1:8080`); repeat for each.
    #[arg(long = "replica", required = true)]
    pub replicas: Vec<String>,
    /// Writes to time.
    #[arg(long, default_value_t = 100)]
    pub writes: usize,
    /// The condition renamed by each write.
    #[arg(long, default_value = "postpartum-low-back-pain")]
    pub slug: String,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let db = Database::connect(&args.database_url)
        .await
        .context("cannot connect to the database")?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4)
        .build()?;
    let query = json!({
        "query": "query InvalidationProbe($slug: String!) { condition(slug: $slug) { name } }",
        "variables": { "slug": args.slug },
    });
    let original = name_of(&client, &args.replicas[0], &query).await?;
    let mut worst = Vec::with_capacity(args.writes);
    let mut all = Vec::with_capacity(args.writes * args.replicas.len());
    for write in 0..args.writes {
        let name = format!("Invalidation probe {write}");
        // Every replica holds the current name in its cache.
        for replica in &args.replicas {
            for _ in 0..2 {
                name_of(&client, replica, &query).await?;
            }
        }
        rename(&db, &args.slug, &name).await?;
        let committed = Instant::now();
        let waits = futures_util::future::try_join_all(
            args.replicas
                .iter()
                .map(|replica| first_answer_with(&client, replica, &query, &name, committed)),
        )
        .await?;
        all.extend(waits.iter().copied());
        let slowest = waits.into_iter().max().unwrap_or_default();
        if slowest > SLOW {
            eprintln!(
                "write {write}: {:.1} ms to the slowest replica",
                slowest.as_secs_f64() * 1000.0
            );
        }
        worst.push(slowest);
    }
    rename(&db, &args.slug, &original).await?;
    report("every replica", &mut worst);
    report("each replica", &mut all);
    Ok(())
}

async fn rename(db: &sea_orm::DatabaseConnection, slug: &str, name: &str) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE node SET name = $1 WHERE slug = $2",
        _ => "UPDATE node SET name = ? WHERE slug = ?",
    };
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [name.into(), slug.into()],
        ))
        .await?;
    if done.rows_affected() != 1 {
        bail!("no node {slug} to rename");
    }
    Ok(())
}

async fn name_of(client: &reqwest::Client, replica: &str, query: &Value) -> anyhow::Result<String> {
    let body: Value = client
        .post(format!("{replica}/graphql"))
        .json(query)
        .send()
        .await
        .with_context(|| format!("{replica} does not answer"))?
        .json()
        .await?;
    body["data"]["condition"]["name"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{replica} answered {body}"))
}

async fn first_answer_with(
    client: &reqwest::Client,
    replica: &str,
    query: &Value,
    name: &str,
    since: Instant,
) -> anyhow::Result<Duration> {
    loop {
        if name_of(client, replica, query).await? == name {
            return Ok(since.elapsed());
        }
        if since.elapsed() > GIVE_UP {
            bail!("{replica} still served the old name {GIVE_UP:?} after the commit");
        }
        // Asking without a pause would take the cores the replicas need to notice the commit.
        tokio::time::sleep(PROBE_PAUSE).await;
    }
}

/// Prints the median, p90, p99 and maximum of `times`, in milliseconds, on one line.
fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    #[expect(clippy::print_stdout, reason = "the tool's report")]
    {
        println!(
            "{what}: n={} p50={:.1}ms p90={:.1}ms p99={:.1}ms max={:.1}ms",
            times.len(),
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
}
