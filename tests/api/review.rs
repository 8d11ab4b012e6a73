//! The review policy: the four-eyes rule, review-due dates and the overdue list.

use entity::sea_orm_active_enums::Role;
use serde_json::{Value, json};

use crate::helpers::{QUOTE, TestApp, assert_code, spawn_app, spawn_app_configured};

async fn draft(app: &TestApp, token: &str, slug: &str) -> String {
    let source = app.source_id().await;
    app.data_as(
        token,
        r#"mutation($input: CreateNodeInput!) { createNode(input: $input) { id } }"#,
        json!({ "input": { "kind": "TREATMENT", "slug": slug, "name": slug,
            "citations": [{ "sourceId": source, "quote": QUOTE }] } }),
    )
    .await["createNode"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn step(app: &TestApp, token: &str, step: &str, id: &str, version: i64) -> (Value, Value) {
    let q = format!(
        "mutation($id: ID!, $v: Int!) {{ {step}(id: $id, version: $v) {{ ... on Treatment {{ status version reviewedAt reviewDue }} }} }}"
    );
    let (_, resp) = app
        .gql_as(token, &q, json!({ "id": id, "v": version }))
        .await;
    (resp["data"][step].clone(), resp)
}

#[tokio::test]
async fn a_reviewer_cannot_publish_their_own_submission() {
    let app = spawn_app().await;
    let admin = app.token("ada", Role::Admin).await;
    let rita = app.token("rita", Role::Reviewer).await;

    let id = draft(&app, &admin, "own-work").await;
    step(&app, &admin, "submitForReview", &id, 1).await;
    let (_, resp) = step(&app, &admin, "publish", &id, 2).await;
    assert_code(&resp, "FORBIDDEN");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .expect("message")
            .starts_with("four-eyes rule: ada submitted this"),
        "{resp}"
    );
    // Another reviewer may.
    let (published, resp) = step(&app, &rita, "publish", &id, 2).await;
    assert_eq!(published["status"], "PUBLISHED", "{resp}");
}

#[tokio::test]
async fn a_one_person_team_can_turn_the_four_eyes_rule_off() {
    let app = spawn_app_configured(|_, serve| serve.review.four_eyes = false).await;
    let admin = app.token("ada", Role::Admin).await;
    let id = draft(&app, &admin, "solo-work").await;
    step(&app, &admin, "submitForReview", &id, 1).await;
    let (published, resp) = step(&app, &admin, "publish", &id, 2).await;
    assert_eq!(published["status"], "PUBLISHED", "{resp}");
}

const OVERDUE: &str = r#"query($after: String) { overdueReview(first: 1, after: $after) {
  items { reviewDue content { ... on Treatment { slug } ... on Link { id } } } nextCursor } }"#;

#[tokio::test]
async fn overdue_items_appear_when_the_clock_passes_review_due() {
    let app = spawn_app().await;
    let ed = app.token("ed", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;

    // Publishing sets the next review twelve months ahead; readers see both dates.
    let id = draft(&app, &ed, "due-soon").await;
    step(&app, &ed, "submitForReview", &id, 1).await;
    let (published, resp) = step(&app, &rita, "publish", &id, 2).await;
    let reviewed: chrono::DateTime<chrono::Utc> = published["reviewedAt"]
        .as_str()
        .expect("reviewedAt")
        .parse()
        .expect("time");
    let due: chrono::DateTime<chrono::Utc> = published["reviewDue"]
        .as_str()
        .expect("reviewDue")
        .parse()
        .expect("time");
    assert_eq!(
        due,
        reviewed
            .checked_add_months(chrono::Months::new(12))
            .expect("date"),
        "{resp}"
    );
    let seen = app
        .data(
            r#"{ treatment(slug: "due-soon") { reviewedBy reviewedAt reviewDue } }"#,
            json!({}),
        )
        .await;
    assert_eq!(seen["treatment"]["reviewedBy"], "rita");
    assert!(seen["treatment"]["reviewDue"].is_string());

    // Nothing is overdue yet: the seed and the new treatment are due in a year.
    let list = app.data_as(&ed, OVERDUE, json!({})).await;
    assert_eq!(list["overdueReview"]["items"], json!([]), "{list}");
    assert_eq!(app.metric("caregraph_review_overdue_items").await, 0.0);

    // A reviewer brings the review forward to in a moment (and another item to a year ago);
    // once the clock passes, both are listed, the longest overdue first, one per page.
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let (set, resp) = {
        let (_, resp) = app
            .gql_as(
                &rita,
                r#"mutation($id: ID!, $due: DateTime!) { setReviewDue(id: $id, version: 3, due: $due) { ... on Treatment { reviewDue version } } }"#,
                json!({ "id": id, "due": soon.to_rfc3339() }),
            )
            .await;
        (resp["data"]["setReviewDue"].clone(), resp)
    };
    assert_eq!(set["version"], 4, "{resp}");
    let link = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { symptomLinks { id version } } }"#,
            json!({}),
        )
        .await["condition"]["symptomLinks"][0]
        .clone();
    let year_ago = chrono::Utc::now() - chrono::Duration::days(365);
    let (_, resp) = app
        .gql_as(
            &rita,
            r#"mutation($id: ID!, $v: Int!, $due: DateTime!) { setReviewDue(id: $id, version: $v, due: $due) { ... on Link { reviewDue } } }"#,
            json!({ "id": link["id"], "v": link["version"], "due": year_ago.to_rfc3339() }),
        )
        .await;
    assert!(resp["errors"].is_null(), "{resp}");
    // An editor may not set review dates.
    let (_, resp) = app
        .gql_as(
            &ed,
            r#"mutation($id: ID!) { setReviewDue(id: $id, version: 4, due: "2020-01-01T00:00:00Z") { __typename } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_code(&resp, "FORBIDDEN");

    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    let first = app.data_as(&ed, OVERDUE, json!({})).await["overdueReview"].clone();
    assert_eq!(first["items"][0]["content"]["id"], link["id"], "{first}");
    let next = first["nextCursor"].as_str().expect("a second page");
    let second = app.data_as(&ed, OVERDUE, json!({ "after": next })).await["overdueReview"].clone();
    assert_eq!(
        second["items"][0]["content"]["slug"], "due-soon",
        "{second}"
    );
    assert!(second["nextCursor"].is_null(), "{second}");
    assert_eq!(app.metric("caregraph_review_overdue_items").await, 2.0);

    // Anonymous readers do not get the list.
    let (_, resp) = app.gql(OVERDUE, json!({})).await;
    assert_code(&resp, "UNAUTHENTICATED");
}
