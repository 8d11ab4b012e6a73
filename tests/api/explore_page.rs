//! The graph page (`/explore`): served with its assets, and used in a real browser.
//!
//! The browser test opens the page on the article's graph in headless Chromium and checks the
//! picture against the API: the same nodes as the page's own query returns, the article's
//! denial drawn as denied, a node's and a link's citations shown on click, more nodes after a
//! double click, and the search box moving the picture. Nothing may leave 127.0.0.1, and the
//! browser may log no CSP violation and no error. The browser plumbing is in `webdriver.rs`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::webdriver::{PageLog, Session, browser_installed, with_browser};

/// Upper bound of the whole browser session, from the first command to the last.
const SESSION: Duration = Duration::from_secs(60);

/// Where the page starts without `?slug=` or `?id=`.
const START: &str = "postpartum-low-back-pain";

/// The article's denial: "epidural is not the cause of low back pain after giving birth"
/// (`negated = true` in data/back-pain-after-epidural.toml).
const DENIAL_QUOTE: &str =
    "It is vital to note that epidural is not the cause of low back pain after giving birth.";

/// WebDriver key code.
const ENTER: char = '\u{e007}';

/// What the page is doing, in one look. (Its error is not under `error`: a WebDriver answer
/// with that key reads as a failed command.)
const STATE: &str = r#"const e = window.caregraphExplore;
if (!e) { return null; }
const root = e.cy ? e.cy.getElementById(e.root) : null;
const title = document.querySelector('#panel h2');
return {
  ready: e.ready, pending: e.pending, pageError: e.error, root: e.root,
  rootSlug: root && root.nonempty() ? root.data('slug') : null,
  nodes: e.cy ? e.cy.nodes().map(n => n.id()) : [],
  panelTitle: title && title.firstChild ? title.firstChild.textContent : null,
  search: location.search,
};"#;

/// Every drawn link, with the style it is drawn with.
const EDGES: &str = r#"return window.caregraphExplore.cy.edges().map(e => ({
  id: e.id(), source: e.source().data('slug'), target: e.target().data('slug'),
  lineStyle: e.style('line-style'), label: e.style('label'),
}));"#;

#[tokio::test]
async fn explore_page_and_assets_are_served_by_caregraph() {
    let app = spawn_app().await;
    let page = app.get("/explore").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["content-type"],
        "text/html; charset=utf-8",
        "{:?}",
        page.headers()
    );
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    // The same policy as GraphiQL's: scripts and requests from caregraph only.
    let graphiql = app.get("/graphiql").await;
    assert_eq!(csp, graphiql.headers()["content-security-policy"]);
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let html = page.text().await.expect("body");
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "external URL in the page"
    );
    assert!(
        !html.contains("style=") && !html.contains("<script>"),
        "inline style or script in the page"
    );

    let mut assets = BTreeSet::new();
    for (attr, expected) in [
        ("src=\"", "text/javascript; charset=utf-8"),
        ("href=\"", "text/css; charset=utf-8"),
    ] {
        for part in html.split(attr).skip(1) {
            let path = part.split('"').next().expect("attribute value");
            assert!(
                path.starts_with("/explore/assets/"),
                "asset outside caregraph: {path}"
            );
            let asset = app.get(path).await;
            assert_eq!(asset.status(), StatusCode::OK, "{path}");
            assert_eq!(asset.headers()["content-type"], expected, "{path}");
            assert_eq!(asset.headers()["x-content-type-options"], "nosniff");
            let body = asset.text().await.expect("body");
            assert!(body.len() > 100, "{path} is empty");
            assets.insert(path.to_owned());
        }
    }
    assert_eq!(
        assets,
        BTreeSet::from(
            [
                "/explore/assets/cytoscape.min.js",
                "/explore/assets/explore.js",
                "/explore/assets/explore.css",
            ]
            .map(str::to_owned)
        )
    );
    let script = app
        .get("/explore/assets/explore.js")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        script.contains("fetch('/graphql'"),
        "the page asks caregraph"
    );
    assert!(!script.contains("https://"), "the page loads nothing else");
    assert!(
        !script.contains("Authorization"),
        "the page sends no token: it shows the published graph"
    );

    for path in [
        "/explore/assets/nope.js",
        "/explore/assets/index.html",
        "/explore/assets/README.md",
        "/explore/assets/..%2F..%2Fsrc%2Fmain.rs",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn explore_page_draws_the_graph_in_headless_chromium() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let app = spawn_app().await;
    let seen = with_browser(SESSION, async |s| drive(s, &app).await).await;

    // The picture holds exactly the nodes of the page's own query, asked through the API.
    let root = seen.first["root"].as_str().expect("root id");
    let (centre, centre_edges) = neighbourhood(&app, &seen.query, root).await;
    let drawn = ids(&seen.first["nodes"]);
    assert!(drawn.len() > 5, "too small a picture: {drawn:?}");
    assert_eq!(
        drawn, centre,
        "the page draws other nodes than the API returns"
    );
    assert_eq!(seen.first["rootSlug"], START);

    // Denied links, and only they, are dashed and read "not …"; the article's denial is one.
    let negated: BTreeSet<String> = centre_edges
        .iter()
        .filter(|e| e["negated"] == true)
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    let dashed: BTreeSet<String> = seen
        .edges
        .iter()
        .filter(|e| e["lineStyle"] == "dashed")
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(!dashed.is_empty(), "no link is drawn as denied");
    assert_eq!(dashed, negated, "dashed links are not the denied ones");
    for edge in &seen.edges {
        let label = edge["label"].as_str().expect("label");
        assert_eq!(
            label.starts_with("not "),
            edge["lineStyle"] == "dashed",
            "{edge}"
        );
    }
    let denial = seen
        .edges
        .iter()
        .find(|e| e["source"] == START && e["target"] == "epidural")
        .unwrap_or_else(|| panic!("the epidural denial is not drawn: {:#?}", seen.edges));
    assert_eq!(denial["lineStyle"], "dashed", "{denial}");
    assert_eq!(denial["label"], "not caused by", "{denial}");

    // A click on a node shows its citations; a click on the denial shows the article's words.
    let quotes = node_quotes(&app, &seen.clicked_id).await;
    assert!(!quotes.is_empty(), "{} cites nothing", seen.clicked_id);
    for quote in &quotes {
        assert!(
            seen.clicked_panel.contains(quote.as_str()),
            "the panel does not show {quote:?}: {}",
            seen.clicked_panel
        );
    }
    assert!(
        seen.denial_panel.contains(DENIAL_QUOTE)
            && seen.denial_panel.contains("not caused by")
            && seen.denial_panel.contains("Epidural"),
        "the denied link's panel: {}",
        seen.denial_panel
    );

    // A double click adds the neighbours of the node: the union of both neighbourhoods.
    let (around, _) = neighbourhood(&app, &seen.query, &seen.expanded_id).await;
    let expected: BTreeSet<String> = centre.union(&around).cloned().collect();
    let expanded = ids(&seen.expanded["nodes"]);
    assert!(expanded.len() > drawn.len(), "{expanded:?}");
    assert_eq!(
        expanded, expected,
        "the page added other nodes than the API has"
    );

    // The search box moved the picture to spinal stenosis, and says so in the URL.
    assert_eq!(seen.searched["rootSlug"], "spinal-stenosis");
    assert_eq!(seen.searched["search"], "?slug=spinal-stenosis");
    assert_eq!(seen.searched["panelTitle"], "Spinal stenosis");
    let stenosis = seen.searched["root"].as_str().expect("root");
    let (stenosis_nodes, _) = neighbourhood(&app, &seen.query, stenosis).await;
    assert_eq!(ids(&seen.searched["nodes"]), stenosis_nodes);

    seen.log.assert_offline_and_clean(
        &app.address,
        &[
            "/explore",
            "/explore/assets/cytoscape.min.js",
            "/explore/assets/explore.js",
            "/explore/assets/explore.css",
        ],
    );

    eprintln!(
        "{} nodes drawn, {} after the double click; browser test took {:.1?}",
        drawn.len(),
        expanded.len(),
        started.elapsed()
    );
}

/// What the browser saw.
struct Seen {
    /// The page's neighbourhood query, as it sends it.
    query: String,
    /// [`STATE`] once the first picture is drawn.
    first: Value,
    /// [`EDGES`] of the first picture.
    edges: Vec<Value>,
    /// Id of the node clicked, and the side panel's text after the click.
    clicked_id: String,
    clicked_panel: String,
    /// The side panel's text after a click on the epidural denial.
    denial_panel: String,
    /// Id of the node double-clicked, and [`STATE`] once its neighbours are drawn.
    expanded_id: String,
    expanded: Value,
    /// [`STATE`] after the search for "spinal stenosis" and a click on the condition found.
    searched: Value,
    /// What the page requested and logged.
    log: PageLog,
}

async fn drive(s: &Session, app: &TestApp) -> Result<Seen, String> {
    // Leave Chromium's own new-tab page and empty the logs: they then hold only our page.
    s.goto("about:blank").await?;
    s.set_viewport(1280, 900).await?;
    s.log("performance").await?;
    s.log("browser").await?;
    s.goto(&format!("{}/explore", app.address)).await?;

    let first = settled(s, "the first picture", |_| true).await?;
    let query = s
        .execute("return window.caregraphExplore.queries.neighborhood;")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let edges = s
        .execute(EDGES)
        .await?
        .as_array()
        .cloned()
        .unwrap_or_default();

    // A real click where the node is drawn.
    let (clicked_id, clicked_name) = node_by_slug(s, "epidural").await?;
    let (x, y) = rendered_at(s, &clicked_id).await?;
    s.click_at(x, y, 1).await?;
    settled(s, "the clicked node in the panel", |v| {
        v["panelTitle"] == clicked_name.as_str()
    })
    .await?;
    let clicked_panel = s.text(&s.find("#panel").await?).await?;

    // A real click on the middle of the denied link.
    let denial = s
        .execute(&format!(
            "return window.caregraphExplore.cy.edges().filter(e => e.source().data('slug') === {} \
             && e.target().data('slug') === 'epidural').map(e => e.id())[0] || null;",
            json!(START)
        ))
        .await?;
    let denial = denial.as_str().ok_or("the denial is not drawn")?.to_owned();
    let (x, y) = rendered_at(s, &denial).await?;
    s.click_at(x, y, 1).await?;
    settled(s, "the denied link in the panel", |v| {
        v["panelTitle"] == "Denied link"
    })
    .await?;
    let denial_panel = s.text(&s.find("#panel").await?).await?;
    if let Ok(dir) = std::env::var("CAREGRAPH_SCREENSHOTS") {
        s.screenshot(&PathBuf::from(dir).join("explore.png"))
            .await?;
    }

    // A double click adds the node's neighbours.
    let before = first["nodes"].as_array().map_or(0, Vec::len);
    let (expanded_id, _) = node_by_slug(s, "epidural-related-back-pain").await?;
    let (x, y) = rendered_at(s, &expanded_id).await?;
    s.click_at(x, y, 2).await?;
    let expanded = settled(s, "the neighbours added", |v| {
        v["nodes"].as_array().map_or(0, Vec::len) > before
    })
    .await?;

    // The search box, typed into and submitted with Enter; then a click on the condition.
    let search = s.find("#search-text").await?;
    s.click(&search).await?;
    s.type_text(&format!("spinal stenosis{ENTER}")).await?;
    let hit = s
        .find("#search-results button[data-slug=\"spinal-stenosis\"]")
        .await?;
    s.click(&hit).await?;
    let searched = settled(s, "the picture of spinal stenosis", |v| {
        v["rootSlug"] == "spinal-stenosis"
    })
    .await?;

    let log = s.page_log().await?;

    Ok(Seen {
        query,
        first,
        edges,
        clicked_id,
        clicked_panel,
        denial_panel,
        expanded_id,
        expanded,
        searched,
        log,
    })
}

/// [`STATE`] once no request is in flight, the picture is drawn and `done` accepts it; an
/// error the page shows ends the wait at once.
async fn settled(s: &Session, what: &str, done: impl Fn(&Value) -> bool) -> Result<Value, String> {
    let state = s
        .poll(STATE, what, |v| {
            v["pageError"].is_string() || (v["ready"] == true && v["pending"] == 0 && done(v))
        })
        .await?;
    match state["pageError"].as_str() {
        Some(error) => Err(format!(
            "the page shows an error while waiting for {what}: {error}"
        )),
        None => Ok(state),
    }
}

/// Id and name of the drawn node with this slug.
async fn node_by_slug(s: &Session, slug: &str) -> Result<(String, String), String> {
    let node = s
        .execute(&format!(
            "const n = window.caregraphExplore.cy.nodes().filter(n => n.data('slug') === {});
             return n.nonempty() ? [n.id(), n.data('name')] : null;",
            json!(slug)
        ))
        .await?;
    match (node[0].as_str(), node[1].as_str()) {
        (Some(id), Some(name)) => Ok((id.to_owned(), name.to_owned())),
        _ => Err(format!("{slug} is not drawn")),
    }
}

/// Where a node (its centre) or a link (its middle) is drawn, in viewport coordinates;
/// an error when that is outside the drawing area.
async fn rendered_at(s: &Session, id: &str) -> Result<(f64, f64), String> {
    let at = s
        .execute(&format!(
            "const cy = window.caregraphExplore.cy; const el = cy.getElementById({});
             const p = el.isNode() ? el.renderedPosition() : el.renderedMidpoint();
             const box = cy.container().getBoundingClientRect();
             const inside = p.x > 0 && p.y > 0 && p.x < box.width && p.y < box.height;
             return inside ? [box.left + p.x, box.top + p.y] : null;",
            json!(id)
        ))
        .await?;
    match (at[0].as_f64(), at[1].as_f64()) {
        (Some(x), Some(y)) => Ok((x, y)),
        _ => Err(format!("{id} is not drawn inside the picture")),
    }
}

/// Ids of a list of node ids.
fn ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The distinct nodes (listed or at either end of a link) and the links of the page's
/// neighbourhood query around `id`, asked through the API as an anonymous reader.
async fn neighbourhood(app: &TestApp, query: &str, id: &str) -> (BTreeSet<String>, Vec<Value>) {
    let (status, resp) = app.gql(query, json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert!(resp.get("errors").is_none(), "{resp}");
    let hood = &resp["data"]["neighborhood"];
    let edges = hood["edges"].as_array().cloned().unwrap_or_default();
    let mut nodes: BTreeSet<String> = hood["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n["node"]["id"].as_str().expect("id").to_owned())
        .collect();
    for edge in &edges {
        for end in ["subject", "object"] {
            nodes.insert(edge[end]["id"].as_str().expect("id").to_owned());
        }
    }
    (nodes, edges)
}

/// The citation quotes of a node.
async fn node_quotes(app: &TestApp, id: &str) -> Vec<String> {
    let data = app
        .data(
            "query($id: ID!) { node(id: $id) { citations { quote } } }",
            json!({ "id": id }),
        )
        .await;
    data["node"]["citations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["quote"].as_str().expect("quote").to_owned())
        .collect()
}
