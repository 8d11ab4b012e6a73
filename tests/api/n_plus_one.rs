//! Nested fields are batched: statements grow with the query's depth, not with its results.

use entity::sea_orm_active_enums::{NodeKind, Predicate};
use entity::{edge, node};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::helpers::{edge_row, node_row, spawn_app};

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
    node::Entity::insert_many(nodes)
        .exec(&app.db)
        .await
        .expect("insert nodes");
    edge::Entity::insert_many(edges)
        .exec(&app.db)
        .await
        .expect("insert edges");

    // When the list is read with 1 and with 50 results.
    let (one, one_count) = app.gql_counted(LIST, json!({ "n": 1 })).await;
    let (fifty, fifty_count) = app.gql_counted(LIST, json!({ "n": 50 })).await;

    // Then every result is there, fully nested, and the statement count is the same: one per
    // level (the list, links of conditions, links of treatments).
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
    assert_eq!(fifty_count, 3, "one statement per level of nesting");

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
async fn the_condition_page_costs_one_statement_per_level() {
    let app = spawn_app().await;
    let (data, statements) = app
        .gql_counted(
            crate::questions::CONDITION_PAGE,
            json!({ "slug": "postpartum-low-back-pain" }),
        )
        .await;
    assert_eq!(data["condition"]["name"], "Postpartum low back pain");
    // 1: the condition by slug. 2: its links (all five kinds in one statement) and its own
    // citations. 3: the links' citations and the treatments' risks. Five statements for a
    // query nested five deep (condition > treatmentLinks > treatment > risks > name).
    assert_eq!(statements, 5, "condition page took {statements} statements");
}
