//! The response cache, HTTP caching headers and automatic persisted queries.

use std::time::Duration;

use clap::Args;

/// Largest number of cached responses.
pub const DEFAULT_RESPONSE_CACHE_ENTRIES: usize = 10_000;
/// Largest total size of cached response bodies: small next to the server's own footprint.
pub const DEFAULT_RESPONSE_CACHE_BYTES: usize = 16 * 1024 * 1024;
/// How often each process reads the content generation, in milliseconds.
pub const DEFAULT_RESPONSE_CACHE_POLL_MS: u64 = 200;
/// A cached response is served only while the content generation was read this many poll
/// intervals ago at most: with the default interval, 1 s.
pub const POLLS_PER_STALENESS_BOUND: u32 = 5;
/// Most query documents kept for automatic persisted queries.
pub const DEFAULT_PERSISTED_QUERIES: usize = 1000;

/// Anonymous readers get cached responses; GETs carry validators so browsers and CDNs can
/// revalidate instead of downloading again.
#[derive(Clone, Debug, Args)]
pub struct CacheConfig {
    /// Cache the responses to anonymous queries in memory, until the published content
    /// changes (written by this process, another replica or anything else writing the
    /// database).
    #[arg(long, env = "CAREGRAPH_RESPONSE_CACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub response_cache: bool,

    /// Most responses the cache holds; the least recently used goes first.
    #[arg(
        long,
        env = "CAREGRAPH_RESPONSE_CACHE_MAX_ENTRIES",
        default_value_t = DEFAULT_RESPONSE_CACHE_ENTRIES
    )]
    pub response_cache_max_entries: usize,

    /// Most bytes of response bodies the cache holds; a body larger than an eighth of it is
    /// never cached.
    #[arg(
        long,
        env = "CAREGRAPH_RESPONSE_CACHE_MAX_BYTES",
        default_value_t = DEFAULT_RESPONSE_CACHE_BYTES
    )]
    pub response_cache_max_bytes: usize,

    /// How often the content generation is read from the database, in milliseconds. Changes
    /// made elsewhere are seen within one interval; when it cannot be read for five intervals,
    /// the cache is bypassed until it can.
    #[arg(
        long,
        env = "CAREGRAPH_RESPONSE_CACHE_POLL_MS",
        default_value_t = DEFAULT_RESPONSE_CACHE_POLL_MS,
        value_parser = clap::value_parser!(u64).range(10..=60_000)
    )]
    pub response_cache_poll_ms: u64,

    /// `max-age` of `Cache-Control` on anonymous GET responses, in seconds. 0 (the default)
    /// makes browsers and CDNs revalidate with `If-None-Match` every time, so nobody sees
    /// content older than a publish; a larger value saves round trips but lets shared caches
    /// serve superseded content for that long.
    #[arg(long, env = "CAREGRAPH_CACHE_MAX_AGE_SECS", default_value_t = 0)]
    pub cache_max_age_secs: u32,

    /// Most query documents kept for automatic persisted queries (clients send the SHA-256 of
    /// a query instead of its text); 0 turns persisted queries off.
    #[arg(
        long,
        env = "CAREGRAPH_PERSISTED_QUERIES",
        default_value_t = DEFAULT_PERSISTED_QUERIES
    )]
    pub persisted_queries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            response_cache: true,
            response_cache_max_entries: DEFAULT_RESPONSE_CACHE_ENTRIES,
            response_cache_max_bytes: DEFAULT_RESPONSE_CACHE_BYTES,
            response_cache_poll_ms: DEFAULT_RESPONSE_CACHE_POLL_MS,
            cache_max_age_secs: 0,
            persisted_queries: DEFAULT_PERSISTED_QUERIES,
        }
    }
}

impl CacheConfig {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.response_cache_poll_ms)
    }

    /// Longest a cached response may be served after the content generation was last read.
    pub fn staleness_bound(&self) -> Duration {
        self.poll_interval() * POLLS_PER_STALENESS_BOUND
    }
}
