//! The far ends' links a selection shows are read in the statement of the links that reach
//! them (`treatmentLinks { treatment { risks } }`): the answer must be the one the far end's
//! own read gives, for readers and content teams, and never stale inside a mutation.

use entity::node;
use entity::sea_orm_active_enums::{NodeKind, Predicate, Role, Status};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{QUOTE, TestApp, edge_row, insert_graph, node_row, spawn_app};

const NESTED: &str = r#"query($slug: String!) { condition(slug: $slug) {
  treatmentLinks { place treatment { slug risks { slug } riskLinks { note risk { slug } }
    conditions { slug } } }
  broader { slug narrower { slug } differentials { slug } } } }"#;

const TREATMENT: &str = r#"query($slug: String!) { treatment(slug: $slug) {
  slug risks { slug } riskLinks { note risk { slug } } conditions { slug } } }"#;

const CONDITION: &str = r#"query($slug: String!) { condition(slug: $slug) {
  slug narrower { slug } differentials { slug } } }"#;

pub fn slugs(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|n| n["slug"].as_str().expect("a slug"))
        .collect()
}

/// A condition with three treatments (one with a published, a draft and a denied risk, one
/// with none, one a draft itself) and a broader condition with differentials both ways, one
/// of them back to the first.
pub async fn fixture(app: &TestApp) -> [Uuid; 10] {
    let slugs = [
        (NodeKind::Condition, "fixture-ahead"),
        (NodeKind::Treatment, "fixture-ahead-t1"),
        (NodeKind::Treatment, "fixture-ahead-t2"),
        (NodeKind::Treatment, "fixture-ahead-t3"),
        (NodeKind::Risk, "fixture-ahead-r1"),
        (NodeKind::Risk, "fixture-ahead-r2"),
        (NodeKind::Risk, "fixture-ahead-r3"),
        (NodeKind::Condition, "fixture-ahead-b"),
        (NodeKind::Condition, "fixture-ahead-d1"),
        (NodeKind::Condition, "fixture-ahead-d2"),
    ];
    let mut rows = slugs.map(|(kind, slug)| node_row(kind, slug.to_owned()));
    rows[3].status = Set(Status::Draft);
    let [c, t1, t2, t3, r1, r2, r3, b, d1, d2] = rows.each_ref().map(|m| *m.id.as_ref());
    let mut draft = edge_row(t1, Predicate::HasAdverseRisk, r2);
    draft.status = Set(Status::Draft);
    let mut denied = edge_row(t1, Predicate::HasAdverseRisk, r3);
    denied.negated = Set(true);
    let edges = [
        edge_row(c, Predicate::TreatedBy, t1),
        edge_row(c, Predicate::TreatedBy, t2),
        edge_row(c, Predicate::TreatedBy, t3),
        edge_row(t1, Predicate::HasAdverseRisk, r1),
        draft,
        denied,
        edge_row(t3, Predicate::HasAdverseRisk, r1),
        edge_row(c, Predicate::SubclassOf, b),
        edge_row(b, Predicate::DifferentialOf, d1),
        edge_row(d2, Predicate::DifferentialOf, b),
        edge_row(b, Predicate::DifferentialOf, c),
    ];
    insert_graph(&app.db, rows, edges).await;
    [c, t1, t2, t3, r1, r2, r3, b, d1, d2]
}

/// Every far end in `page` reads as its own query reads it.
async fn agrees_with_own_reads(app: &TestApp, token: Option<&str>, page: &Value) {
    let read = |query: &'static str, slug: Value| async move {
        let vars = json!({ "slug": slug });
        match token {
            Some(token) => app.data_as(token, query, vars).await,
            None => app.data(query, vars).await,
        }
    };
    for link in page["treatmentLinks"].as_array().expect("links") {
        let own = read(TREATMENT, link["treatment"]["slug"].clone()).await;
        assert_eq!(link["treatment"], own["treatment"], "token {token:?}");
    }
    for broader in page["broader"].as_array().expect("broader") {
        let own = read(CONDITION, broader["slug"].clone()).await;
        assert_eq!(*broader, own["condition"], "token {token:?}");
    }
}

#[tokio::test]
async fn links_read_ahead_are_the_far_ends_own() {
    let app = spawn_app().await;
    fixture(&app).await;
    let slug = json!({ "slug": "fixture-ahead" });

    // A reader: one statement (the condition with its links, and the far ends' links on both
    // sides of theirs), published content only.
    let (data, statements) = app.gql_counted(NESTED, slug.clone()).await;
    let page = &data["condition"];
    assert_eq!(statements, 1, "{page}");
    let treatments: Vec<&Value> = page["treatmentLinks"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| &l["treatment"])
        .collect();
    assert_eq!(
        treatments
            .iter()
            .map(|t| t["slug"].as_str())
            .collect::<Vec<_>>(),
        [Some("fixture-ahead-t1"), Some("fixture-ahead-t2")],
        "the draft treatment is hidden"
    );
    assert_eq!(slugs(&treatments[0]["risks"]), ["fixture-ahead-r1"]);
    assert_eq!(slugs(&treatments[1]["risks"]), Vec::<&str>::new());
    assert_eq!(slugs(&treatments[0]["conditions"]), ["fixture-ahead"]);
    let broader = &page["broader"][0];
    assert_eq!(slugs(&broader["narrower"]), ["fixture-ahead"]);
    assert_eq!(
        slugs(&broader["differentials"]),
        ["fixture-ahead", "fixture-ahead-d1", "fixture-ahead-d2"]
    );
    agrees_with_own_reads(&app, None, page).await;

    // A content team: the drafts too, the denied risk still apart.
    let editor = app.token("ed", Role::Editor).await;
    let data = app.data_as(&editor, NESTED, slug).await;
    let page = &data["condition"];
    let links = page["treatmentLinks"].as_array().expect("links");
    assert_eq!(links.len(), 3, "{page}");
    assert_eq!(
        slugs(&links[0]["treatment"]["risks"]),
        ["fixture-ahead-r1", "fixture-ahead-r2"]
    );
    assert_eq!(slugs(&links[2]["treatment"]["risks"]), ["fixture-ahead-r1"]);
    agrees_with_own_reads(&app, Some(&editor), page).await;
}

/// A mutation's later field reads what an earlier one wrote: nothing read ahead by the
/// first field stands in for the second's read.
#[tokio::test]
async fn a_mutation_reads_nothing_ahead() {
    let app = spawn_app().await;
    let [c, _, _, _, r1, ..] = fixture(&app).await;
    let t4 = node_row(NodeKind::Treatment, "fixture-ahead-t4".to_owned());
    let t4_id = *t4.id.as_ref();
    node::Entity::insert(t4)
        .exec(&app.db)
        .await
        .expect("insert node");
    let editor = app.token("ed", Role::Editor).await;
    let citations = json!([{ "sourceId": app.source_id().await, "quote": QUOTE }]);
    let data = app
        .data_as(
            &editor,
            r#"mutation($treat: LinkInput!, $risk: LinkInput!) {
              a: link(input: $treat) { subject { ... on Condition {
                treatmentLinks { treatment { slug risks { slug } } } } } }
              b: link(input: $risk) { subject { ... on Treatment { slug risks { slug } } } } }"#,
            json!({
                "treat": { "subjectId": c, "predicate": "TREATED_BY", "objectId": t4_id,
                           "citations": citations },
                "risk": { "subjectId": t4_id, "predicate": "HAS_ADVERSE_RISK", "objectId": r1,
                          "citations": citations },
            }),
        )
        .await;
    let first = data["a"]["subject"]["treatmentLinks"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["treatment"]["slug"] == "fixture-ahead-t4")
        .unwrap_or_else(|| panic!("the new link: {data}"));
    assert_eq!(slugs(&first["treatment"]["risks"]), Vec::<&str>::new());
    assert_eq!(
        slugs(&data["b"]["subject"]["risks"]),
        ["fixture-ahead-r1"],
        "{data}"
    );
}
