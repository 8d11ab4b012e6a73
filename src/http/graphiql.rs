//! GraphiQL, served entirely by caregraph: the page, React, GraphiQL, its Explorer plugin, the
//! README's example queries and the boot script are embedded in the binary, so it works on
//! networks with no internet access and under a Content-Security-Policy that allows only our
//! own origin. See `assets/graphiql/README.md`.

use actix_web::{HttpResponse, web};

use super::embedded::{self, Asset, CSS, JS};

/// Only our own origin for scripts, connections and frames. Styles and fonts also allow what
/// GraphiQL's bundled CSS and editor need: inline style attributes and `data:` fonts.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

const PAGE: &[u8] = include_bytes!("../../assets/graphiql/index.html");

/// (file name, content type, bytes) of every asset the page loads.
const ASSETS: &[Asset] = &[
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
pub async fn page() -> HttpResponse {
    embedded::page(PAGE, CSP)
}

pub async fn asset(file: web::Path<String>) -> HttpResponse {
    embedded::asset(ASSETS, &file)
}
