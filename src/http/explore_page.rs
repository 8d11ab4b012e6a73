//! The graph page (`/explore`): a picture of a node's neighbourhood, drawn in the browser with
//! cytoscape from the GraphQL API. Like GraphiQL, every file is embedded in the binary, so the
//! page works with no internet access. See `assets/explore/README.md`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::graphiql;

/// GraphiQL's policy fits as it is: scripts, styles and requests from our own origin only.
/// The one inline thing cytoscape does is covered by its `style-src 'unsafe-inline'`: on
/// first use it puts a `<style>` element into the page's head (one rule, `position:
/// relative` on its container, which `explore.css` sets anyway). Blocking it would only log a
/// violation; allowing it keeps the console clean. Its other styling goes through the CSSOM
/// (`element.style`), which CSP does not restrict, and it draws on canvases.
const CSP: &str = graphiql::CSP;

const PAGE: &[u8] = include_bytes!("../../assets/explore/index.html");

/// (file name, content type, bytes) of every asset the page loads.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "cytoscape.min.js",
        JS,
        include_bytes!("../../assets/explore/cytoscape.min.js"),
    ),
    (
        "explore.js",
        JS,
        include_bytes!("../../assets/explore/explore.js"),
    ),
    (
        "explore.css",
        CSS,
        include_bytes!("../../assets/explore/explore.css"),
    ),
];
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

pub async fn asset(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, content_type, bytes)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            // The assets change only with a new binary; a day of caching is safe.
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(*bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain")
            .body("no such asset"),
    }
}
