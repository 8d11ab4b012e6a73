//! A subscription run from GraphiQL in headless Chromium: the page subscribes over WebSocket
//! (GraphiQL's bundled graphql-ws client) on one replica, a reviewer publishes through another,
//! and the response pane shows the change. The page stays within caregraph and its CSP.

use std::time::{Duration, Instant};

use entity::sea_orm_active_enums::Role;
use serde_json::{Value, json};

use crate::browser::{ACTIVE_TAB, RESPONSE_VALUE, open_graphiql};
use crate::cache::rename_and_publish;
use crate::helpers::{spawn_app, spawn_replica};
use crate::webdriver::{browser_installed, with_browser};

const SESSION: Duration = Duration::from_secs(60);

const SUBSCRIPTION: &str = "subscription WatchThePage {
  contentChanged(slugs: [\"postpartum-low-back-pain\"]) {
    kind
    slug
    change
    fields
  }
}";

#[tokio::test]
async fn graphiql_shows_a_publish_made_through_another_replica() {
    if !browser_installed() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_replica(&a.database_url, |_, _| {}).await;
    let editor = a.token("ed", Role::Editor).await;
    let reviewer = a.token("rita", Role::Reviewer).await;
    let address = b.address.clone();

    let (response, log) = with_browser(SESSION, async |s| {
        open_graphiql(s, &address).await?;
        s.execute(&format!(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue({});",
            json!(SUBSCRIPTION)
        ))
        .await?;
        s.poll(ACTIVE_TAB, "the subscription's tab title", |v| {
            *v == json!("WatchThePage")
        })
        .await?;
        let run = s.find(".graphiql-execute-button").await?;
        s.click(&run).await?;
        // Subscribed once B holds the page's WebSocket and a moment has passed for its
        // subscribe message.
        let deadline = Instant::now() + Duration::from_secs(10);
        while b.metric("caregraph_websocket_connections").await < 1.0 {
            if Instant::now() > deadline {
                return Err("GraphiQL opened no WebSocket".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;

        rename_and_publish(&a, &editor, &reviewer, "Postnatal back pain").await;
        let response = s
            .poll(RESPONSE_VALUE, "the change in the response pane", |v| {
                v.as_str().is_some_and(|r| r.contains("UPDATED"))
            })
            .await?;
        let log = s.page_log().await?;
        Ok((response, log))
    })
    .await;

    log.assert_offline_and_clean(&b.address, &["/graphiql", "/graphiql/assets/init.js"]);
    let shown: Value = serde_json::from_str(response.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("the response pane holds no JSON ({e}): {response}"));
    assert_eq!(
        shown["data"]["contentChanged"],
        json!({ "kind": "CONDITION", "slug": "postpartum-low-back-pain",
                "change": "UPDATED", "fields": ["name"] })
    );
}
