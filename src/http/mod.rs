//! HTTP: every route in one place.

mod graphiql;
mod graphql;
mod graphql_request;
mod health;
mod metrics;
mod request_span;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use sea_orm::DatabaseConnection;

use crate::config::ServeConfig;
use crate::graphql::{AppSchema, build_schema};
pub use metrics::Metrics;

/// What every handler shares.
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub metrics: Metrics,
    pub config: ServeConfig,
}

/// Largest request body accepted on /graphql.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::get().to(graphql::handle))
            .route(web::post().to(graphql::handle))
            .route(web::route().to(graphql::method_not_allowed)),
    )
    .route("/graphiql", web::get().to(graphiql::page))
    .route("/graphiql/assets/{file}", web::get().to(graphiql::asset))
    // Browsers ask for it on every GraphiQL visit; answering "nothing here" keeps logs quiet.
    .route("/favicon.ico", web::get().to(HttpResponse::NoContent))
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(metrics::render))
    .route(
        "/",
        web::get().to(|| async {
            HttpResponse::TemporaryRedirect()
                .insert_header(("Location", "/graphiql"))
                .finish()
        }),
    );
}

pub fn server(
    listener: TcpListener,
    db: DatabaseConnection,
    config: &ServeConfig,
) -> std::io::Result<Server> {
    let metrics = Metrics::new().map_err(std::io::Error::other)?;
    let state = web::Data::new(AppState {
        db,
        schema: build_schema(),
        metrics,
        config: config.clone(),
    });
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .wrap(middleware::from_fn(request_span::middleware))
            // Outermost, so the time counted includes the other middleware.
            .wrap(middleware::from_fn(metrics::track_http))
            .configure(configure)
    })
    .listen(listener)?;
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    Ok(server.run())
}
