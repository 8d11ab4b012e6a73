//! The response cache: anonymous answers to queries, kept until the published content changes.
//!
//! What is cached: the body of a query operation that an anonymous caller (no token, or one
//! that is not valid: both read published content only) ran without any error. Keyed by the
//! SHA-256 of the caller's role, the query's token stream (white space, commas and comments
//! do not matter) or its persisted-query hash, the operation name and the variables with
//! their keys sorted.
//!
//! When it is dropped: database triggers change `content_generation` with every committed
//! change to nodes, links, citations and sources, whoever writes them (see the migration
//! `m20261126_000009_create_content_generation`). Each process reads it every poll interval
//! and again right after each mutation it ran; a new value drops every entry. An entry is
//! tagged with the epoch current *before* its request ran, and is only stored and served
//! while that epoch is still current, so a response computed from content older than a
//! publish the process has seen is never served. While the generation cannot be read (the
//! database is away), the cache is bypassed once the last good read is older than the
//! staleness bound: a publish elsewhere is never hidden longer than that.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lru::LruCache;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::graphql_request::GRAPHQL_RESPONSE_JSON;
use super::metrics::CacheMetrics;
use crate::config::CacheConfig;
use crate::domain::service::generation;
use crate::graphql::request::{AnswerCache, CachedAnswer, Key};
use crate::live;
use crate::reads::Reads;

/// How many times to read again (every 5 ms) a generation a notification announced but the
/// database has not replayed yet, before waiting for the next tick.
const CATCH_UP_TRIES: u32 = 40;

/// The cache's side of following the generation: a read drops the entries when it changed.
struct Poller {
    cache: Weak<ResponseCache>,
    reads: Arc<Reads>,
}

impl live::follow::Reader for Poller {
    async fn read(&mut self) -> ControlFlow<(), Option<i64>> {
        let Some(cache) = self.cache.upgrade() else {
            return ControlFlow::Break(());
        };
        cache.poll(self.reads.current()).await;
        ControlFlow::Continue(cache.seen())
    }
}

/// Fixed per-entry bookkeeping (map slot, recency index, `Arc`), counted against the byte
/// budget with the body.
const ENTRY_OVERHEAD: usize = 160;

/// One cached response.
pub struct Entry {
    /// The cache epoch the response was computed in.
    epoch: u64,
    /// The response as sent: `{"data":…}`.
    pub body: Bytes,
    /// Its entity tags under `application/json` and `application/graphql-response+json`.
    etags: [String; 2],
    /// The operation label its metrics are counted under.
    pub operation: String,
}

impl Entry {
    /// The entity tag of this body under `media`.
    pub fn etag(&self, media: &str) -> &str {
        &self.etags[usize::from(media == GRAPHQL_RESPONSE_JSON)]
    }

    fn size(&self) -> usize {
        self.body.len() + self.operation.len() + self.etags[0].len() * 2 + ENTRY_OVERHEAD
    }
}

impl CachedAnswer for Entry {
    fn body(&self) -> &Bytes {
        &self.body
    }

    fn operation(&self) -> &str {
        &self.operation
    }
}

/// The store GraphQL execution reads and fills (`crate::graphql::request`).
impl AnswerCache for ResponseCache {
    type Entry = Entry;

    fn enabled(&self) -> bool {
        self.enabled
    }

    /// The epoch a request about to run belongs to.
    fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The response filed under `key`, when it was computed from the content as it is now.
    fn get(&self, key: &Key) -> Option<Arc<Entry>> {
        let found = self.lookup(key);
        if found.is_some() {
            self.metrics.hits.inc();
        } else {
            self.metrics.misses.inc();
        }
        found
    }

    /// The response filed under the `exact` key of a request's bytes (see [`exact_key`]). A
    /// miss is not counted: the lookup by the normalized key that follows counts it.
    fn get_exact(&self, exact: &Key) -> Option<Arc<Entry>> {
        let found = self.lookup(exact);
        if found.is_some() {
            self.metrics.hits.inc();
        }
        found
    }

    /// Files `body` under `key`, and under `exact` when given (see [`exact_key`]), computed in
    /// `epoch`; a response from an epoch that is no longer current is dropped.
    fn insert(
        &self,
        key: Key,
        exact: Option<Key>,
        epoch: u64,
        body: Bytes,
        operation: String,
    ) -> Option<Arc<Entry>> {
        let entry = Entry {
            epoch,
            etags: [
                etag(&body, super::graphql_request::JSON),
                etag(&body, GRAPHQL_RESPONSE_JSON),
            ],
            body,
            operation,
        };
        let size = entry.size();
        // One large answer must not push out everything else.
        if size > self.max_bytes / 8 {
            return None;
        }
        let mut lru = self.lock();
        // Checked under the lock: an invalidation clears under it too.
        if epoch != self.epoch() {
            return None;
        }
        let entry = Arc::new(entry);
        if let Some(exact) = exact {
            // Counted in full although the body is shared: the budget is never exceeded
            // while one slot outlives the other.
            lru.insert(exact, entry.clone(), size);
        }
        lru.insert(key, entry.clone(), size);
        self.trim(&mut lru);
        Some(entry)
    }

    /// Files an entry found under its normalized key under the `exact` key of a request
    /// that asked for it in other words, so that its next copy skips parsing too.
    fn alias(&self, exact: Key, entry: &Arc<Entry>) {
        let mut lru = self.lock();
        if entry.epoch != self.epoch() {
            return;
        }
        lru.insert(exact, entry.clone(), entry.size());
        self.trim(&mut lru);
    }

    async fn refresh(&self, db: &DatabaseConnection) {
        self.poll(db).await;
    }
}

pub struct ResponseCache {
    enabled: bool,
    max_entries: usize,
    max_bytes: usize,
    poll_interval: Duration,
    staleness_bound: Duration,
    lru: Mutex<Lru>,
    /// Changes each time the database's content generation is seen to change.
    epoch: AtomicU64,
    /// The last content generation read, under a lock so two readers apply their reads in
    /// turn.
    seen: Mutex<Option<i64>>,
    /// When the latest successful read of the generation began, in nanoseconds since
    /// `started`; 0 before the first.
    confirmed_at: AtomicU64,
    started: Instant,
    /// Whether the last read failed (logged once per outage).
    failing: AtomicBool,
    metrics: CacheMetrics,
}

impl ResponseCache {
    pub fn new(config: &CacheConfig, metrics: CacheMetrics) -> Self {
        Self {
            enabled: config.response_cache
                && config.response_cache_max_entries > 0
                && config.response_cache_max_bytes > 0,
            max_entries: config.response_cache_max_entries,
            max_bytes: config.response_cache_max_bytes,
            poll_interval: config.poll_interval(),
            staleness_bound: config.staleness_bound(),
            lru: Mutex::new(Lru::default()),
            epoch: AtomicU64::new(0),
            seen: Mutex::new(None),
            confirmed_at: AtomicU64::new(0),
            started: Instant::now(),
            failing: AtomicBool::new(false),
            metrics,
        }
    }

    fn lookup(&self, key: &Key) -> Option<Arc<Entry>> {
        if !self.fresh() {
            return None;
        }
        let epoch = self.epoch();
        self.lock().get(key, epoch)
    }

    /// Drops the least recently used entries until both bounds hold.
    fn trim(&self, lru: &mut Lru) {
        let mut evicted = 0;
        while lru.len() > self.max_entries || lru.bytes > self.max_bytes {
            if !lru.pop_oldest() {
                break;
            }
            evicted += 1;
        }
        self.metrics.evictions.inc_by(evicted);
        self.publish_size(lru);
    }

    /// Reads the content generation from `db` and drops every entry when it changed.
    pub async fn poll(&self, db: &DatabaseConnection) {
        let began = self.since_start();
        match generation::current(db).await {
            Ok(value) => {
                if self.failing.swap(false, Ordering::SeqCst) {
                    tracing::info!("content generation readable again: response cache back on");
                }
                self.observe(value, began);
            }
            Err(err) => {
                if !self.failing.swap(true, Ordering::SeqCst) {
                    tracing::warn!(
                        error = %err,
                        bypass_after_ms = self.staleness_bound.as_millis(),
                        "cannot read the content generation; the response cache is bypassed \
                         until it can"
                    );
                }
            }
        }
    }

    /// Reads the generation of `db` every poll interval, and at once when `pushed` announces
    /// a new one (a commit notified on PostgreSQL), until the cache is dropped (when the
    /// server stops). An announced generation `db` has not replayed yet (a lagging standby)
    /// is read again shortly, so the entries drop as soon as `db` has the change, and never
    /// before: an answer read from `db` earlier would be stored again.
    pub fn spawn_poller(self: &Arc<Self>, reads: Arc<Reads>, pushed: watch::Receiver<i64>) {
        if !self.enabled {
            return;
        }
        let cache: Weak<Self> = Arc::downgrade(self);
        let interval = self.poll_interval;
        tokio::spawn(async move {
            let mut reader = Poller { cache, reads };
            live::follow::follow(interval, pushed, CATCH_UP_TRIES, &mut reader).await;
            tracing::debug!("content generation poller stopped");
        });
    }

    /// The last generation read.
    fn seen(&self) -> Option<i64> {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn observe(&self, value: i64, began: u64) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if *seen != Some(value) {
            let first = seen.is_none();
            *seen = Some(value);
            // Epoch first, then the entries: a request tagged with the old epoch can no
            // longer store its answer, and nothing stored before is served again.
            let mut lru = self.lock();
            self.epoch.fetch_add(1, Ordering::SeqCst);
            lru.clear();
            self.publish_size(&lru);
            if !first {
                self.metrics.invalidations.inc();
                tracing::debug!(
                    generation = value,
                    "content changed: response cache cleared"
                );
            }
        }
        self.confirmed_at.fetch_max(began, Ordering::SeqCst);
    }

    /// Whether the generation was read recently enough to trust the entries.
    fn fresh(&self) -> bool {
        let confirmed = self.confirmed_at.load(Ordering::SeqCst);
        confirmed > 0
            && self.since_start().saturating_sub(confirmed)
                < u64::try_from(self.staleness_bound.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Nanoseconds since the cache was made; at least 1, so 0 can mean "never".
    fn since_start(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // A panic elsewhere while holding the lock leaves a consistent map; keep serving.
        self.lru.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish_size(&self, lru: &Lru) {
        self.metrics
            .entries
            .set(i64::try_from(lru.len()).unwrap_or(i64::MAX));
        self.metrics
            .bytes
            .set(i64::try_from(lru.bytes).unwrap_or(i64::MAX));
    }
}

/// Entries by key, least recently used first out, their sizes summed for the byte budget.
/// A hit relinks its entry in the `lru` crate's list, in constant time, under the lock.
struct Lru {
    map: LruCache<Key, Slot>,
    bytes: usize,
}

impl Default for Lru {
    fn default() -> Self {
        Self {
            map: LruCache::unbounded(),
            bytes: 0,
        }
    }
}

struct Slot {
    entry: Arc<Entry>,
    size: usize,
}

impl Lru {
    fn get(&mut self, key: &Key, epoch: u64) -> Option<Arc<Entry>> {
        let slot = self.map.get(key)?;
        if slot.entry.epoch != epoch {
            self.remove(key);
            return None;
        }
        Some(slot.entry.clone())
    }

    fn insert(&mut self, key: Key, entry: Arc<Entry>, size: usize) {
        if let Some((_, old)) = self.map.push(key, Slot { entry, size }) {
            self.bytes -= old.size;
        }
        self.bytes += size;
    }

    fn remove(&mut self, key: &Key) {
        if let Some(slot) = self.map.pop(key) {
            self.bytes -= slot.size;
        }
    }

    /// Drops the least recently used entry; false when there is none.
    fn pop_oldest(&mut self) -> bool {
        let Some((_, slot)) = self.map.pop_lru() else {
            return false;
        };
        self.bytes -= slot.size;
        true
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }
}

/// The key of a request's exact bytes: method, content type, and body or query string. An
/// anonymous request that repeats, byte for byte, one that passed every check and was
/// answered is served from it before its JSON or its document is parsed: the same bytes
/// would pass the same checks and name the same entry. Entries are filed under it only
/// beside their normalized key, for requests that did not ask for a statement count.
pub fn exact_key(http: &HttpRequest, body: &[u8]) -> Key {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(b"caregraph exact request v1");
    part(http.method().as_str().as_bytes());
    match http.headers().get(header::CONTENT_TYPE) {
        Some(value) => part(value.as_bytes()),
        None => part(b"no content type"),
    }
    part(http.query_string().as_bytes());
    part(body);
    Key(hasher.finalize().into())
}

/// A strong entity tag for `body` sent as `media`: the same bytes give the same tag on every
/// replica, and the two media types never share one.
pub fn etag(body: &[u8], media: &str) -> String {
    let digest = Sha256::digest(body);
    let suffix = if media == GRAPHQL_RESPONSE_JSON {
        "-g"
    } else {
        ""
    };
    format!("\"{}{suffix}\"", URL_SAFE_NO_PAD.encode(&digest[..18]))
}

/// Whether `If-None-Match` names `etag` (or is `*`), by the weak comparison RFC 9110 asks
/// for: `W/"x"` matches `"x"`.
pub fn none_match(http: &HttpRequest, etag: &str) -> bool {
    http.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// `Cache-Control` for a successful anonymous GET: shared caches may keep it, but must ask
/// again (cheaply, with `If-None-Match`) once `max_age` has passed.
pub fn public_cache_control(max_age: u32) -> HeaderValue {
    HeaderValue::from_str(&format!("public, max-age={max_age}, must-revalidate"))
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache"))
}

/// `Cache-Control` for answers to token holders: never stored anywhere.
pub const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");

/// `Cache-Control` for POSTs and errors.
pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let metrics = crate::http::Metrics::new().expect("metrics").cache();
        let config = CacheConfig {
            response_cache_max_entries: 2,
            ..CacheConfig::default()
        };
        let cache = ResponseCache::new(&config, metrics);
        cache.observe(1, cache.since_start());
        let epoch = cache.epoch();
        let key = |n: u8| Key([n; 32]);
        for n in 1..=2 {
            cache.insert(
                key(n),
                None,
                epoch,
                Bytes::from_static(b"{}"),
                String::new(),
            );
        }
        assert!(cache.get(&key(1)).is_some());
        cache.insert(
            key(3),
            None,
            epoch,
            Bytes::from_static(b"{}"),
            String::new(),
        );
        assert!(
            cache.get(&key(2)).is_none(),
            "2 was the least recently used"
        );
        assert!(cache.get(&key(1)).is_some());
        assert!(cache.get(&key(3)).is_some());
        // A new generation empties it, and an answer from the old epoch is not stored.
        cache.observe(2, cache.since_start());
        assert!(cache.get(&key(1)).is_none());
        cache.insert(
            key(4),
            None,
            epoch,
            Bytes::from_static(b"{}"),
            String::new(),
        );
        assert!(cache.get(&key(4)).is_none());
        // The same generation read again changes nothing.
        let now = cache.epoch();
        cache.insert(key(5), None, now, Bytes::from_static(b"{}"), String::new());
        cache.observe(2, cache.since_start());
        assert!(cache.get(&key(5)).is_some());
    }

    #[test]
    fn an_entry_is_found_by_its_exact_key_until_the_content_changes() {
        let metrics = crate::http::Metrics::new().expect("metrics").cache();
        let cache = ResponseCache::new(&CacheConfig::default(), metrics);
        cache.observe(1, cache.since_start());
        let (key, exact, other) = (Key([1; 32]), Key([2; 32]), Key([3; 32]));
        let body = Bytes::from_static(b"{\"data\":{}}");
        cache.insert(key, Some(exact), cache.epoch(), body.clone(), String::new());
        let found = cache.get_exact(&exact).expect("filed under its bytes");
        assert_eq!(found.body, body);
        assert!(cache.get_exact(&other).is_none());
        // Another wording of the same request is filed beside it once found.
        cache.alias(other, &found);
        assert!(cache.get_exact(&other).is_some());
        cache.observe(2, cache.since_start());
        assert!(cache.get_exact(&exact).is_none());
        assert!(cache.get_exact(&other).is_none());
        // An entry from an older epoch is never filed again.
        cache.alias(other, &found);
        assert!(cache.get_exact(&other).is_none());
    }

    #[test]
    fn validators() {
        let tag = etag(b"{\"data\":{}}", super::super::graphql_request::JSON);
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert_ne!(tag, etag(b"{\"data\":{}}", GRAPHQL_RESPONSE_JSON));
        assert_ne!(
            tag,
            etag(b"{\"data\":{\"a\":1}}", super::super::graphql_request::JSON)
        );
    }
}
