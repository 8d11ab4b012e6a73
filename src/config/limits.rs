//! Limits on what one GraphQL request may ask for.
//!
//! Every limit is checked before anything runs, from the request's text alone (no database),
//! and a request over one gets a `LIMIT_EXCEEDED` error whose `extensions.limit` names it and
//! `extensions.max` gives its value. The defaults leave room for GraphiQL's introspection
//! query and every query in README.md and docs/ several times over.

use std::time::Duration;

use clap::{Args, ValueEnum};

/// Deepest field nesting: the condition page is 6 levels; analysts get headroom.
pub const DEFAULT_MAX_DEPTH: usize = 12;
/// Largest query cost: every field selected costs 1, fragments counted where spread.
pub const DEFAULT_MAX_COMPLEXITY: usize = 2000;
/// Most aliased fields in one operation.
pub const DEFAULT_MAX_ALIASES: usize = 30;
/// Most fields at the top of one operation.
pub const DEFAULT_MAX_ROOT_FIELDS: usize = 20;
/// Most directives on one field, fragment spread or inline fragment.
pub const DEFAULT_MAX_DIRECTIVES: usize = 5;
/// Longest query text, in bytes.
pub const DEFAULT_MAX_QUERY_BYTES: usize = 32 * 1024;
/// Most lexical tokens in the query text.
pub const DEFAULT_MAX_TOKENS: usize = 5000;
/// Most operations in one batched POST; 0 refuses batches.
pub const DEFAULT_MAX_BATCH_SIZE: usize = 0;
/// Longest time one request may execute, in milliseconds.
pub const DEFAULT_MAX_EXECUTION_MS: u64 = 10_000;
/// Largest request body, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest page (`first`) a list returns.
pub const DEFAULT_MAX_PAGE_SIZE: usize = 100;

/// Every limit has a safe default and a flag with an environment fallback.
#[derive(Clone, Debug, Args)]
pub struct LimitsConfig {
    /// Deepest field nesting a query may have (limit "depth").
    #[arg(long, env = "CAREGRAPH_MAX_DEPTH", default_value_t = DEFAULT_MAX_DEPTH)]
    pub max_depth: usize,

    /// Largest cost a query may have; each selected field costs 1, and a fragment costs its
    /// fields each time it is spread (limit "complexity").
    #[arg(long, env = "CAREGRAPH_MAX_COMPLEXITY", default_value_t = DEFAULT_MAX_COMPLEXITY)]
    pub max_complexity: usize,

    /// Most aliased fields in one operation, fragments counted where spread (limit "aliases").
    #[arg(long, env = "CAREGRAPH_MAX_ALIASES", default_value_t = DEFAULT_MAX_ALIASES)]
    pub max_aliases: usize,

    /// Most fields at the top level of one operation (limit "rootFields").
    #[arg(long, env = "CAREGRAPH_MAX_ROOT_FIELDS", default_value_t = DEFAULT_MAX_ROOT_FIELDS)]
    pub max_root_fields: usize,

    /// Most directives on one field, fragment spread or inline fragment (limit "directives").
    #[arg(long, env = "CAREGRAPH_MAX_DIRECTIVES", default_value_t = DEFAULT_MAX_DIRECTIVES)]
    pub max_directives: usize,

    /// Longest query text, in bytes, checked before it is parsed (limit "queryBytes").
    #[arg(long, env = "CAREGRAPH_MAX_QUERY_BYTES", default_value_t = DEFAULT_MAX_QUERY_BYTES)]
    pub max_query_bytes: usize,

    /// Most lexical tokens (names, punctuation, values) in the query text, counted before it is
    /// parsed; commas, spaces and comments are not tokens (limit "tokens").
    #[arg(long, env = "CAREGRAPH_MAX_TOKENS", default_value_t = DEFAULT_MAX_TOKENS)]
    pub max_tokens: usize,

    /// Most operations in one batched POST (a JSON array of requests), run one after the
    /// other; 0 refuses batches (limit "batchSize").
    #[arg(long, env = "CAREGRAPH_MAX_BATCH_SIZE", default_value_t = DEFAULT_MAX_BATCH_SIZE)]
    pub max_batch_size: usize,

    /// Longest time one request (every operation of a batch together) may execute, in
    /// milliseconds; past it the request is stopped, its unfinished write rolled back, and the
    /// client gets a TIMEOUT error (limit "executionTime").
    #[arg(long, env = "CAREGRAPH_MAX_EXECUTION_MS", default_value_t = DEFAULT_MAX_EXECUTION_MS)]
    pub max_execution_ms: u64,

    /// Largest request body accepted, in bytes; a larger one is refused with 413 before it is
    /// read to the end.
    #[arg(long, env = "CAREGRAPH_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Largest page a list returns: `first` may be at most this (limit "pageSize").
    #[arg(long, env = "CAREGRAPH_MAX_PAGE_SIZE", default_value_t = DEFAULT_MAX_PAGE_SIZE)]
    pub max_page_size: usize,

    /// Who may run introspection (`__schema`, `__type`): everyone, or only callers with a
    /// valid token (anonymous callers then get UNAUTHENTICATED). GraphiQL needs it.
    #[arg(long, env = "CAREGRAPH_INTROSPECTION", value_enum, default_value_t = Introspection::Public)]
    pub introspection: Introspection,
}

impl LimitsConfig {
    pub fn max_execution_time(&self) -> Duration {
        Duration::from_millis(self.max_execution_ms)
    }

    /// True when introspection is reserved to callers with a valid token.
    pub fn introspection_needs_token(&self) -> bool {
        self.introspection == Introspection::Authenticated
    }

    /// Reserves introspection to callers with a valid token (`--introspection authenticated`).
    pub fn require_token_for_introspection(&mut self) {
        self.introspection = Introspection::Authenticated;
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
            max_complexity: DEFAULT_MAX_COMPLEXITY,
            max_aliases: DEFAULT_MAX_ALIASES,
            max_root_fields: DEFAULT_MAX_ROOT_FIELDS,
            max_directives: DEFAULT_MAX_DIRECTIVES,
            max_query_bytes: DEFAULT_MAX_QUERY_BYTES,
            max_tokens: DEFAULT_MAX_TOKENS,
            max_batch_size: DEFAULT_MAX_BATCH_SIZE,
            max_execution_ms: DEFAULT_MAX_EXECUTION_MS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            introspection: Introspection::Public,
        }
    }
}

/// Who may introspect the schema.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Introspection {
    /// Everyone, as GraphiQL users expect.
    #[default]
    Public,
    /// Only callers with a valid bearer token.
    Authenticated,
}
