//! /metrics in the Prometheus text format.
//!
//! Every series carries labels from closed sets or from values the server bounds itself (route
//! patterns, a capped set of operation names), so a client cannot grow the series count.
//!
//! The response cache counts its hits, misses, evictions and invalidations, and reports its
//! size.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use async_graphql::{Response, ServerError};
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::sqlx;
use sea_orm::{DatabaseConnection, DatabaseConnectionType};

use super::AppState;
use crate::domain::service::review_due;
use crate::graphql::error::code;
use crate::graphql::request::Observer;

/// Distinct operation names labelled per process; later names count as [`OTHER`].
pub const MAX_OPERATIONS: usize = 200;
/// The operation label of requests whose operation has no usable name.
pub const ANONYMOUS: &str = "anonymous";
/// The operation label of named operations past [`MAX_OPERATIONS`].
pub const OTHER: &str = "other";
/// The route label of requests no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Request latencies: from a cached-plan lookup to a request about to time out.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
/// Statement latencies start lower: a SQLite point read is often well under a millisecond.
const STATEMENT_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
/// Statements per request grow with query depth, not with results; a few dozen is already a
/// sign of a missing loader.
const STATEMENTS_PER_REQUEST_BUCKETS: &[f64] =
    &[0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 89.0];

/// The error codes clients can rely on; anything else is counted as `OTHER` so a stray code
/// cannot add series.
const KNOWN_CODES: &[&str] = &[
    code::BAD_USER_INPUT,
    code::NOT_FOUND,
    code::CONFLICT,
    code::UNAUTHENTICATED,
    code::FORBIDDEN,
    code::INTERNAL,
    code::GRAPHQL_PARSE_FAILED,
    code::GRAPHQL_VALIDATION_FAILED,
    code::LIMIT_EXCEEDED,
    code::TIMEOUT,
    code::RATE_LIMITED,
    code::SERVICE_UNAVAILABLE,
    code::BAD_REQUEST,
    code::UNSUPPORTED_MEDIA_TYPE,
    code::NOT_ACCEPTABLE,
    code::METHOD_NOT_ALLOWED,
    code::PERSISTED_QUERY_NOT_FOUND,
    code::PERSISTED_QUERY_NOT_SUPPORTED,
];

/// The application's metrics and the registry they live in. Cheap to clone; clones share
/// everything.
///
/// Each server has its own registry rather than the process-wide default, so several servers
/// in one process (the integration tests) keep separate counts.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    graphql_requests: IntCounterVec,
    graphql_duration: HistogramVec,
    graphql_errors: IntCounterVec,
    statements_per_request: Histogram,
    statement_duration: Histogram,
    pool_connections: IntGaugeVec,
    pool_max_connections: IntGauge,
    review_overdue: IntGauge,
    websocket_connections: IntGauge,
    cache: CacheMetrics,
    operations: Mutex<HashSet<String>>,
}

/// The response cache's series; clones share them.
#[derive(Clone)]
pub struct CacheMetrics {
    pub hits: IntCounter,
    pub misses: IntCounter,
    pub evictions: IntCounter,
    pub invalidations: IntCounter,
    pub entries: IntGauge,
    pub bytes: IntGauge,
}

impl CacheMetrics {
    fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
            let c = IntCounter::new(name, help)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        Ok(Self {
            hits: counter(
                "caregraph_response_cache_hits_total",
                "Anonymous queries answered from the response cache.",
            )?,
            misses: counter(
                "caregraph_response_cache_misses_total",
                "Anonymous queries the response cache could not answer (not cached yet, \
                 superseded, or the content generation unreadable).",
            )?,
            evictions: counter(
                "caregraph_response_cache_evictions_total",
                "Cached responses dropped to stay within the entry and byte bounds.",
            )?,
            invalidations: counter(
                "caregraph_response_cache_invalidations_total",
                "Times the published content changed and the response cache was emptied.",
            )?,
            entries: gauge(
                "caregraph_response_cache_entries",
                "Responses in the response cache.",
            )?,
            bytes: gauge(
                "caregraph_response_cache_bytes",
                "Bytes the response cache holds, bookkeeping included.",
            )?,
        })
    }
}

impl Metrics {
    /// Creates every metric in a fresh registry.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "caregraph_http_requests_total",
                "HTTP requests by matched route pattern, method and response status.",
            ),
            &["route", "method", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "caregraph_http_request_duration_seconds",
                "Time from receiving an HTTP request to its response head, by route pattern.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )?;
        let graphql_requests = IntCounterVec::new(
            Opts::new(
                "caregraph_graphql_requests_total",
                "GraphQL requests by operation name and outcome (ok, error, rejected).",
            ),
            &["operation", "outcome"],
        )?;
        let graphql_duration = HistogramVec::new(
            HistogramOpts::new(
                "caregraph_graphql_request_duration_seconds",
                "Time to authenticate and execute a GraphQL request, by operation name.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["operation"],
        )?;
        let graphql_errors = IntCounterVec::new(
            Opts::new(
                "caregraph_graphql_errors_total",
                "Errors in GraphQL responses by extensions.code.",
            ),
            &["code"],
        )?;
        let statements_per_request = Histogram::with_opts(
            HistogramOpts::new(
                "caregraph_sql_statements_per_request",
                "SQL statements a GraphQL request ran outside write transactions.",
            )
            .buckets(STATEMENTS_PER_REQUEST_BUCKETS.to_vec()),
        )?;
        let statement_duration = Histogram::with_opts(
            HistogramOpts::new(
                "caregraph_sql_statement_duration_seconds",
                "Time to run one SQL statement outside write transactions, waiting for a \
                 pooled connection included.",
            )
            .buckets(STATEMENT_BUCKETS.to_vec()),
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "caregraph_db_pool_connections",
                "Open database connections by state (idle, in_use), read at scrape time.",
            ),
            &["state"],
        )?;
        let pool_max_connections = IntGauge::new(
            "caregraph_db_pool_max_connections",
            "Largest number of connections the database pool opens.",
        )?;

        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(graphql_requests.clone()))?;
        registry.register(Box::new(graphql_duration.clone()))?;
        registry.register(Box::new(graphql_errors.clone()))?;
        registry.register(Box::new(statements_per_request.clone()))?;
        registry.register(Box::new(statement_duration.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max_connections.clone()))?;
        let review_overdue = IntGauge::new(
            "caregraph_review_overdue_items",
            "Published nodes and links past their review date (reviewDue), read at scrape time.",
        )?;
        registry.register(Box::new(review_overdue.clone()))?;
        let websocket_connections = IntGauge::new(
            "caregraph_websocket_connections",
            "WebSocket connections open (GraphQL subscriptions).",
        )?;
        registry.register(Box::new(websocket_connections.clone()))?;
        let cache = CacheMetrics::new(&registry)?;

        Ok(Self {
            inner: Arc::new(Inner {
                registry,
                http_requests,
                http_duration,
                graphql_requests,
                graphql_duration,
                graphql_errors,
                statements_per_request,
                review_overdue,
                websocket_connections,
                statement_duration,
                pool_connections,
                pool_max_connections,
                cache,
                operations: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The histogram a [`CountingConn`](crate::db::CountingConn) times its statements into.
    pub fn statement_duration(&self) -> Histogram {
        self.inner.statement_duration.clone()
    }

    /// The gauge of open WebSocket connections.
    pub fn websocket_connections(&self) -> IntGauge {
        self.inner.websocket_connections.clone()
    }

    /// The response cache's series.
    pub fn cache(&self) -> CacheMetrics {
        self.inner.cache.clone()
    }

    /// Records one request answered from the response cache: a success that ran no statement.
    pub fn observe_cached(&self, operation: &str, elapsed: Duration) {
        let inner = &self.inner;
        inner
            .graphql_requests
            .with_label_values(&[operation, "ok"])
            .inc();
        inner
            .graphql_duration
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
        inner.statements_per_request.observe(0.0);
    }

    /// Records one executed GraphQL request.
    pub fn observe_graphql(
        &self,
        operation: &str,
        response: &Response,
        elapsed: Duration,
        statements: usize,
    ) {
        let inner = &self.inner;
        inner
            .graphql_requests
            .with_label_values(&[operation, outcome(response)])
            .inc();
        inner
            .graphql_duration
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
        for err in &response.errors {
            inner
                .graphql_errors
                .with_label_values(&[error_code(err)])
                .inc();
        }
        let statements = u32::try_from(statements).unwrap_or(u32::MAX);
        inner.statements_per_request.observe(f64::from(statements));
    }

    /// The registry in the text format, with the pool gauges read from `db` now.
    pub fn encode(&self, db: &DatabaseConnection) -> Result<String, prometheus::Error> {
        self.read_pool(db);
        TextEncoder::new().encode_to_string(&self.inner.registry.gather())
    }

    /// `name` if it already has a series or there is room for one, else [`OTHER`].
    fn admit(&self, name: String) -> String {
        // A panic elsewhere while holding the lock leaves the set intact; keep counting.
        let mut seen = self
            .inner
            .operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if seen.contains(&name) {
            return name;
        }
        if seen.len() < MAX_OPERATIONS {
            seen.insert(name.clone());
            return name;
        }
        OTHER.to_owned()
    }

    fn read_pool(&self, db: &DatabaseConnection) {
        // The accessors panic on the wrong backend; matching on the variant first rules that out.
        let stats = match &db.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                Some(PoolStats::of(db.get_sqlite_connection_pool()))
            }
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                Some(PoolStats::of(db.get_postgres_connection_pool()))
            }
            _ => None,
        };
        let Some(stats) = stats else {
            return;
        };
        let inner = &self.inner;
        inner
            .pool_connections
            .with_label_values(&["idle"])
            .set(stats.idle);
        inner
            .pool_connections
            .with_label_values(&["in_use"])
            .set(stats.in_use);
        inner.pool_max_connections.set(stats.max);
    }

    fn observe_http(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        let status = status.to_string();
        self.inner
            .http_requests
            .with_label_values(&[route, method_label(method), status.as_str()])
            .inc();
        self.inner
            .http_duration
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
    }
}

/// What GraphQL execution reports (`crate::graphql::request`).
impl Observer for Metrics {
    /// `name` (a label-safe operation name) when it already has a series or there is room
    /// for one, else [`OTHER`]; [`ANONYMOUS`] for an operation without a usable name.
    fn operation_label(&self, name: Option<String>) -> String {
        match name {
            Some(name) => self.admit(name),
            None => ANONYMOUS.to_owned(),
        }
    }

    fn statement_seconds(&self) -> Histogram {
        self.statement_duration()
    }

    fn executed(&self, operation: &str, response: &Response, elapsed: Duration, statements: usize) {
        self.observe_graphql(operation, response, elapsed, statements);
    }

    fn cached(&self, operation: &str, elapsed: Duration) {
        self.observe_cached(operation, elapsed);
    }
}

struct PoolStats {
    idle: i64,
    in_use: i64,
    max: i64,
}

impl PoolStats {
    fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Self {
        let size = i64::from(pool.size());
        let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
        Self {
            idle,
            // Size and idle are read apart; a connection changing state in between must not
            // show as a negative count.
            in_use: (size - idle).max(0),
            max: i64::from(pool.options().get_max_connections()),
        }
    }
}

/// GET /metrics.
pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    // An unreachable database leaves the last value: the scrape still answers.
    match review_due::count_overdue(&state.db, chrono::Utc::now()).await {
        Ok(n) => state
            .metrics
            .inner
            .review_overdue
            .set(i64::try_from(n).unwrap_or(i64::MAX)),
        Err(err) => tracing::warn!(error = %err, "cannot count content overdue for review"),
    }
    match state.metrics.encode(&state.db) {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot encode metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// Middleware counting and timing every request by its route pattern.
pub async fn track_http(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let method = req.method().clone();
    let started = Instant::now();
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    match &result {
        Ok(res) => {
            // The pattern is known only once routing has run, and never the raw path: that
            // would give every id its own series.
            let route = res.request().match_pattern();
            let route = route.as_deref().unwrap_or(UNMATCHED);
            state
                .metrics
                .observe_http(route, &method, res.status().as_u16(), elapsed);
        }
        Err(err) => {
            // The request went down with the error, and its route with it.
            let status = err.as_response_error().status_code().as_u16();
            state
                .metrics
                .observe_http(UNMATCHED, &method, status, elapsed);
        }
    }
    result
}

/// Extension methods are unbounded; they share one label.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

fn outcome(response: &Response) -> &'static str {
    let rejected = response.errors.iter().any(|e| {
        matches!(
            error_code(e),
            code::GRAPHQL_PARSE_FAILED | code::GRAPHQL_VALIDATION_FAILED
        )
    });
    if rejected {
        "rejected"
    } else if response.errors.is_empty() {
        "ok"
    } else {
        "error"
    }
}

fn error_code(err: &ServerError) -> &'static str {
    let code = err
        .extensions
        .as_ref()
        .and_then(|ext| match ext.get("code") {
            Some(async_graphql::Value::String(code)) => Some(code.as_str()),
            _ => None,
        });
    code.and_then(|c| KNOWN_CODES.iter().find(|k| **k == c).copied())
        .unwrap_or("OTHER")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(metrics: &Metrics, name: &str) -> String {
        metrics.operation_label(Some(name.to_owned()))
    }

    #[test]
    fn operation_names_are_capped() {
        let m = Metrics::new().expect("metrics");
        for i in 0..MAX_OPERATIONS {
            assert_eq!(label(&m, &format!("Op{i}")), format!("Op{i}"));
        }
        assert_eq!(label(&m, "Late"), OTHER);
        assert_eq!(label(&m, "Op0"), "Op0");
        assert_eq!(m.operation_label(None), ANONYMOUS);
    }
}
