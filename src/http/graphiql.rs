//! GraphiQL, served entirely by caregraph: the page, React, GraphiQL, its Explorer plugin, the
//! README's example queries and the boot script are embedded in the binary, so it works on
//! networks with no internet access and under a Content-Security-Policy that allows only our
//! own origin. See `assets/graphiql/README.md`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// Only our own origin for scripts, connections and frames. Styles and fonts also allow what
/// GraphiQL's bundled CSS and editor need: inline style attributes and `data:` fonts.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

const PAGE: &[u8] = include_bytes!("../../assets/graphiql/index.html");

/// (file name, content type, bytes) of every asset the page loads.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        JS,
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        CSS,
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        JS,
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JS,
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "graphiql-plugin-explorer.umd.js",
        JS,
        include_bytes!("../../assets/graphiql/graphiql-plugin-explorer.umd.js"),
    ),
    (
        "graphiql-plugin-explorer.css",
        CSS,
        include_bytes!("../../assets/graphiql/graphiql-plugin-explorer.css"),
    ),
    (
        "examples.js",
        JS,
        include_bytes!("../../assets/graphiql/examples.js"),
    ),
    (
        "init.js",
        JS,
        include_bytes!("../../assets/graphiql/init.js"),
    ),
    (
        "page.css",
        CSS,
        include_bytes!("../../assets/graphiql/page.css"),
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
