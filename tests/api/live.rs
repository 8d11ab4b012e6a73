//! Live content: the change feed, subscriptions over WebSocket and the rules of the socket.

use std::time::{Duration, Instant};

use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cache::{SLUG, rename_and_publish, rename_in_sql};
use crate::helpers::{TestApp, assert_code, spawn_app, spawn_app_configured, spawn_replica};
use crate::ws_client::{Upgrade, connect, open};

const CHANGES: &str = "query Changes($after: String, $first: Int, $kinds: [ContentChangeKind!]) {
  changes(after: $after, first: $first, kinds: $kinds) {
    changes { cursor version kind id slug change fields nodeIds }
    endCursor
    hasNextPage
  }
}";

const SUBSCRIBE: &str = "subscription Watch($slugs: [String!], $ids: [ID!]) {
  contentChanged(slugs: $slugs, ids: $ids) { cursor version kind slug change fields nodeIds }
}";

/// Every change after `after`, page by page; returns them and the last `endCursor`.
async fn read_feed(app: &TestApp, mut after: Value) -> (Vec<Value>, Value) {
    let mut all = Vec::new();
    loop {
        let page = app
            .data(CHANGES, json!({ "after": after, "first": 100 }))
            .await["changes"]
            .clone();
        all.extend(page["changes"].as_array().expect("changes").iter().cloned());
        after = page["endCursor"].clone();
        if page["hasNextPage"] != true {
            return (all, after);
        }
    }
}

#[tokio::test]
async fn the_feed_lists_everything_then_each_change_once_in_commit_order() {
    let app = spawn_app().await;

    // From the start, the feed lists the article's whole graph as published.
    let (seeded, end) = read_feed(&app, Value::Null).await;
    let count = |kind: &str| seeded.iter().filter(|c| c["kind"] == kind).count();
    assert_eq!(count("SOURCE"), 1);
    assert!(count("CONDITION") >= 5, "{seeded:?}");
    assert!(count("LINK") >= 30 && count("CITATION") >= 50);
    assert!(seeded.iter().all(|c| c["change"] == "PUBLISHED"));
    let condition = seeded
        .iter()
        .find(|c| c["slug"] == SLUG)
        .expect("the condition is in the feed");
    assert_eq!(condition["nodeIds"][0], condition["id"]);
    let versions: Vec<i64> = seeded
        .iter()
        .map(|c| c["version"].as_i64().expect("version"))
        .collect();
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "commit order");

    // Nothing new: the same end cursor comes back.
    let (none, same_end) = read_feed(&app, end.clone()).await;
    assert!(none.is_empty());
    assert_eq!(same_end, end);

    // A publish through the API and a write by another system each appear once, in order.
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    rename_and_publish(&app, &editor, &reviewer, "Postnatal back pain").await;
    rename_in_sql(&app, "Renamed by a peer system").await;
    let (new, end) = read_feed(&app, end).await;
    assert_eq!(new.len(), 2, "{new:?}");
    for change in &new {
        assert_eq!(change["kind"], "CONDITION");
        assert_eq!(change["slug"], SLUG);
        assert_eq!(change["change"], "UPDATED");
        assert_eq!(change["fields"], json!(["name"]));
    }
    assert!(new[0]["version"].as_i64() < new[1]["version"].as_i64());
    // An edit waiting for review is not a published change.
    let node = app
        .data_as(
            &editor,
            "{ condition(slug: \"postpartum-low-back-pain\") { id version } }",
            json!({}),
        )
        .await["condition"]
        .clone();
    app.data_as(
        &editor,
        "mutation($id: ID!, $v: Int!) { updateNode(input: { id: $id, version: $v, summary: \"Pending.\" }) { version } }",
        json!({ "id": node["id"], "v": node["version"] }),
    )
    .await;
    let (drafts, _) = read_feed(&app, end.clone()).await;
    assert!(drafts.is_empty(), "{drafts:?}");

    // Filters and bad input.
    let links = app
        .data(CHANGES, json!({ "kinds": ["LINK"], "first": 5 }))
        .await;
    assert!(
        links["changes"]["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .all(|c| c["kind"] == "LINK" && c["nodeIds"].as_array().is_some_and(|n| n.len() == 2))
    );
    let (_, resp) = app.gql(CHANGES, json!({ "after": "not-a-cursor" })).await;
    assert_code(&resp, "BAD_USER_INPUT");
    let (_, resp) = app.gql(CHANGES, json!({ "first": 1000 })).await;
    assert!(resp["errors"].is_array(), "{resp}");
}

#[tokio::test]
async fn a_subscriber_on_one_replica_hears_a_publish_made_through_another() {
    let a = spawn_app().await;
    let b = spawn_replica(&a.database_url, |_, _| {}).await;
    let editor = a.token("ed", Role::Editor).await;
    let reviewer = a.token("rita", Role::Reviewer).await;

    let mut client = connect(&b, json!({})).await;
    client
        .subscribe("1", SUBSCRIBE, json!({ "slugs": [SLUG] }))
        .await;
    // Subscribed before the write: a query on the same socket answers after the subscribe.
    client
        .subscribe(
            "2",
            "{ condition(slug: \"postpartum-low-back-pain\") { name } }",
            json!({}),
        )
        .await;
    let answer = client.next().await;
    assert_eq!(answer["id"], "2");
    assert_eq!(
        answer["payload"]["data"]["condition"]["name"],
        "Postpartum low back pain"
    );
    assert_eq!(client.next().await["type"], "complete");

    let started = Instant::now();
    rename_and_publish(&a, &editor, &reviewer, "Postnatal back pain").await;
    let event = client.next().await;
    eprintln!(
        "the subscriber on B heard A's publish {} ms after it was sent",
        started.elapsed().as_millis()
    );
    assert_eq!(event["id"], "1");
    assert_eq!(event["type"], "next");
    let change = &event["payload"]["data"]["contentChanged"];
    assert_eq!(change["slug"], SLUG);
    assert_eq!(change["change"], "UPDATED");
    assert_eq!(change["fields"], json!(["name"]));

    // The cursor it carries resumes the feed after it.
    let rest = b.data(CHANGES, json!({ "after": change["cursor"] })).await;
    assert_eq!(rest["changes"]["changes"], json!([]));

    // `complete` ends the subscription; the connection stays usable.
    client.send(json!({ "id": "1", "type": "complete" })).await;
    client
        .subscribe(
            "3",
            "{ condition(slug: \"postpartum-low-back-pain\") { name } }",
            json!({}),
        )
        .await;
    let mut answer = client.next().await;
    if answer["id"] == "1" {
        assert_eq!(answer["type"], "complete", "{answer}");
        answer = client.next().await;
    }
    assert_eq!(answer["id"], "3", "{answer}");
    assert_eq!(
        answer["payload"]["data"]["condition"]["name"],
        "Postnatal back pain"
    );
}

#[tokio::test]
async fn the_socket_admits_only_what_the_protocol_and_limits_allow() {
    let app = spawn_app_configured(|_, serve| {
        serve.live.ws_max_per_client = 2;
        serve.live.ws_init_timeout_secs = 1;
        serve.limits.max_depth = 4;
    })
    .await;

    // No subprotocol, or another site's page: refused before the upgrade.
    let Upgrade::Refused(status, body) = open(&app, None, &[]).await else {
        panic!("upgraded without a subprotocol");
    };
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_code(&body, "BAD_REQUEST");
    let Upgrade::Refused(status, _) = open(
        &app,
        Some("graphql-transport-ws"),
        &[("Origin", "https://evil.example")],
    )
    .await
    else {
        panic!("upgraded for a foreign origin");
    };
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The server's own origin (GraphiQL) is welcome.
    let own = app.address.clone();
    let Upgrade::Open(mut own_page) = open(
        &app,
        Some("graphql-transport-ws"),
        &[("Origin", own.as_str())],
    )
    .await
    else {
        panic!("refused the server's own page");
    };

    // A subscribe before connection_init closes with 4401; no init in time with 4408.
    own_page.subscribe("1", SUBSCRIBE, json!({})).await;
    assert_eq!(own_page.closed().await.0, 4401);
    let Upgrade::Open(mut silent) = open(&app, Some("graphql-transport-ws"), &[]).await else {
        panic!("refused");
    };
    assert_eq!(silent.closed().await.0, 4408);

    // A token that is not valid closes with 4403.
    let Upgrade::Open(mut forged) = open(&app, Some("graphql-transport-ws"), &[]).await else {
        panic!("refused");
    };
    forged
        .send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } }))
        .await;
    assert_eq!(forged.closed().await.0, 4403);

    // At most two connections from one client; a third is answered 429.
    let mut first = connect(&app, json!({})).await;
    let _second = connect(&app, json!({})).await;
    let Upgrade::Refused(status, body) = open(&app, Some("graphql-transport-ws"), &[]).await else {
        panic!("a third connection was admitted");
    };
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_code(&body, "LIMIT_EXCEEDED");

    // The request limits apply to what runs over the socket.
    first
        .subscribe(
            "deep",
            "{ condition(slug: \"postpartum-low-back-pain\") { symptomLinks { symptom { conditions { symptomLinks { symptom { name } } } } } } }",
            json!({}),
        )
        .await;
    let refused = first.next().await;
    assert_eq!(refused["id"], "deep");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{refused}"
    );
    // An id in use twice closes with 4409.
    first.subscribe("a", SUBSCRIBE, json!({})).await;
    first.subscribe("a", SUBSCRIBE, json!({})).await;
    assert_eq!(first.closed().await.0, 4409);
}

#[tokio::test]
async fn a_subscription_sent_over_http_is_refused_with_a_clear_error() {
    let app = spawn_app().await;
    let (status, resp) = app.gql(SUBSCRIBE, json!({})).await;
    assert!(
        status.is_client_error() || status == StatusCode::OK,
        "{status}"
    );
    assert!(resp["data"].is_null(), "{resp}");
    let message = resp["errors"][0]["message"].as_str().expect("message");
    assert!(
        message.to_lowercase().contains("websocket") || message.contains("transport"),
        "{message}"
    );
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn a_transaction_that_commits_later_comes_later_in_the_feed() {
    use sea_orm::{ConnectionTrait as _, TransactionTrait as _};
    let app = spawn_app().await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // SQLite has one writer at a time: the interleaving below cannot happen there.
        return;
    }
    let (_, end) = read_feed(&app, Value::Null).await;
    let rename =
        |slug: &str, name: &str| format!("UPDATE node SET name = '{name}' WHERE slug = '{slug}'");
    // The first transaction writes first (its feed row gets the lower id) but commits last.
    let first = app.db.begin().await.expect("begin");
    first
        .execute_unprepared(&rename(SLUG, "Written first, committed last"))
        .await
        .expect("update");
    let second = app.db.begin().await.expect("begin");
    second
        .execute_unprepared(&rename("back-pain", "Written second, committed first"))
        .await
        .expect("update");
    second.commit().await.expect("commit");
    let (seen, end) = read_feed(&app, end).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["slug"], "back-pain");
    first.commit().await.expect("commit");
    // A consumer that read up to the second transaction still gets the first: no gap.
    let (seen, _) = read_feed(&app, end).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["slug"], SLUG);
}

#[tokio::test]
async fn the_legacy_subscriptions_transport_ws_protocol_is_spoken_too() {
    let app = spawn_app().await;
    let Upgrade::Open(mut client) = open(&app, Some("graphql-ws"), &[]).await else {
        panic!("refused the legacy protocol");
    };
    client
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    assert_eq!(client.next().await["type"], "connection_ack");
    client
        .send(json!({ "id": "q", "type": "start", "payload": {
            "query": "{ condition(slug: \"postpartum-low-back-pain\") { name } }" } }))
        .await;
    let data = client.next().await;
    assert_eq!(data["type"], "data", "{data}");
    assert_eq!(
        data["payload"]["data"]["condition"]["name"],
        "Postpartum low back pain"
    );
}

#[tokio::test]
async fn a_lost_listening_connection_comes_back_by_itself() {
    use sea_orm::ConnectionTrait as _;
    // Polling every 10 s: a change served sooner than that was notified.
    let app = spawn_app_configured(|_, serve| serve.cache.response_cache_poll_ms = 10_000).await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // LISTEN/NOTIFY is PostgreSQL's; SQLite polls.
        return;
    }
    let listeners = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                     AND query ILIKE 'LISTEN%'";
    let pids = |rows: Vec<sea_orm::QueryResult>| -> Vec<i32> {
        rows.iter()
            .filter_map(|r| r.try_get::<i32>("", "pid").ok())
            .collect()
    };
    let statement = || sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, listeners);
    // The listener connects in the background as the server starts.
    let started = Instant::now();
    let before = loop {
        let now = pids(app.db.query_all_raw(statement()).await.expect("listeners"));
        if !now.is_empty() {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never listening"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(before.len(), 1, "one listening connection: {before:?}");

    // The listening connection is cut (a failover, an idle-connection reaper, an operator).
    app.db
        .execute_unprepared(&format!("SELECT pg_terminate_backend({})", before[0]))
        .await
        .expect("terminate");
    let started = Instant::now();
    loop {
        let now = pids(app.db.query_all_raw(statement()).await.expect("listeners"));
        if now.len() == 1 && now != before {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no new listener: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "listening again {} ms after the cut",
        started.elapsed().as_millis()
    );

    // Notifications work again: a change another system writes is served within a second.
    let name = || async {
        app.data(
            "{ condition(slug: \"postpartum-low-back-pain\") { name } }",
            json!({}),
        )
        .await["condition"]["name"]
            .clone()
    };
    assert_eq!(name().await, "Postpartum low back pain");
    assert_eq!(name().await, "Postpartum low back pain");
    rename_in_sql(&app, "Renamed after the cut").await;
    let written = Instant::now();
    while name().await != "Renamed after the cut" {
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "not notified after reconnecting"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
