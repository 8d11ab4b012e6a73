//! The response cache, HTTP validators, automatic persisted queries and read replicas.

use std::time::{Duration, Instant};

use entity::sea_orm_active_enums::Role;
use reqwest::{StatusCode, header};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{
    TestApp, assert_code, node_id, spawn_app, spawn_app_configured, spawn_replica,
};
use crate::questions::CONDITION_PAGE;

pub(crate) const SLUG: &str = "postpartum-low-back-pain";
const NAME: &str = "Postpartum low back pain";
const CONDITION_NAME: &str =
    "query ConditionName($slug: String!) { condition(slug: $slug) { name } }";
/// How long a replica may keep serving content a publish elsewhere has replaced.
const PROMISE: Duration = Duration::from_secs(1);

fn slug() -> Value {
    json!({ "slug": SLUG })
}

/// POSTs `query` with a bearer token, asking for the statement count.
async fn counted_as(app: &TestApp, token: &str, query: &str, variables: Value) -> (Value, u64) {
    let resp: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables,
                       "extensions": { "sqlStatements": true } }))
        .send()
        .await
        .expect("request reaches the server")
        .json()
        .await
        .expect("JSON");
    assert!(resp.get("errors").is_none(), "{resp}");
    let n = resp["extensions"]["sqlStatements"]
        .as_u64()
        .expect("statement count");
    (resp["data"].clone(), n)
}

/// An editor renames the condition (a pending edit) and a reviewer publishes it.
pub(crate) async fn rename_and_publish(app: &TestApp, editor: &str, reviewer: &str, name: &str) {
    let node = app
        .data_as(
            editor,
            "query($slug: String!) { condition(slug: $slug) { id version } }",
            slug(),
        )
        .await["condition"]
        .clone();
    let version = app
        .data_as(
            editor,
            "mutation($id: ID!, $v: Int!, $name: String!) {
               updateNode(input: { id: $id, version: $v, name: $name }) { version } }",
            json!({ "id": node["id"], "v": node["version"], "name": name }),
        )
        .await["updateNode"]["version"]
        .clone();
    let step = |mutation: &str| {
        format!(
            "mutation($id: ID!, $v: Int!) {{ {mutation}(id: $id, version: $v) {{
               ... on Condition {{ version pendingStatus }} }} }}"
        )
    };
    let submitted = app
        .data_as(
            editor,
            &step("submitForReview"),
            json!({ "id": node["id"], "v": version }),
        )
        .await["submitForReview"]["version"]
        .clone();
    let published = app
        .data_as(
            reviewer,
            &step("publish"),
            json!({ "id": node["id"], "v": submitted }),
        )
        .await;
    assert!(
        published["publish"]["pendingStatus"].is_null(),
        "{published}"
    );
}

/// Reads the condition's name from `app` until it is `name`; returns how long that took.
/// Fails once `PROMISE` has passed.
async fn wait_for_name(app: &TestApp, name: &str, since: Instant) -> Duration {
    loop {
        let data = app.data(CONDITION_NAME, slug()).await;
        if data["condition"]["name"] == name {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < PROMISE,
            "still served {} {:?} after the change",
            data["condition"]["name"],
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(crate) async fn rename_in_sql(app: &TestApp, name: &str) {
    app.db
        .execute_unprepared(&format!(
            "UPDATE node SET name = '{name}' WHERE slug = '{SLUG}'"
        ))
        .await
        .expect("update");
}

#[tokio::test]
async fn a_repeated_anonymous_query_is_answered_from_the_cache() {
    let app = spawn_app().await;

    // Given a reader opened the condition page once.
    let (first, statements) = app.gql_counted(CONDITION_PAGE, slug()).await;
    assert!(statements > 0);

    // When they (or anyone else) open it again, it runs no SQL and says the same.
    let (second, statements) = app.gql_counted(CONDITION_PAGE, slug()).await;
    assert_eq!(statements, 0, "a cache hit runs no statement");
    assert_eq!(first, second);

    // White space and commas do not matter; other variables are another entry.
    let reformatted = CONDITION_PAGE
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(",\n   ");
    let (third, statements) = app.gql_counted(&reformatted, slug()).await;
    assert_eq!((statements, &third), (0, &first));
    let (_, statements) = app
        .gql_counted(CONDITION_PAGE, json!({ "slug": "spinal-stenosis" }))
        .await;
    assert!(statements > 0);

    assert_eq!(app.metric("caregraph_response_cache_hits_total").await, 2.0);
    assert_eq!(
        app.metric("caregraph_response_cache_misses_total").await,
        2.0
    );
    assert_eq!(app.metric("caregraph_response_cache_entries").await, 2.0);
}

/// POSTs `body` as is, with `content_type`, and returns the status and the parsed answer.
async fn post_bytes(app: &TestApp, body: &str, content_type: &str) -> (StatusCode, Value) {
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("request reaches the server");
    let status = resp.status();
    (status, resp.json().await.expect("JSON"))
}

#[tokio::test]
async fn a_request_repeated_byte_for_byte_is_answered_before_it_is_parsed() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let body = json!({ "query": CONDITION_NAME, "variables": slug() }).to_string();

    // Given one anonymous reader's request ran (a miss) …
    let (status, first) = post_bytes(&app, &body, "application/json").await;
    assert_eq!(
        (status, &first["data"]["condition"]["name"]),
        (StatusCode::OK, &json!(NAME))
    );
    // … the same bytes again are a hit, with the same answer.
    let (status, second) = post_bytes(&app, &body, "application/json").await;
    assert_eq!((status, &second), (StatusCode::OK, &first));
    assert_eq!(app.metric("caregraph_response_cache_hits_total").await, 1.0);
    assert_eq!(
        app.metric("caregraph_response_cache_misses_total").await,
        1.0
    );

    // The same bytes under a media type /graphql refuses are still refused, …
    let (status, refused) = post_bytes(&app, &body, "text/plain").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_code(&refused, "UNSUPPORTED_MEDIA_TYPE");
    // … and a token holder's same bytes still run, and see what token holders see.
    let (draft, statements) = counted_as(&app, &editor, CONDITION_NAME, slug()).await;
    assert!(statements > 0);
    assert_eq!(draft["condition"]["name"], NAME);

    // A publish drops the entry under the bytes too: the next copy gets the new name.
    rename_and_publish(&app, &editor, &reviewer, "Low back pain after childbirth").await;
    let (status, after) = post_bytes(&app, &body, "application/json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        after["data"]["condition"]["name"],
        "Low back pain after childbirth"
    );
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = spawn_app_configured(|_, serve| serve.cache.response_cache = false).await;
    for _ in 0..2 {
        let (_, statements) = app.gql_counted(CONDITION_NAME, slug()).await;
        assert!(statements > 0);
    }
}

#[tokio::test]
async fn token_holders_never_get_cached_answers() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    // Given anonymous readers have the condition cached.
    app.gql_counted(CONDITION_NAME, slug()).await;
    assert_eq!(app.gql_counted(CONDITION_NAME, slug()).await.1, 0);

    // Then a token holder's same query runs every time …
    for _ in 0..2 {
        let (data, statements) = counted_as(&app, &editor, CONDITION_NAME, slug()).await;
        assert!(statements > 0);
        assert_eq!(data["condition"]["name"], NAME);
    }

    // … and sees drafts, which the cached anonymous answers never contain.
    let node = app
        .data_as(
            &editor,
            "query($slug: String!) { condition(slug: $slug) { id version } }",
            slug(),
        )
        .await["condition"]
        .clone();
    app.data_as(
        &editor,
        "mutation($id: ID!, $v: Int!) { updateNode(input: { id: $id, version: $v, name: \"Draft name\" }) { id } }",
        json!({ "id": node["id"], "v": node["version"] }),
    )
    .await;
    let query = "query($slug: String!) { condition(slug: $slug) { name pending { name } } }";
    let (mine, _) = counted_as(&app, &editor, query, slug()).await;
    assert_eq!(mine["condition"]["pending"]["name"], "Draft name");
    let (theirs, _) = app.gql_counted(query, slug()).await;
    assert!(theirs["condition"]["pending"].is_null());
    assert_eq!(
        app.data(CONDITION_NAME, slug()).await["condition"]["name"],
        NAME
    );
}

#[tokio::test]
async fn a_publish_drops_cached_answers_at_once() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    app.gql_counted(CONDITION_NAME, slug()).await;
    assert_eq!(app.gql_counted(CONDITION_NAME, slug()).await.1, 0);

    rename_and_publish(&app, &editor, &reviewer, "Low back pain after childbirth").await;

    // The replica that ran the publish re-read the generation before answering it: the very
    // next read is fresh, with no wait.
    let (data, statements) = app.gql_counted(CONDITION_NAME, slug()).await;
    assert_eq!(data["condition"]["name"], "Low back pain after childbirth");
    assert!(statements > 0);
    assert!(
        app.metric("caregraph_response_cache_invalidations_total")
            .await
            >= 1.0
    );
}

#[tokio::test]
async fn answers_with_errors_are_not_cached() {
    let app = spawn_app().await;
    let query = "{ conditions(first: 1000) { edges { node { name } } } }";
    for _ in 0..2 {
        let (_, resp) = app.gql(query, json!({})).await;
        assert_code(&resp, "LIMIT_EXCEEDED");
    }
    let (_, resp) = app.gql("{ condition(slug: 1) { name } }", json!({})).await;
    assert!(resp["errors"].is_array());
    assert_eq!(app.metric("caregraph_response_cache_hits_total").await, 0.0);
    assert_eq!(app.metric("caregraph_response_cache_entries").await, 0.0);
}

#[tokio::test]
async fn another_replica_serves_a_publish_within_a_second() {
    // Given two replicas on one database, and replica B has the condition cached.
    let a = spawn_app().await;
    let b = spawn_replica(&a.database_url, |_, _| {}).await;
    let editor = a.token("ed", Role::Editor).await;
    let reviewer = a.token("rita", Role::Reviewer).await;
    assert_eq!(
        b.gql_counted(CONDITION_NAME, slug()).await.0["condition"]["name"],
        NAME
    );
    assert_eq!(b.gql_counted(CONDITION_NAME, slug()).await.1, 0);

    // When a reviewer publishes a new name through replica A.
    rename_and_publish(&a, &editor, &reviewer, "Postnatal back pain").await;
    let published = Instant::now();

    // Then B serves it within a second.
    let took = wait_for_name(&b, "Postnatal back pain", published).await;
    eprintln!(
        "replica B served the publish {} ms after it",
        took.as_millis()
    );
}

#[tokio::test]
async fn a_change_written_by_another_system_drops_cached_answers() {
    let app = spawn_app().await;
    app.gql_counted(CONDITION_NAME, slug()).await;
    assert_eq!(app.gql_counted(CONDITION_NAME, slug()).await.1, 0);

    // A peer system writes the table directly, bypassing caregraph.
    rename_in_sql(&app, "Renamed by a peer system").await;
    let written = Instant::now();

    let took = wait_for_name(&app, "Renamed by a peer system", written).await;
    eprintln!(
        "a direct SQL update was served {} ms after it",
        took.as_millis()
    );
}

#[tokio::test]
async fn gets_carry_validators_and_revalidate_with_304() {
    let app = spawn_app().await;

    // A GET answer has a strong entity tag and may be kept, but must be revalidated.
    let first = app.get_graphql(CONDITION_NAME, &slug(), &[]).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()[header::ETAG]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert_eq!(
        first.headers()[header::CACHE_CONTROL],
        "public, max-age=0, must-revalidate"
    );
    let vary: Vec<_> = first.headers().get_all(header::VARY).iter().collect();
    assert!(
        vary.iter()
            .any(|v| v.to_str().is_ok_and(|v| v.contains("Accept")))
    );
    let body: Value = first.json().await.expect("JSON");
    assert_eq!(body["data"]["condition"]["name"], NAME);

    // The same tag in If-None-Match (alone, weak, or in a list) gets 304 and no body.
    let weak = format!("\"other\", W/{etag}");
    for tag in [etag.as_str(), weak.as_str(), "*"] {
        let again = app
            .get_graphql(CONDITION_NAME, &slug(), &[("if-none-match", tag)])
            .await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(again.headers()[header::ETAG], etag.as_str());
        assert_eq!(
            again.headers()[header::CACHE_CONTROL],
            "public, max-age=0, must-revalidate"
        );
        assert!(again.bytes().await.expect("body").is_empty());
    }
    // A tag that does not match gets the whole answer.
    let other = app
        .get_graphql(CONDITION_NAME, &slug(), &[("if-none-match", "\"nope\"")])
        .await;
    assert_eq!(other.status(), StatusCode::OK);

    // The other media type is another representation, with its own tag.
    let graphql_json = app
        .get_graphql(
            CONDITION_NAME,
            &slug(),
            &[("accept", "application/graphql-response+json")],
        )
        .await;
    assert_ne!(graphql_json.headers()[header::ETAG], etag.as_str());

    // Token holders' answers are never stored; POSTs and errors are never stored.
    let editor = app.token("ed", Role::Editor).await;
    let bearer = format!("Bearer {editor}");
    let private = app
        .get_graphql(CONDITION_NAME, &slug(), &[("authorization", &bearer)])
        .await;
    assert_eq!(
        private.headers()[header::CACHE_CONTROL],
        "private, no-store"
    );
    let post = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": CONDITION_NAME, "variables": slug() }))
        .send()
        .await
        .expect("POST");
    assert_eq!(post.headers()[header::CACHE_CONTROL], "no-store");
    assert!(post.headers().get(header::ETAG).is_none());
    let error = app.get_graphql("{ nope }", &Value::Null, &[]).await;
    assert_eq!(error.headers()[header::CACHE_CONTROL], "no-store");
    assert!(error.headers().get(header::ETAG).is_none());

    // When the content changes, the old tag gets 200 with the new answer and a new tag.
    rename_in_sql(&app, "Renamed for validators").await;
    let changed = Instant::now();
    loop {
        let resp = app
            .get_graphql(CONDITION_NAME, &slug(), &[("if-none-match", &etag)])
            .await;
        if resp.status() == StatusCode::OK {
            assert_ne!(resp.headers()[header::ETAG], etag.as_str());
            let body: Value = resp.json().await.expect("JSON");
            assert_eq!(body["data"]["condition"]["name"], "Renamed for validators");
            break;
        }
        assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
        assert!(changed.elapsed() < PROMISE, "the old tag still matched");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn persisted_queries_are_sent_by_hash() {
    let app = spawn_app().await;
    let hash = format!("{:x}", Sha256::digest(CONDITION_NAME.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let by_hash = |extensions: &Value| {
        vec![
            ("extensions", extensions.to_string()),
            ("variables", slug().to_string()),
        ]
    };

    // A hash the server does not know: the client is told to send the query.
    let unknown = app.get_graphql_params(&by_hash(&persisted), &[]).await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let body: Value = unknown.json().await.expect("JSON");
    assert_code(&body, "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    // The query with its hash registers it (and answers it).
    let (status, registered) = app
        .post_json(
            &json!({ "query": CONDITION_NAME, "variables": slug(), "extensions": persisted }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        registered["data"]["condition"]["name"], NAME,
        "{registered}"
    );

    // Then the hash alone works, by GET (cacheable, with a tag) and by POST.
    let known = app.get_graphql_params(&by_hash(&persisted), &[]).await;
    assert_eq!(known.status(), StatusCode::OK);
    assert!(known.headers().contains_key(header::ETAG));
    let body: Value = known.json().await.expect("JSON");
    assert_eq!(body["data"]["condition"]["name"], NAME, "{body}");
    let (_, body) = app
        .post_json(&json!({ "variables": slug(), "extensions": persisted }))
        .await;
    assert_eq!(body["data"]["condition"]["name"], NAME, "{body}");
    // … answered from the response cache the second time.
    let mut counted = persisted.clone();
    counted["sqlStatements"] = json!(true);
    let (_, body) = app
        .post_json(&json!({ "variables": slug(), "extensions": counted }))
        .await;
    assert_eq!(body["extensions"]["sqlStatements"], 0, "{body}");

    // A hash that is not the query's is refused.
    let (_, wrong) = app
        .post_json(&json!({ "query": "{ sources { id } }", "extensions": persisted }))
        .await;
    assert_code(&wrong, "BAD_REQUEST");
    assert!(wrong.get("data").is_none());

    // A persisted mutation still cannot run by GET.
    let mutation =
        "mutation { deleteNode(id: \"0190b7a0-0000-7000-8000-000000000000\", version: 1) }";
    let mutation_hash = format!("{:x}", Sha256::digest(mutation.as_bytes()));
    let mutation_ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": mutation_hash } });
    let (_, resp) = app
        .post_json(&json!({ "query": mutation, "extensions": mutation_ext }))
        .await;
    assert_code(&resp, "UNAUTHENTICATED");
    let by_get = app
        .get_graphql_params(&[("extensions", mutation_ext.to_string())], &[])
        .await;
    assert_eq!(by_get.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn persisted_queries_can_be_turned_off() {
    let app = spawn_app_configured(|_, serve| serve.cache.persisted_queries = 0).await;
    let hash = format!("{:x}", Sha256::digest(CONDITION_NAME.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let (_, body) = app
        .post_json(&json!({ "variables": slug(), "extensions": persisted }))
        .await;
    assert_code(&body, "PERSISTED_QUERY_NOT_SUPPORTED");
}

#[tokio::test]
async fn reads_go_to_the_read_database_and_writes_to_the_primary() {
    // Given a read database whose content differs from the primary's (a replica never
    // differs for long; a different one shows where each request went).
    let replica = spawn_app().await;
    rename_in_sql(&replica, "Read from the replica").await;
    let app = spawn_app_configured(|config, _| {
        config.database_read_url = Some(replica.database_url.clone());
    })
    .await;
    let editor = app.token("ed", Role::Editor).await;

    // Anonymous queries read from it.
    assert_eq!(
        app.data(CONDITION_NAME, slug()).await["condition"]["name"],
        "Read from the replica"
    );
    // Content teams read the primary (their own writes, at once).
    assert_eq!(
        app.data_as(&editor, CONDITION_NAME, slug()).await["condition"]["name"],
        NAME
    );

    // Writes go to the primary.
    let source =
        app.data_as(&editor, "{ sources { id } }", json!({})).await["sources"][0]["id"].clone();
    let input = json!({
        "kind": "TREATMENT", "slug": "warm-bath", "name": "Warm bath", "treatmentType": "SELF_CARE",
        "citations": [{ "sourceId": source, "quote": "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify." }],
    });
    app.data_as(
        &editor,
        "mutation($input: CreateNodeInput!) { createNode(input: $input) { id } }",
        json!({ "input": input }),
    )
    .await;
    let count = |db: sea_orm::DatabaseConnection| async move {
        db.query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM node WHERE slug = 'warm-bath'",
        ))
        .await
        .expect("query")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
    };
    assert_eq!(count(app.db.clone()).await, 1);
    assert_eq!(count(replica.db.clone()).await, 0);
    // Node ids come from the primary's content, not the replica's.
    assert_ne!(
        node_id(&app.db, SLUG).await,
        node_id(&replica.db, SLUG).await
    );
}
