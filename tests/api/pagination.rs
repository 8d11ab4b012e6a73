//! Relay connections: cursors, ordering, filters and page bounds.

use serde_json::{Value, json};

use crate::helpers::{assert_code, spawn_app};

const PAGE: &str = r#"query($first: Int, $after: String, $order: NodeOrder, $filter: NodeFilter) {
  treatments(first: $first, after: $after, orderBy: $order, filter: $filter) {
    totalCount
    edges { cursor node { slug name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  } }"#;

async fn walk(app: &crate::helpers::TestApp, order: Value) -> (Vec<String>, u64) {
    let (mut names, mut after) = (Vec::new(), Value::Null);
    let total = loop {
        let data = app
            .data(PAGE, json!({ "first": 3, "after": after, "order": order }))
            .await;
        let page = &data["treatments"];
        let total = page["totalCount"].as_u64().expect("count");
        assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null());
        names.extend(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["name"].as_str().expect("name").to_owned()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break total;
        }
        after = page["pageInfo"]["endCursor"].clone();
    };
    (names, total)
}

#[tokio::test]
async fn pages_cover_the_list_once_in_order() {
    let app = spawn_app().await;
    let (names, total) = walk(&app, json!({ "field": "NAME", "direction": "ASC" })).await;
    assert!(total >= 10);
    assert_eq!(names.len() as u64, total);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let (desc, _) = walk(&app, json!({ "field": "NAME", "direction": "DESC" })).await;
    assert_eq!(desc, names.iter().rev().cloned().collect::<Vec<_>>());
    let (by_creation, _) = walk(&app, json!({ "field": "CREATED_AT" })).await;
    assert_eq!(by_creation.len() as u64, total);
}

#[tokio::test]
async fn the_name_filter_ignores_case_and_counts() {
    let app = spawn_app().await;
    let data = app
        .data(
            PAGE,
            json!({ "first": 100, "filter": { "nameContains": "THERAPY" } }),
        )
        .await;
    let page = &data["treatments"];
    let names: Vec<&str> = page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["name"].as_str().expect("name"))
        .collect();
    assert!(
        names.len() >= 2 && names.iter().all(|n| n.to_lowercase().contains("therapy")),
        "{names:?}"
    );
    assert_eq!(page["totalCount"], names.len());
    let none = app
        .data(
            PAGE,
            json!({ "first": 5, "filter": { "nameContains": "100%_" } }),
        )
        .await;
    assert_eq!(none["treatments"]["totalCount"], 0);
}

#[tokio::test]
async fn page_size_and_cursor_are_checked() {
    let app = spawn_app().await;
    let ok = app.data(PAGE, json!({ "first": 100 })).await;
    assert!(ok["treatments"]["edges"].as_array().expect("edges").len() >= 10);
    // Over the page-size limit: the limit is named; a negative size is a bad value.
    let (_, resp) = app.gql(PAGE, json!({ "first": 101 })).await;
    assert_code(&resp, "LIMIT_EXCEEDED");
    assert_eq!(resp["errors"][0]["extensions"]["limit"], "pageSize");
    assert_eq!(resp["errors"][0]["extensions"]["max"], 100);
    let (_, resp) = app.gql(PAGE, json!({ "first": -1 })).await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "first");
    let (_, resp) = app
        .gql(PAGE, json!({ "first": 2, "after": "not-a-cursor" }))
        .await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "after");
}
