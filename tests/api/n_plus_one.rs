//! Nested fields are batched: statements grow with the query's depth, not with its results.

use chrono::{TimeDelta, Utc};
use entity::citation;
use entity::sea_orm_active_enums::{NodeKind, Predicate, Role, Status};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{edge_row, insert_graph, node_row, spawn_app};

const LIST: &str = r#"query($n: Int) {
  conditions(first: $n, filter: { nameContains: "fixture" }) {
    edges { node { name
      symptoms { name }
      treatments { name risks { name } } } } } }"#;

#[tokio::test]
async fn fifty_conditions_take_as_many_statements_as_one() {
    let app = spawn_app().await;
    // Given 50 conditions, each with its own symptom and treatment, each treatment with a risk.
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for i in 0..50 {
        let [c, s, t, r] = [
            NodeKind::Condition,
            NodeKind::Symptom,
            NodeKind::Treatment,
            NodeKind::Risk,
        ]
        .map(|k| {
            node_row(
                k,
                format!("fixture-{i}-{}", format!("{k:?}").to_lowercase()),
            )
        });
        let ids = [&c, &s, &t, &r].map(|m| *m.id.as_ref());
        edges.push(edge_row(ids[0], Predicate::HasSymptom, ids[1]));
        edges.push(edge_row(ids[0], Predicate::TreatedBy, ids[2]));
        edges.push(edge_row(ids[2], Predicate::HasAdverseRisk, ids[3]));
        nodes.extend([c, s, t, r]);
    }
    insert_graph(&app.db, nodes, edges).await;

    // When the list is read with 1 and with 50 results.
    let (one, one_count) = app.gql_counted(LIST, json!({ "n": 1 })).await;
    let (fifty, fifty_count) = app.gql_counted(LIST, json!({ "n": 50 })).await;

    // Then every result is there, fully nested, and the statement count is the same: the
    // list, then the conditions' links with the treatments' risks read ahead in the same
    // statement.
    let rows = fifty["conditions"]["edges"].as_array().expect("edges");
    assert_eq!(rows.len(), 50);
    assert!(
        rows.iter()
            .all(|r| r["node"]["treatments"][0]["risks"][0]["name"].is_string()),
        "{fifty}"
    );
    assert_eq!(
        one["conditions"]["edges"].as_array().expect("edges").len(),
        1
    );
    assert_eq!(
        one_count, fifty_count,
        "statements must not grow with the number of results"
    );
    assert_eq!(fifty_count, 2, "the list, then the links two levels deep");

    // The JSON-LD documents of a list are gathered through the same loaders.
    const JSON_LD: &str = r#"query($n: Int) {
      conditions(first: $n, filter: { nameContains: "fixture" }) { edges { node { jsonLd } } } }"#;
    let (one, one_count) = app.gql_counted(JSON_LD, json!({ "n": 1 })).await;
    let (fifty, fifty_count) = app.gql_counted(JSON_LD, json!({ "n": 50 })).await;
    let docs = fifty["conditions"]["edges"].as_array().expect("edges");
    assert_eq!(docs.len(), 50);
    assert!(
        docs.iter().all(|d| {
            d["node"]["jsonLd"]["possibleTreatment"][0]["adverseOutcome"][0]["name"].is_string()
        }),
        "{fifty}"
    );
    assert!(one["conditions"]["edges"][0]["node"]["jsonLd"]["@type"] == "MedicalCondition");
    assert_eq!(
        one_count, fifty_count,
        "JSON-LD statements must not grow with the number of conditions"
    );
}

#[tokio::test]
async fn the_condition_page_costs_one_statement() {
    let app = spawn_app().await;
    let (data, statements) = app
        .gql_counted(
            crate::questions::CONDITION_PAGE,
            json!({ "slug": "postpartum-low-back-pain" }),
        )
        .await;
    assert_eq!(data["condition"]["name"], "Postpartum low back pain");
    // The condition by slug with its citations, its links (all five kinds) with theirs, and
    // the treatments' risks, in one statement, for a query nested five deep (condition >
    // treatmentLinks > treatment > risks > name).
    assert_eq!(statements, 1, "condition page took {statements} statements");
}

const CITED_PAGE: &str = r#"query($slug: String!) {
  condition(slug: $slug) {
    name citations { quote source { title } }
    symptomLinks { symptom { name } citations { quote } }
    causeLinks { cause { name } citations { quote } } } }"#;

fn quotes(citations: &Value) -> Vec<&str> {
    citations
        .as_array()
        .expect("a list of citations")
        .iter()
        .map(|c| c["quote"].as_str().expect("a quote"))
        .collect()
}

/// The condition's citations and its links' are read in the statements that read the
/// condition and its links: oldest first, drafts for content teams only, and a node or link
/// without citations reads as an empty list.
#[tokio::test]
async fn citations_read_along_keep_their_order_and_drafts() {
    let app = spawn_app().await;
    let source: Uuid = app.source_id().await.parse().expect("a uuid");
    // Given a condition with a symptom link and a cause link; citations on the condition and
    // on the symptom link, published and draft, written out of their time order.
    let [c, s, k] = [
        (NodeKind::Condition, "fixture-cited"),
        (NodeKind::Symptom, "fixture-cited-symptom"),
        (NodeKind::Cause, "fixture-cited-cause"),
    ]
    .map(|(kind, slug)| node_row(kind, slug.to_owned()));
    let ids = [&c, &s, &k].map(|m| *m.id.as_ref());
    let symptom_link = edge_row(ids[0], Predicate::HasSymptom, ids[1]);
    let cause_link = edge_row(ids[0], Predicate::CausedBy, ids[2]);
    let link = *symptom_link.id.as_ref();
    insert_graph(&app.db, [c, s, k], [symptom_link, cause_link]).await;
    let t0 = Utc::now();
    let cite = |node: Option<Uuid>, edge: Option<Uuid>, quote: &str, status, minutes| {
        citation::ActiveModel {
            id: Set(Uuid::now_v7()),
            source_id: Set(source),
            node_id: Set(node),
            edge_id: Set(edge),
            quote: Set(quote.to_owned()),
            status: Set(status),
            created_at: Set(t0 + TimeDelta::minutes(minutes)),
        }
    };
    citation::Entity::insert_many([
        cite(Some(ids[0]), None, "node second", Status::Published, 2),
        cite(Some(ids[0]), None, "node draft", Status::Draft, 3),
        cite(Some(ids[0]), None, "node first", Status::Published, 1),
        cite(None, Some(link), "link draft", Status::Draft, 1),
        cite(None, Some(link), "link published", Status::Published, 2),
    ])
    .exec(&app.db)
    .await
    .expect("insert citations");
    let slug = json!({ "slug": "fixture-cited" });

    // When a reader asks, then the published citations come in time order, in one statement.
    let (page, statements) = app.gql_counted(CITED_PAGE, slug.clone()).await;
    let page = &page["condition"];
    assert_eq!(quotes(&page["citations"]), ["node first", "node second"]);
    assert!(
        page["citations"][0]["source"]["title"].is_string(),
        "{page}"
    );
    assert_eq!(
        quotes(&page["symptomLinks"][0]["citations"]),
        ["link published"]
    );
    assert_eq!(
        quotes(&page["causeLinks"][0]["citations"]),
        Vec::<&str>::new()
    );
    assert_eq!(
        statements, 1,
        "the condition and its links, each with citations"
    );

    // When a content team asks, then the drafts are there too, in their place.
    let editor = app.token("ed", Role::Editor).await;
    let page = app.data_as(&editor, CITED_PAGE, slug).await;
    let page = &page["condition"];
    assert_eq!(
        quotes(&page["citations"]),
        ["node first", "node second", "node draft"]
    );
    assert_eq!(
        quotes(&page["symptomLinks"][0]["citations"]),
        ["link draft", "link published"]
    );

    // And a slug that names nothing is null, on the read-along path too.
    let data = app
        .data(CITED_PAGE, json!({ "slug": "no-such-condition" }))
        .await;
    assert!(data["condition"].is_null(), "{data}");
}
