//! Nested fields are batched: statements grow with the query's depth, not with its results.

use chrono::Utc;
use entity::sea_orm_active_enums::{NodeKind, Predicate, Status};
use entity::{edge, node};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

fn node_row(kind: NodeKind, slug: String) -> node::ActiveModel {
    let now = Utc::now();
    node::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind),
        name: Set(format!("Fixture {slug}")),
        slug: Set(slug),
        synonyms: Set(json!([])),
        summary: Set(None),
        treatment_type: Set(None),
        icd10cm: Set(None),
        snomed_ct: Set(None),
        status: Set(Status::Published),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn edge_row(subject: Uuid, predicate: Predicate, object: Uuid) -> edge::ActiveModel {
    let now = Utc::now();
    edge::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_id: Set(subject),
        predicate: Set(predicate),
        object_id: Set(object),
        negated: Set(false),
        place: Set(None),
        timing: Set(None),
        circumstance: Set(None),
        how_to: Set(None),
        note: Set(None),
        status: Set(Status::Published),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

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
