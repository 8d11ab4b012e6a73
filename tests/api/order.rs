//! The response map follows the selection set (GraphQL spec §7.2.2), whatever resolves first:
//! at the root and at every level below, with fields of very different speeds side by side
//! (a search, a batched link load, a plain column, `__typename`), fresh and from the cache,
//! by POST and by GET. The keys are read from the response text itself.

use serde_json::{Map, Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_configured};

/// The issue's reproduction: on a fresh server this answered `{"s":…,"p":…}` every time.
const ISSUE: &str = r#"{ p: condition(slug: "postpartum-low-back-pain") { causes { slug } } s: search(text: "back pain after epidural", first: 1) { edges { score } } }"#;

/// Siblings of different speeds at every level: the search scans the index, the condition
/// loads links in batches, `__typename` and the scalars are at hand.
const MIXED: &str = r#"{
  t: __typename
  s: search(text: "back pain after epidural", first: 2) {
    edges { score node { __typename name id } }
    pageInfo { hasNextPage }
  }
  p: condition(slug: "postpartum-low-back-pain") {
    treatmentLinks { citations { quote } treatment { risks { name } name } place }
    name
    causes { slug __typename }
    __typename
    symptomLinks { symptom { name } timing }
    slug
  }
  e: condition(slug: "epidural-related-back-pain") {
    __typename
    symptoms { name slug }
    id
  }
  first: sources { title }
}"#;

#[tokio::test]
async fn response_keys_follow_the_selection_with_and_without_the_cache() {
    let cached = spawn_app().await;
    let uncached = spawn_app_configured(|_, serve| serve.cache.response_cache = false).await;
    for app in [&cached, &uncached] {
        for query in [ISSUE, MIXED] {
            // Three times: the first runs, the later ones may come from the cache (its
            // normalized key, then its exact bytes).
            for _ in 0..3 {
                let text = post_text(app, query).await;
                assert_in_selection_order(query, &text);
            }
            let text = app
                .get_graphql(query, &Value::Null, &[])
                .await
                .text()
                .await
                .expect("body");
            assert_in_selection_order(query, &text);
        }
    }
    // The reproduction's keys, spelled out.
    let text = post_text(&uncached, ISSUE).await;
    let data = &parse(&text)["data"];
    assert_eq!(keys(data), ["p", "s"], "{text}");
}

/// A token holder's answers bypass the cache and its byte splicing: in order as well.
#[tokio::test]
async fn token_holders_get_keys_in_order_too() {
    let app = spawn_app().await;
    let token = app
        .token("orderly", entity::sea_orm_active_enums::Role::Editor)
        .await;
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&token)
        .json(&json!({ "query": MIXED }))
        .send()
        .await
        .expect("request");
    let text = resp.text().await.expect("body");
    assert_in_selection_order(MIXED, &text);
}

async fn post_text(app: &TestApp, query: &str) -> String {
    app.client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body")
}

/// JSON with its object keys in text order (serde_json's `preserve_order`).
fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Checks every object of the answer against the response keys its selection asks for, in
/// order. The queries here use no fragments, so a selection's keys are its fields' aliases or
/// names as written.
fn assert_in_selection_order(query: &str, text: &str) {
    let answer = parse(text);
    assert!(answer.get("errors").is_none(), "{text}");
    let doc = async_graphql::parser::parse_query(query).expect("query parses");
    let operation = doc.operations.iter().next().expect("one operation").1;
    check_set(
        &operation.node.selection_set.node,
        &answer["data"],
        "data",
        text,
    );
}

fn check_set(
    set: &async_graphql::parser::types::SelectionSet,
    value: &Value,
    path: &str,
    text: &str,
) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_set(set, item, &format!("{path}[{i}]"), text);
            }
        }
        Value::Object(object) => {
            let mut asked = Vec::new();
            for item in &set.items {
                let async_graphql::parser::types::Selection::Field(field) = &item.node else {
                    panic!("the queries here use no fragments");
                };
                let key = field.node.response_key().node.to_string();
                let child: &Map<String, Value> = object;
                check_set(
                    &field.node.selection_set.node,
                    child.get(&key).unwrap_or(&Value::Null),
                    &format!("{path}.{key}"),
                    text,
                );
                asked.push(key);
            }
            assert_eq!(keys(value), asked, "keys of {path} out of order in {text}");
        }
        _ => {}
    }
}
