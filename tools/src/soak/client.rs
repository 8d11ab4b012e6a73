//! What the soak's tasks share: the HTTP client, the statistics, the writes the server
//! acknowledged, and the article's sentences to quote.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uuid::Uuid;

use super::ARTICLE;

/// A node the soak created.
#[derive(Clone)]
pub(super) struct SoakNode {
    pub(super) id: Uuid,
    pub(super) kind: &'static str,
}

/// A write the server acknowledged: 200, data, no errors.
#[derive(Clone, Debug)]
pub(super) struct Ack {
    pub(super) actor: String,
    pub(super) action: &'static str,
    pub(super) target: Uuid,
    /// For node writes: the node's version the answer returned.
    pub(super) version: Option<i32>,
}

/// What one GraphQL request came to.
pub(super) enum Outcome {
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
pub(super) struct Stats {
    ops: BTreeMap<&'static str, OpStats>,
    pub(super) errors: BTreeMap<String, u64>,
}

pub(super) struct Shared {
    pub(super) client: reqwest::Client,
    pub(super) url: String,
    pub(super) deadline: Instant,
    pub(super) requests: AtomicU64,
    pub(super) stats: Mutex<Stats>,
    pub(super) acks: Mutex<Vec<Ack>>,
    /// Quotes each created node or link was created with.
    pub(super) citations: Mutex<HashMap<Uuid, Vec<String>>>,
    /// Created nodes and links, for the final check that they exist.
    pub(super) created_nodes: Mutex<Vec<Uuid>>,
    pub(super) created_links: Mutex<Vec<Uuid>>,
    pub(super) pool: Mutex<Vec<SoakNode>>,
    /// Writes that got no answer (transport error): their outcome is unknown.
    pub(super) unknown_writes: AtomicU64,
    pub(super) source_id: Mutex<String>,
    pub(super) conditions: Mutex<Vec<(Uuid, String)>>,
    pub(super) sentences: Vec<&'static str>,
}

impl Shared {
    pub(super) fn new(client: reqwest::Client, url: String, seconds: u64) -> Self {
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
    pub(super) async fn load_fixtures(&self) -> Result<(), String> {
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

    pub(super) fn running(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// POSTs one GraphQL request and records its latency and outcome under `op`.
    pub(super) async fn call(
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
    pub(super) async fn write(
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

    pub(super) fn ack(
        &self,
        actor: &str,
        action: &'static str,
        target: Uuid,
        version: Option<i32>,
    ) {
        lock(&self.acks).push(Ack {
            actor: actor.to_owned(),
            action,
            target,
            version,
        });
    }

    pub(super) fn pick_node(&self, rng: &mut Rng) -> Option<SoakNode> {
        let pool = lock(&self.pool);
        (!pool.is_empty()).then(|| pool[rng.below(pool.len())].clone())
    }

    pub(super) fn pick_condition(&self, rng: &mut Rng) -> (Uuid, String) {
        let conditions = lock(&self.conditions);
        conditions[rng.below(conditions.len())].clone()
    }

    /// One to two distinct sentences of the article.
    pub(super) fn quotes(&self, rng: &mut Rng) -> Vec<String> {
        let first = rng.below(self.sentences.len());
        let mut quotes = vec![self.sentences[first].to_owned()];
        if rng.below(2) == 0 {
            let second = (first + 1 + rng.below(self.sentences.len() - 1)) % self.sentences.len();
            quotes.push(self.sentences[second].to_owned());
        }
        quotes
    }

    pub(super) fn citations_input(&self, quotes: &[String]) -> Value {
        let source = lock(&self.source_id).clone();
        Value::Array(
            quotes
                .iter()
                .map(|q| json!({ "sourceId": source, "quote": q }))
                .collect(),
        )
    }

    pub(super) fn report(&self, elapsed: Duration) -> String {
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

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        let nanos = Uuid::now_v7().as_u128() as u64;
        Self((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ nanos) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
