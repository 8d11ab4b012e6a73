//! The HTTP limit for `bench/run`: actix-web answering every `/graphql` request (POST or GET)
//! with the same bytes, read once from a file: the condition page's exact response. Whatever
//! caregraph does beyond this (parsing, validating, executing GraphQL, SQL, serializing) is
//! the gap between its throughput and this one's.
//!
//! `cargo run --release -p caregraph-tools -- static-baseline --bind 127.0.0.1:8099 --body page.json`

use std::net::SocketAddr;
use std::path::PathBuf;

use actix_web::{App, HttpResponse, HttpServer, http::header::ContentType, web};
use anyhow::Context as _;

/// The flags of `static-baseline`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (loopback only: this is a benchmark tool).
    #[arg(long, default_value = "127.0.0.1:8099")]
    pub bind: SocketAddr,
    /// The response body to serve, as caregraph sent it.
    #[arg(long)]
    pub body: PathBuf,
    /// HTTP worker threads; 0 means one per CPU core, as caregraph does.
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
}

/// Reads the request body (as caregraph must), then answers with the stored bytes.
async fn page(body: web::Data<web::Bytes>, _request: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body.get_ref().clone())
}

/// Serves until the process is stopped (Ctrl-C or SIGTERM).
pub async fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.bind.ip().is_loopback(),
        "the baseline listens on loopback only, not {}",
        args.bind
    );
    let body = std::fs::read(&args.body)
        .with_context(|| format!("cannot read {}", args.body.display()))?;
    let body = web::Data::new(web::Bytes::from(body));
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(body.clone())
            .route("/graphql", web::post().to(page))
            .route("/graphql", web::get().to(page))
    });
    if args.workers > 0 {
        server = server.workers(args.workers);
    }
    eprintln!("static baseline on http://{}/graphql", args.bind);
    server.bind(args.bind)?.run().await?;
    Ok(())
}
