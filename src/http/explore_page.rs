//! The graph page (`/explore`): a picture of a node's neighbourhood, drawn in the browser with
//! cytoscape from the GraphQL API. Like GraphiQL, every file is embedded in the binary, so the
//! page works with no internet access. See `assets/explore/README.md`.

use actix_web::{HttpResponse, web};

use super::embedded::{self, Asset, CSS, JS};
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
const ASSETS: &[Asset] = &[
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
pub async fn page() -> HttpResponse {
    embedded::page(PAGE, CSP)
}

pub async fn asset(file: web::Path<String>) -> HttpResponse {
    embedded::asset(ASSETS, &file)
}
