//! HTTP: every route in one place.

mod cache;
mod cors;
mod embedded;
mod explore_page;
mod graphiql;
mod graphql;
mod graphql_request;
mod health;
mod infobutton;
mod jsonld;
mod metrics;
mod rate_limit;
mod request_span;
mod security_headers;
mod websocket;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use sea_orm::DatabaseConnection;

use crate::config::ServeConfig;
use crate::graphql::request::AnswerCache as _;
use crate::graphql::{GraphQl, request};
use crate::live::Live;
use crate::reads::Reads;
pub use cache::ResponseCache;
pub use metrics::Metrics;

/// What every handler shares.
pub struct AppState {
    /// The primary: writes, token checks, readiness.
    pub db: DatabaseConnection,
    /// Where anonymous queries read: the read replica (`DATABASE_READ_URL`) while it
    /// answers, or the primary.
    pub reads: Arc<Reads>,
    pub cache: Arc<ResponseCache>,
    pub schema: GraphQl,
    pub metrics: Metrics,
    pub config: ServeConfig,
    pub live: Live,
}

impl AppState {
    /// What GraphQL execution needs from the server.
    pub fn graphql_env(&self) -> request::Env<'_, ResponseCache> {
        request::Env {
            graphql: &self.schema,
            db: &self.db,
            read_db: self.reads.current(),
            cache: &self.cache,
            observer: &self.metrics,
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::get().to(graphql::handle))
            .route(web::post().to(graphql::handle))
            .route(web::route().to(graphql::method_not_allowed)),
    )
    .route("/graphiql", web::get().to(graphiql::page))
    .route("/graphiql/assets/{file}", web::get().to(graphiql::asset))
    .route("/explore", web::get().to(explore_page::page))
    .route("/explore/assets/{file}", web::get().to(explore_page::asset))
    // Browsers ask for it on every GraphiQL or /explore visit; "nothing here" keeps logs quiet.
    .route("/favicon.ico", web::get().to(HttpResponse::NoContent))
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(metrics::render))
    .route("/conditions/{file}", web::get().to(jsonld::condition))
    .route("/infobutton", web::get().to(infobutton::infobutton))
    .route(
        "/",
        web::get().to(|| async {
            HttpResponse::TemporaryRedirect()
                .insert_header(("Location", "/graphiql"))
                .finish()
        }),
    );
}

/// Builds the server over `db` (the primary) and `read_db` (where anonymous queries read:
/// a replica, or the primary again). Reads the content generation once, so the response cache
/// works from the first request, and starts polling it; the poller stops with the server.
pub async fn server(
    listener: TcpListener,
    db: DatabaseConnection,
    reads: Arc<Reads>,
    config: &ServeConfig,
) -> std::io::Result<Server> {
    let metrics = Metrics::new().map_err(std::io::Error::other)?;
    // One limiter for all workers: a client's budget must not depend on which worker it hits.
    let rate_limit = rate_limit::RateLimit::new(&config.guard).map(web::Data::new);
    let cors_origins = config.guard.cors_allowed_origins.clone();
    let cache = Arc::new(ResponseCache::new(&config.cache, metrics.cache()));
    let live = Live::start(&db, &reads, config, metrics.websocket_connections());
    if cache.enabled() {
        // The generation lives with the content the cached answers are read from.
        cache.poll(reads.current()).await;
        cache.spawn_poller(Arc::clone(&reads), live.pushed());
    }
    let state = web::Data::new(AppState {
        db,
        reads,
        cache,
        schema: GraphQl::new(
            &config.limits,
            config.review.policy(),
            config.cache.persisted_queries,
        )
        .await,
        metrics,
        config: config.clone(),
        live,
    });
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(|cfg| {
                if let Some(limit) = &rate_limit {
                    cfg.app_data(limit.clone());
                }
            })
            // Innermost first. The limiter runs after CORS so a browser can read its 429, and
            // the security headers cover every answer, refusals and preflights included.
            .wrap(middleware::from_fn(rate_limit::middleware))
            .wrap(cors::cors(&cors_origins))
            .wrap(security_headers::security_headers())
            .wrap(middleware::from_fn(request_span::middleware))
            // Outermost, so the time counted includes the other middleware.
            .wrap(middleware::from_fn(metrics::track_http))
            .configure(configure)
    })
    .listen(listener)?
    // In-flight requests get this long after a stop; `startup::Application` turns SIGTERM and
    // Ctrl-C into a graceful stop. actix's own handlers stay off: they make Ctrl-C a forced
    // stop, and they would take over the signals of any process embedding a server (tests).
    .shutdown_timeout(config.guard.shutdown_grace_secs)
    .disable_signals();
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    Ok(server.run())
}
