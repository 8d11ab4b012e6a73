//! A node read by its slug is read in the statement of its links (`links::page`): the page
//! must answer as the links' own reads do, for readers and content teams, whatever the
//! selection asks of them.

use entity::sea_orm_active_enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::read_ahead::{fixture, slugs};

/// The same links twice under aliases, asking for different columns and citations, and the
/// far ends' links on both of their sides.
const ALIASED: &str = r#"query($slug: String!) { treatment(slug: $slug) {
  id slug
  plain: riskLinks { note }
  full: riskLinks { negated risk { slug createdAt treatments { slug } } citations { quote } }
  risks { slug } } }"#;

/// Links on both sides of the node: `risks` (out) and `conditions` (in).
const BOTH_SIDES: &str = r#"query($slug: String!) { treatment(slug: $slug) {
  slug risks { slug } conditions { slug } } }"#;

/// The lists of [`ALIASED`] for the treatment `id`, each read on its own: `node(id:)` reads
/// no links with the node, so each list is read by the links loader.
async fn one_by_one(app: &TestApp, token: Option<&str>, id: &Value) -> Value {
    let mut own = serde_json::Map::new();
    for (alias, selection) in [
        ("plain", "riskLinks { note }"),
        (
            "full",
            "riskLinks { negated risk { slug createdAt treatments { slug } } citations { quote } }",
        ),
        ("risks", "risks { slug }"),
    ] {
        let query = format!(
            r#"query($id: ID!) {{ node(id: $id) {{ ... on Treatment {{ {alias}: {selection} }} }} }}"#
        );
        let vars = json!({ "id": id });
        let data = match token {
            Some(token) => app.data_as(token, &query, vars).await,
            None => app.data(&query, vars).await,
        };
        own.insert(alias.to_owned(), data["node"][alias].clone());
    }
    Value::Object(own)
}

#[tokio::test]
async fn a_page_answers_as_its_links_own_reads() {
    let app = spawn_app().await;
    fixture(&app).await;
    let vars = json!({ "slug": "fixture-ahead-t1" });
    let (data, statements) = app.gql_counted(ALIASED, vars.clone()).await;
    assert_eq!(statements, 1, "{data}");
    let editor = app.token("ed", Role::Editor).await;
    let edited = app.data_as(&editor, ALIASED, vars).await;
    // Readers see the published risk; content teams the draft too. The denied risk is in
    // neither list. The risk's own treatments leave out the draft treatment for readers.
    for (token, data, risks, treatments) in [
        (
            None,
            &data,
            &["fixture-ahead-r1"][..],
            &["fixture-ahead-t1"][..],
        ),
        (
            Some(editor.as_str()),
            &edited,
            &["fixture-ahead-r1", "fixture-ahead-r2"][..],
            &["fixture-ahead-t1", "fixture-ahead-t3"][..],
        ),
    ] {
        let page = &data["treatment"];
        let own = one_by_one(&app, token, &page["id"]).await;
        for list in ["plain", "full", "risks"] {
            assert_eq!(page[list], own[list], "{list}, token {token:?}");
        }
        assert_eq!(slugs(&page["risks"]), risks, "token {token:?}");
        let links = page["full"].as_array().expect("links");
        assert_eq!(links.len(), risks.len(), "{page}");
        assert!(links.iter().all(|l| l["negated"] == false), "{page}");
        assert_eq!(page["plain"].as_array().map(Vec::len), Some(links.len()));
        assert_eq!(slugs(&links[0]["risk"]["treatments"]), treatments, "{page}");
    }
}

#[tokio::test]
async fn a_page_with_links_on_both_sides_reads_the_second_side_apart() {
    let app = spawn_app().await;
    fixture(&app).await;
    let (data, statements) = app
        .gql_counted(BOTH_SIDES, json!({ "slug": "fixture-ahead-t1" }))
        .await;
    let page = &data["treatment"];
    assert_eq!(
        statements, 2,
        "the treatment with its risks, then its conditions: {page}"
    );
    assert_eq!(slugs(&page["risks"]), ["fixture-ahead-r1"]);
    assert_eq!(slugs(&page["conditions"]), ["fixture-ahead"]);
}

#[tokio::test]
async fn a_page_that_is_hidden_or_missing_is_null() {
    let app = spawn_app().await;
    fixture(&app).await;
    // A draft treatment: null for readers, with its links for content teams.
    let draft = json!({ "slug": "fixture-ahead-t3" });
    let (data, statements) = app.gql_counted(BOTH_SIDES, draft.clone()).await;
    assert!(data["treatment"].is_null(), "{data}");
    assert_eq!(statements, 1, "{data}");
    let editor = app.token("ed", Role::Editor).await;
    let data = app.data_as(&editor, BOTH_SIDES, draft).await;
    assert_eq!(slugs(&data["treatment"]["risks"]), ["fixture-ahead-r1"]);
    assert_eq!(slugs(&data["treatment"]["conditions"]), ["fixture-ahead"]);
    // A slug of another kind, and a slug of nothing.
    for slug in ["fixture-ahead", "no-such-treatment"] {
        let data = app.data(BOTH_SIDES, json!({ "slug": slug })).await;
        assert!(data["treatment"].is_null(), "{slug}: {data}");
    }
    // A node without links reads as one with none.
    let data = app
        .data(BOTH_SIDES, json!({ "slug": "fixture-ahead-t2" }))
        .await;
    assert_eq!(slugs(&data["treatment"]["risks"]), Vec::<&str>::new());
}

/// The node's own citations read in the page's statement, beside links read without theirs,
/// are those its citations-only read gives.
#[tokio::test]
async fn a_page_reads_its_own_citations_beside_uncited_links() {
    let app = spawn_app().await;
    let slug = json!({ "slug": "postpartum-low-back-pain" });
    let (page, statements) = app
        .gql_counted(
            r#"query($slug: String!) { condition(slug: $slug) {
              citations { quote source { title } } treatments { slug } } }"#,
            slug.clone(),
        )
        .await;
    assert_eq!(statements, 1, "{page}");
    let alone = app
        .data(
            r#"query($slug: String!) { condition(slug: $slug) {
              citations { quote source { title } } } }"#,
            slug,
        )
        .await;
    let citations = &page["condition"]["citations"];
    assert_eq!(*citations, alone["condition"]["citations"]);
    assert_eq!(citations.as_array().map(Vec::len), Some(2), "{page}");
    let treatments = page["condition"]["treatments"].as_array().expect("a list");
    assert_eq!(treatments.len(), 11, "{page}");
}

/// One node's and one link list's citations shown twice under aliases, once by their quotes
/// (read without their sources) and once with their sources: each answers as its own read,
/// whichever alias's statement runs first.
#[tokio::test]
async fn citations_shown_with_and_without_their_sources_each_get_theirs() {
    const TWICE: &str = r#"query($slug: String!) {
      quotes: condition(slug: $slug) { citations { quote } symptomLinks { citations { id quote } } }
      sources: condition(slug: $slug) {
        id citations { quote source { title slug } }
        symptomLinks { q: citations { quote } s: citations { quote source { title url } } } } }"#;
    const OWN: &str = r#"query($id: ID!) { node(id: $id) { ... on Condition {
      citations { quote source { title slug } }
      symptomLinks { citations { id quote source { title url } } } } } }"#;
    let app = spawn_app().await;
    let (data, statements) = app
        .gql_counted(TWICE, json!({ "slug": "postpartum-low-back-pain" }))
        .await;
    assert_eq!(statements, 2, "one statement per alias: {data}");
    let sources = &data["sources"];
    let own = app.data(OWN, json!({ "id": sources["id"] })).await;
    let own = &own["node"];
    assert_eq!(sources["citations"], own["citations"]);
    let title = own["citations"][0]["source"]["title"].as_str();
    assert!(title.is_some_and(|t| !t.is_empty()), "{own}");
    let links = own["symptomLinks"].as_array().expect("links");
    assert!(!links.is_empty(), "{own}");
    for (at, link) in links.iter().enumerate() {
        let quoted: Vec<Value> = link["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .map(|c| json!({ "id": c["id"], "quote": c["quote"] }))
            .collect();
        assert!(!quoted.is_empty(), "{link}");
        let with_sources: Vec<Value> = link["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .map(|c| json!({ "quote": c["quote"], "source": c["source"] }))
            .collect();
        assert_eq!(
            sources["symptomLinks"][at]["s"],
            Value::Array(with_sources),
            "{at}"
        );
        assert_eq!(
            data["quotes"]["symptomLinks"][at]["citations"],
            Value::Array(quoted)
        );
        assert_eq!(
            sources["symptomLinks"][at]["q"],
            data["quotes"]["symptomLinks"][at]["citations"]
                .as_array()
                .expect("citations")
                .iter()
                .map(|c| json!({ "quote": c["quote"] }))
                .collect::<Value>()
        );
    }
    let quotes: Vec<&Value> = own["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .map(|c| &c["quote"])
        .collect();
    let shown: Vec<&Value> = data["quotes"]["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .map(|c| &c["quote"])
        .collect();
    assert_eq!(shown, quotes);
}

/// A page whose node shows less of its citations than its links show of theirs, with a branch
/// for the far ends' links in the same statement (the postpartum page's treatments have no
/// risks, but the branch is there): the branches agree on their columns on both databases,
/// where PostgreSQL types a `UNION`'s columns from its branches.
#[tokio::test]
async fn a_page_whose_links_show_more_of_their_citations_than_the_node() {
    const PAGE: &str = r#"query($slug: String!) { condition(slug: $slug) {
      citations { quote }
      treatmentLinks { treatment { slug risks { slug } } citations { quote source { title } } } } }"#;
    let app = spawn_app().await;
    let (data, statements) = app
        .gql_counted(PAGE, json!({ "slug": "postpartum-low-back-pain" }))
        .await;
    assert_eq!(statements, 1, "{data}");
    let page = &data["condition"];
    assert_eq!(
        page["citations"].as_array().map(Vec::len),
        Some(2),
        "{page}"
    );
    let links = page["treatmentLinks"].as_array().expect("links");
    assert_eq!(links.len(), 11, "{page}");
    let titles: Vec<&Value> = links
        .iter()
        .flat_map(|l| l["citations"].as_array().expect("citations"))
        .map(|c| &c["source"]["title"])
        .collect();
    assert!(!titles.is_empty(), "{page}");
    assert!(
        titles.iter().all(|t| *t == "Back Pain After An Epidural"),
        "{titles:?}"
    );
}
