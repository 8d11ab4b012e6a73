//! Content teams at work: drafting, review, publishing, concurrent edits, atomicity, revert.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{ICD10CM, SNOMED, TestApp, assert_code, coding, spawn_app};
use entity::sea_orm_active_enums::Role;

const QUOTE: &str = "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify.";

const CREATE: &str = r#"mutation($input: CreateNodeInput!) {
  createNode(input: $input) { id slug name status version } }"#;

async fn create_treatment(app: &TestApp, token: &str, slug: &str) -> (String, i64) {
    let input = json!({
        "kind": "TREATMENT", "slug": slug, "name": "Warm bath", "treatmentType": "SELF_CARE",
        "citations": [{ "sourceId": app.source_id().await, "quote": QUOTE }],
    });
    let data = app.data_as(token, CREATE, json!({ "input": input })).await;
    let node = &data["createNode"];
    assert_eq!(node["status"], "DRAFT");
    (
        node["id"].as_str().expect("id").to_owned(),
        node["version"].as_i64().expect("version"),
    )
}

async fn step(app: &TestApp, token: &str, mutation: &str, id: &str, version: i64) -> Value {
    let q = format!(
        "mutation($id: ID!, $v: Int!) {{ {mutation}(id: $id, version: $v) {{
           ... on Treatment {{ status version reviewedBy pendingStatus }}
           ... on Link {{ status version reviewedBy pendingStatus }} }} }}"
    );
    app.data_as(token, &q, json!({ "id": id, "v": version }))
        .await[mutation]
        .clone()
}

#[tokio::test]
async fn a_new_treatment_goes_from_draft_to_readers_through_review() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;

    // Given an editor drafts a treatment for postpartum back pain, linked with a citation.
    let (id, v) = create_treatment(&app, &editor, "warm-bath").await;
    let condition = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { id } }"#,
            json!({}),
        )
        .await;
    let link = app
        .data_as(
            &editor,
            r#"mutation($input: LinkInput!) { link(input: $input) { id status version predicate
                subject { slug } object { slug } citations { quote } } }"#,
            json!({ "input": {
                "subjectId": condition["condition"]["id"], "predicate": "TREATED_BY", "objectId": id,
                "howTo": "a warm bath", "citations": [{ "sourceId": app.source_id().await, "quote": QUOTE }] } }),
        )
        .await["link"]
        .clone();
    assert_eq!(link["status"], "DRAFT");
    assert_eq!(link["object"]["slug"], "warm-bath");
    let (link_id, link_v) = (
        link["id"].as_str().expect("id").to_owned(),
        link["version"].as_i64().expect("v"),
    );

    // Then anonymous readers see neither the treatment nor the link.
    let seen = app.data(r#"{ treatment(slug: "warm-bath") { name } condition(slug: "postpartum-low-back-pain") { treatments { slug } } }"#, json!({})).await;
    assert!(seen["treatment"].is_null());
    assert!(
        !seen["condition"]["treatments"]
            .as_array()
            .expect("list")
            .iter()
            .any(|t| t["slug"] == "warm-bath")
    );

    // When it is submitted and a reviewer publishes both.
    let submitted = step(&app, &editor, "submitForReview", &id, v).await;
    assert_eq!(submitted["status"], "IN_REVIEW");
    let published = step(&app, &reviewer, "publish", &id, v + 1).await;
    assert_eq!(published["status"], "PUBLISHED");
    assert_eq!(published["reviewedBy"], "rita");
    step(&app, &editor, "submitForReview", &link_id, link_v).await;
    step(&app, &reviewer, "publish", &link_id, link_v + 1).await;

    // Then readers see it, with the reviewer's mark and its citation.
    let seen = app
        .data(
            r#"{ treatment(slug: "warm-bath") { name reviewedBy reviewedAt citations { quote } }
                 condition(slug: "postpartum-low-back-pain") { treatmentLinks { treatment { slug } howTo citations { quote } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(seen["treatment"]["name"], "Warm bath");
    assert_eq!(seen["treatment"]["reviewedBy"], "rita");
    assert!(seen["treatment"]["reviewedAt"].is_string());
    assert_eq!(seen["treatment"]["citations"][0]["quote"], QUOTE);
    let links = seen["condition"]["treatmentLinks"]
        .as_array()
        .expect("links");
    let warm = links
        .iter()
        .find(|l| l["treatment"]["slug"] == "warm-bath")
        .expect("the new link is published");
    assert_eq!(warm["howTo"], "a warm bath");

    // When an editor changes the published treatment, readers keep the published text …
    let edited = app
        .data_as(
            &editor,
            r#"mutation($id: ID!, $v: Int!) { updateNode(input: { id: $id, version: $v, name: "Warm bath or shower" }) {
                name version pendingStatus pending { name } } }"#,
            json!({ "id": id, "v": v + 2 }),
        )
        .await["updateNode"]
        .clone();
    assert_eq!(edited["name"], "Warm bath", "the published name stands");
    assert_eq!(edited["pending"]["name"], "Warm bath or shower");
    assert_eq!(edited["pendingStatus"], "DRAFT");
    let reader = app
        .data(
            r#"{ treatment(slug: "warm-bath") { name pending { name } pendingStatus } }"#,
            json!({}),
        )
        .await;
    assert_eq!(reader["treatment"]["name"], "Warm bath");
    assert!(
        reader["treatment"]["pending"].is_null(),
        "readers never see unreviewed text"
    );
    assert!(reader["treatment"]["pendingStatus"].is_null());

    // … until it is reviewed and published.
    let v = edited["version"].as_i64().expect("v");
    assert_eq!(
        step(&app, &editor, "submitForReview", &id, v).await["pendingStatus"],
        "IN_REVIEW"
    );
    let done = step(&app, &reviewer, "publish", &id, v + 1).await;
    assert!(done["pendingStatus"].is_null());
    let reader = app
        .data(r#"{ treatment(slug: "warm-bath") { name } }"#, json!({}))
        .await;
    assert_eq!(reader["treatment"]["name"], "Warm bath or shower");
}

#[tokio::test]
async fn a_reviewer_can_reject_and_the_editor_resubmits() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let (id, v) = create_treatment(&app, &editor, "warm-bath").await;
    step(&app, &editor, "submitForReview", &id, v).await;
    let q = r#"mutation($id: ID!, $v: Int!) { reject(id: $id, version: $v, reason: "cite the x-ray sentence") { ... on Treatment { status version } } }"#;
    let rejected = app
        .data_as(&reviewer, q, json!({ "id": id, "v": v + 1 }))
        .await;
    assert_eq!(rejected["reject"]["status"], "REJECTED");
    // Publishing what is not in review is refused with the field named.
    let (_, resp) = app
        .gql_as(
            &reviewer,
            "mutation($id: ID!, $v: Int!) { publish(id: $id, version: $v) { __typename } }",
            json!({ "id": id, "v": v + 2 }),
        )
        .await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(
        step(&app, &editor, "submitForReview", &id, v + 2).await["status"],
        "IN_REVIEW"
    );
    // The rejection and its reason are in the audit log.
    let log = app
        .data_as(
            &editor,
            "query($id: ID!) { auditEvents(targetId: $id) { events { actor action after } } }",
            json!({ "id": id }),
        )
        .await;
    let events = log["auditEvents"]["events"].as_array().expect("events");
    let reject = events
        .iter()
        .find(|e| e["action"] == "reject")
        .expect("reject event");
    assert_eq!(reject["actor"], "rita");
    assert_eq!(reject["after"]["reason"], "cite the x-ray sentence");
}

#[tokio::test]
async fn twenty_concurrent_updates_of_one_version_let_exactly_one_through() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let (id, v) = create_treatment(&app, &editor, "warm-bath").await;
    let q = r#"mutation($id: ID!, $v: Int!, $name: String!) { updateNode(input: { id: $id, version: $v, name: $name }) { name version } }"#;
    let attempts = (0..20).map(|i| {
        let (app, editor, id) = (&app, &editor, &id);
        async move {
            app.gql_as(
                editor,
                q,
                json!({ "id": id, "v": v, "name": format!("Name {i}") }),
            )
            .await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let mut ok = 0;
    for (status, resp) in &results {
        assert_eq!(*status, StatusCode::OK);
        if resp.get("errors").is_none() {
            ok += 1;
            assert_eq!(resp["data"]["updateNode"]["version"], v + 1);
        } else {
            assert_code(resp, "CONFLICT");
            assert_eq!(
                resp["errors"][0]["extensions"]["currentVersion"],
                v + 1,
                "{resp}"
            );
        }
    }
    assert_eq!(ok, 1, "exactly one update wins");
    let log = app
        .data_as(
            &editor,
            "query($id: ID!) { auditEvents(targetId: $id) { events { action } } }",
            json!({ "id": id }),
        )
        .await;
    let updates = log["auditEvents"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] == "update_node")
        .count();
    assert_eq!(updates, 1, "one audit event for the one update");
}

#[tokio::test]
async fn a_write_that_fails_after_its_first_statement_leaves_nothing_behind() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    // Given the audit log refuses every insert (a trigger stands in for a failure mid-write).
    let fail = match app.db.get_database_backend() {
        DbBackend::Postgres => vec![
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
        _ => vec![
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_event BEGIN SELECT RAISE(ABORT, 'forced failure'); END",
        ],
    };
    for sql in fail {
        app.db
            .execute_unprepared(sql)
            .await
            .expect("install trigger");
    }
    let nodes = entity::node::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    let citations = entity::citation::Entity::find()
        .count(&app.db)
        .await
        .expect("count");

    // When an editor creates a node (node and citation written, then the audit insert fails).
    let input = json!({ "kind": "TREATMENT", "slug": "warm-bath", "name": "Warm bath",
        "citations": [{ "sourceId": app.source_id().await, "quote": QUOTE }] });
    let (_, resp) = app.gql_as(&editor, CREATE, json!({ "input": input })).await;

    // Then the client gets INTERNAL without internals, and nothing was written.
    assert_code(&resp, "INTERNAL");
    assert!(
        !resp.to_string().contains("forced failure"),
        "no database text reaches clients: {resp}"
    );
    assert_eq!(
        entity::node::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        nodes
    );
    assert_eq!(
        entity::citation::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        citations
    );
}

#[tokio::test]
async fn revert_restores_the_previous_state_and_is_audited() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let (id, v) = create_treatment(&app, &editor, "warm-bath").await;
    let q = r#"mutation($id: ID!, $v: Int!) { updateNode(input: { id: $id, version: $v, name: "Hot bath", summary: "Too hot." }) { name version } }"#;
    app.data_as(&editor, q, json!({ "id": id, "v": v })).await;
    let log = app
        .data_as(
            &editor,
            "query($id: ID!) { auditEvents(targetId: $id) { events { id action } } }",
            json!({ "id": id }),
        )
        .await;
    let update = log["auditEvents"]["events"][0].clone();
    assert_eq!(update["action"], "update_node");

    let reverted = app
        .data_as(
            &editor,
            "mutation($e: ID!) { revert(auditEventId: $e) { action actor targetId } }",
            json!({ "e": update["id"] }),
        )
        .await;
    assert_eq!(reverted["revert"]["action"], "revert");
    assert_eq!(reverted["revert"]["actor"], "ed");
    let node = app
        .data_as(
            &editor,
            r#"{ treatment(slug: "warm-bath") { name summary version } }"#,
            json!({}),
        )
        .await;
    assert_eq!(node["treatment"]["name"], "Warm bath");
    assert!(node["treatment"]["summary"].is_null());
    assert_eq!(
        node["treatment"]["version"],
        v + 2,
        "a revert is a new version, not a rewind"
    );

    // Reverting the same change again would overwrite the revert: CONFLICT.
    let (_, resp) = app
        .gql_as(
            &editor,
            "mutation($e: ID!) { revert(auditEventId: $e) { id } }",
            json!({ "e": update["id"] }),
        )
        .await;
    assert_code(&resp, "CONFLICT");
    let log = app
        .data_as(
            &editor,
            "query($id: ID!) { auditEvents(targetId: $id) { events { action } } }",
            json!({ "id": id }),
        )
        .await;
    let actions: Vec<&str> = log["auditEvents"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(actions, ["revert", "update_node", "create_node"]);
}

#[tokio::test]
async fn a_deleted_node_comes_back_with_its_links_and_citations() {
    let app = spawn_app().await;
    let admin = app.token("ada", Role::Admin).await;
    let before = app.data(r#"{ treatment(slug: "massage") { id version conditions { slug } citations { quote } } }"#, json!({})).await;
    let t = &before["treatment"];
    app.data_as(
        &admin,
        "mutation($id: ID!, $v: Int!) { deleteNode(id: $id, version: $v) }",
        json!({ "id": t["id"], "v": t["version"] }),
    )
    .await;
    assert!(
        app.data(r#"{ treatment(slug: "massage") { id } }"#, json!({}))
            .await["treatment"]
            .is_null()
    );
    let log = app
        .data_as(
            &admin,
            "query($id: ID!) { auditEvents(targetId: $id, first: 1) { events { id action } } }",
            json!({ "id": t["id"] }),
        )
        .await;
    let event = &log["auditEvents"]["events"][0];
    assert_eq!(event["action"], "delete_node");
    app.data_as(
        &admin,
        "mutation($e: ID!) { revert(auditEventId: $e) { action } }",
        json!({ "e": event["id"] }),
    )
    .await;
    let after = app
        .data(
            r#"{ treatment(slug: "massage") { id conditions { slug } citations { quote } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(after["treatment"]["id"], t["id"]);
    assert_eq!(after["treatment"]["conditions"], t["conditions"]);
    assert_eq!(after["treatment"]["citations"], t["citations"]);
}

#[tokio::test]
async fn invalid_writes_name_the_offending_field() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let source = app.source_id().await;
    let cite = json!([{ "sourceId": source, "quote": QUOTE }]);
    let cases = [
        (
            json!({ "kind": "TREATMENT", "slug": "Bad Slug", "name": "x", "citations": cite }),
            "slug",
        ),
        (
            json!({ "kind": "TREATMENT", "slug": "ok-slug", "name": "  ", "citations": cite }),
            "name",
        ),
        (
            json!({ "kind": "TREATMENT", "slug": "massage", "name": "Massage", "citations": cite }),
            "slug",
        ),
        (
            json!({ "kind": "TREATMENT", "slug": "ok-slug", "name": "x".repeat(201), "citations": cite }),
            "name",
        ),
        (
            json!({ "kind": "TREATMENT", "slug": "ok-slug", "name": "x", "citations": [] }),
            "citations",
        ),
        (
            json!({ "kind": "TREATMENT", "slug": "ok-slug", "name": "x", "citations": [{ "sourceId": source, "quote": "" }] }),
            "citations[0].quote",
        ),
        (
            json!({ "kind": "TREATMENT", "slug": "ok-slug", "name": "x", "citations": [{ "sourceId": source, "quote": "Not in the article." }] }),
            "citations[0].quote",
        ),
        (
            json!({ "kind": "SYMPTOM", "slug": "ok-slug", "name": "x", "citations": cite,
                    "codings": [coding(ICD10CM, "48.06")] }),
            "codings[0].code",
        ),
        (
            json!({ "kind": "SYMPTOM", "slug": "ok-slug", "name": "x", "citations": cite,
                    "codings": [coding("ICD9", "724.02")] }),
            "codings[0].system",
        ),
        (
            // SNOMED CT's Verhoeff check digit: 76107001 is spinal stenosis, 76107002 nothing.
            json!({ "kind": "SYMPTOM", "slug": "ok-slug", "name": "x", "citations": cite,
                    "codings": [coding(SNOMED, "76107002")] }),
            "codings[0].code",
        ),
        (
            // The same code twice, once without its dot.
            json!({ "kind": "SYMPTOM", "slug": "ok-slug", "name": "x", "citations": cite,
                    "codings": [coding(ICD10CM, "M48.062"), coding("2.16.840.1.113883.6.90", "m48062")] }),
            "codings[1]",
        ),
    ];
    for (input, field) in cases {
        let (_, resp) = app.gql_as(&editor, CREATE, json!({ "input": input })).await;
        assert_code(&resp, "BAD_USER_INPUT");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
    }
    let ids = app
        .data(r#"{ condition(slug: "spinal-stenosis") { id } symptom(slug: "acute-back-pain") { id } }"#, json!({}))
        .await;
    let link = r#"mutation($input: LinkInput!) { link(input: $input) { id } }"#;
    // A symptom cannot have a symptom: the error names the kinds the predicate joins.
    let (_, resp) = app
        .gql_as(&editor, link, json!({ "input": { "subjectId": ids["symptom"]["id"], "predicate": "HAS_SYMPTOM", "objectId": ids["condition"]["id"], "citations": cite } }))
        .await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .expect("msg")
            .contains("joins a CONDITION to a SYMPTOM"),
        "{resp}"
    );
    let (_, resp) = app
        .gql_as(&editor, link, json!({ "input": { "subjectId": ids["condition"]["id"], "predicate": "DIFFERENTIAL_OF", "objectId": ids["condition"]["id"], "citations": cite } }))
        .await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "objectId");
    // Unknown ids are NOT_FOUND.
    let (_, resp) = app
        .gql_as(&editor, r#"mutation { updateNode(input: { id: "01900000-0000-7000-8000-000000000000", version: 1, name: "x" }) { id } }"#, json!({}))
        .await;
    assert_code(&resp, "NOT_FOUND");
    // A stale version is a CONFLICT carrying the current one.
    let t = app
        .data(
            r#"{ treatment(slug: "massage") { id version } }"#,
            json!({}),
        )
        .await;
    let (_, resp) = app
        .gql_as(&editor, "mutation($id: ID!) { updateNode(input: { id: $id, version: 99, name: \"x\" }) { id } }", json!({ "id": t["treatment"]["id"] }))
        .await;
    assert_code(&resp, "CONFLICT");
    assert_eq!(
        resp["errors"][0]["extensions"]["currentVersion"],
        t["treatment"]["version"]
    );
}
