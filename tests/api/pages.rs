//! `savePage`: a whole page in one transaction, errors that name the item, and
//! `revertChangeSet` undoing the page as one.

use entity::sea_orm_active_enums::Role;
use entity::{audit_event, citation, edge, node};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, article, assert_code, spawn_app};

const SAVE: &str = r#"mutation($input: PageInput!) { savePage(input: $input) {
  changeSetId
  node { id slug status version citations { quote } }
  createdNodes { slug status }
  links { id status version predicate subject { slug } object { slug } citations { quote } }
  removedLinkIds
} }"#;

const REVERT: &str = r#"mutation($id: ID!) { revertChangeSet(id: $id) { changeSetId events { action targetType } } }"#;

/// Distinct verbatim passages of the article: its sentences.
fn quotes() -> Vec<String> {
    article()
        .lines()
        .flat_map(|line| line.split(". "))
        .map(|s| s.trim().trim_end_matches('.').to_owned())
        .filter(|s| s.len() > 20 && s.len() < 400)
        .collect()
}

fn cite(source: &str, quote: &str) -> Value {
    json!({ "sourceId": source, "quote": quote })
}

/// Rows of every content table and audit events: a failed save must leave all of them as
/// they were.
async fn counts(db: &DatabaseConnection) -> [u64; 4] {
    [
        node::Entity::find().count(db).await.expect("nodes"),
        edge::Entity::find().count(db).await.expect("edges"),
        citation::Entity::find().count(db).await.expect("citations"),
        audit_event::Entity::find().count(db).await.expect("events"),
    ]
}

/// A new condition with 8 links (4 to far ends created with it, 4 to nodes that exist) and
/// 20 citations in all.
async fn new_condition_page(app: &TestApp, slug: &str) -> Value {
    let source = app.source_id().await;
    let q = quotes();
    assert!(
        q.len() >= 20,
        "the article has {} usable sentences",
        q.len()
    );
    let mut quotes = q.iter();
    let mut next = || cite(&source, quotes.next().expect("a quote"));
    let new_nodes: Vec<Value> = (0..4)
        .map(|i| {
            json!({ "kind": "TREATMENT", "slug": format!("{slug}-care-{i}"),
                    "name": format!("Care {i} for {slug}"), "treatmentType": "SELF_CARE",
                    "citations": [next()] })
        })
        .collect();
    let mut links: Vec<Value> = (0..4)
        .map(|i| {
            json!({ "predicate": "TREATED_BY", "direction": "OUTGOING",
                    "otherSlug": format!("{slug}-care-{i}"), "howTo": format!("step {i}"),
                    "citations": [next()] })
        })
        .collect();
    for (predicate, other) in [
        ("HAS_SYMPTOM", "acute-back-pain"),
        ("HAS_SYMPTOM", "numbness-or-tingling-around-injection-area"),
        ("CAUSED_BY", "heavy-lifting"),
        ("TREATED_BY", "massage"),
    ] {
        links.push(json!({ "predicate": predicate, "direction": "OUTGOING",
                           "otherSlug": other, "citations": [next(), next()] }));
    }
    json!({
        "node": { "create": { "kind": "CONDITION", "slug": slug, "name": format!("Condition {slug}"),
                              "citations": [next(), next(), next(), next()] } },
        "newNodes": new_nodes,
        "createLinks": links,
    })
}

#[tokio::test]
async fn a_page_with_8_links_and_20_citations_is_saved_and_reverted_in_one_call() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let before = counts(&app.db).await;

    let input = new_condition_page(&app, "test-page").await;
    let saved = app.data_as(&editor, SAVE, json!({ "input": input })).await["savePage"].clone();
    assert_eq!(saved["node"]["slug"], "test-page");
    assert_eq!(saved["node"]["status"], "DRAFT");
    assert_eq!(saved["createdNodes"].as_array().expect("nodes").len(), 4);
    let links = saved["links"].as_array().expect("links");
    assert_eq!(links.len(), 8);
    assert!(links.iter().all(|l| l["status"] == "DRAFT"), "{saved}");
    let citations: usize = saved["node"]["citations"].as_array().expect("c").len()
        + links
            .iter()
            .map(|l| l["citations"].as_array().expect("c").len())
            .sum::<usize>()
        + 4;
    assert_eq!(citations, 20);
    let after = counts(&app.db).await;
    assert_eq!(after[0], before[0] + 5, "5 nodes");
    assert_eq!(after[1], before[1] + 8, "8 links");
    assert_eq!(after[2], before[2] + 20, "20 citations");

    // Every write is in the audit log under the one change set.
    let change_set = saved["changeSetId"].as_str().expect("id").to_owned();
    let events = app
        .data_as(
            &editor,
            r#"query($id: ID!) { auditEvents(targetId: $id) { events { action changeSetId } } }"#,
            json!({ "id": saved["node"]["id"] }),
        )
        .await["auditEvents"]["events"]
        .clone();
    assert_eq!(events[0]["action"], "create_node");
    assert_eq!(events[0]["changeSetId"], change_set.as_str());

    // Readers see none of it; the editor does.
    let anonymous = app
        .data(r#"{ condition(slug: "test-page") { id } }"#, json!({}))
        .await;
    assert!(anonymous["condition"].is_null());

    // One call undoes it all.
    let reverted = app
        .data_as(&editor, REVERT, json!({ "id": change_set }))
        .await["revertChangeSet"]
        .clone();
    assert_eq!(reverted["events"].as_array().expect("events").len(), 13);
    assert!(
        reverted["events"]
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["action"] == "revert")
    );
    assert_eq!(counts(&app.db).await[..3], before[..3], "the page is gone");
    let gone = app
        .data_as(
            &editor,
            r#"{ condition(slug: "test-page") { id } treatment(slug: "test-page-care-0") { id } }"#,
            json!({}),
        )
        .await;
    assert!(
        gone["condition"].is_null() && gone["treatment"].is_null(),
        "{gone}"
    );

    // The same change set cannot be undone twice.
    let (_, resp) = app
        .gql_as(&editor, REVERT, json!({ "id": change_set }))
        .await;
    assert!(resp["errors"].is_array(), "{resp}");
}

#[tokio::test]
async fn a_bad_item_deep_in_the_input_is_named_and_nothing_is_written() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let source = app.source_id().await;

    // A quote not in the article, in the third new link.
    let mut input = new_condition_page(&app, "bad-quote").await;
    input["createLinks"][2]["citations"][0]["quote"] = json!("Not a sentence of the article.");
    let before = counts(&app.db).await;
    let (_, resp) = app.gql_as(&editor, SAVE, json!({ "input": input })).await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(
        resp["errors"][0]["extensions"]["field"], "createLinks[2].citations[0].quote",
        "{resp}"
    );
    assert_eq!(counts(&app.db).await, before, "nothing written");

    // A stale version on the second changed link of a published page: CONFLICT, named.
    let page = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { id version
                 treatmentLinks { id version } } }"#,
            json!({}),
        )
        .await["condition"]
        .clone();
    let tl = page["treatmentLinks"].as_array().expect("links");
    let input = json!({
        "node": { "update": { "id": page["id"], "version": page["version"], "summary": "Edited." } },
        "createLinks": [{ "predicate": "HAS_SYMPTOM", "direction": "OUTGOING",
                          "otherSlug": "acute-back-pain", "citations": [cite(&source, &quotes()[0])] }],
        "updateLinks": [
            { "id": tl[0]["id"], "version": tl[0]["version"], "note": "fine" },
            { "id": tl[1]["id"], "version": tl[1]["version"].as_i64().expect("v") + 5, "note": "stale" },
        ],
    });
    let (_, resp) = app.gql_as(&editor, SAVE, json!({ "input": input })).await;
    assert_code(&resp, "CONFLICT");
    assert_eq!(
        resp["errors"][0]["extensions"]["field"], "updateLinks[1]",
        "{resp}"
    );
    assert_eq!(counts(&app.db).await, before, "nothing written");
    let again = app
        .data_as(
            &editor,
            r#"{ condition(slug: "postpartum-low-back-pain") { version pending { summary } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(again["condition"]["version"], page["version"]);
    assert!(again["condition"]["pending"].is_null(), "{again}");

    // A link that is not the page's: refused by path.
    let other = app
        .data(
            r#"{ condition(slug: "epidural-related-back-pain") { symptomLinks { id version } } }"#,
            json!({}),
        )
        .await;
    let foreign = &other["condition"]["symptomLinks"][0];
    let input = json!({
        "node": { "update": { "id": page["id"], "version": page["version"] } },
        "removeLinks": [{ "id": foreign["id"], "version": foreign["version"] }],
    });
    let (_, resp) = app.gql_as(&editor, SAVE, json!({ "input": input })).await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert_eq!(
        resp["errors"][0]["extensions"]["field"], "removeLinks[0].id",
        "{resp}"
    );
    assert_eq!(counts(&app.db).await, before, "nothing written");
}

#[tokio::test]
async fn a_published_page_edit_waits_for_review_and_reverts_as_one() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let source = app.source_id().await;
    let page = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { id version summary citations { quote }
                 causeLinks { id version note citations { quote } } } }"#,
            json!({}),
        )
        .await["condition"]
        .clone();
    let link = &page["causeLinks"][0];
    let q = quotes();
    let saved = app
        .data_as(
            &editor,
            SAVE,
            json!({ "input": {
                "node": { "update": { "id": page["id"], "version": page["version"], "summary": "A narrowing of the spinal canal.",
                                      "addCitations": [cite(&source, &q[1])] } },
                "updateLinks": [{ "id": link["id"], "version": link["version"], "note": "edited note",
                                  "addCitations": [cite(&source, &q[2])] }],
            } }),
        )
        .await["savePage"]
        .clone();
    // Published rows keep their text for readers; the edits wait.
    let read = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { summary causeLinks { note } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(read["condition"]["summary"], page["summary"]);
    assert_eq!(read["condition"]["causeLinks"][0]["note"], link["note"]);
    let team = app
        .data_as(
            &editor,
            r#"{ condition(slug: "postpartum-low-back-pain") { pendingStatus pending { summary } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(team["condition"]["pendingStatus"], "DRAFT");
    assert_eq!(
        team["condition"]["pending"]["summary"],
        "A narrowing of the spinal canal."
    );

    // One call undoes the page edit: pending edits closed, added citations gone.
    let (_, resp) = app
        .gql_as(&editor, REVERT, json!({ "id": saved["changeSetId"] }))
        .await;
    assert!(resp["errors"].is_null(), "{resp}");
    let team = app
        .data_as(
            &editor,
            r#"{ condition(slug: "postpartum-low-back-pain") { version pendingStatus pending { summary } citations { quote }
                 causeLinks { id version note pendingStatus citations { quote } } } }"#,
            json!({}),
        )
        .await["condition"]
        .clone();
    assert!(team["pending"].is_null(), "{team}");
    assert!(team["pendingStatus"].is_null(), "{team}");
    assert!(team["causeLinks"][0]["pendingStatus"].is_null(), "{team}");
    assert_eq!(
        team["citations"], page["citations"],
        "the added citation is gone"
    );
    assert_eq!(
        team["causeLinks"][0]["citations"], link["citations"],
        "the added citation is gone"
    );

    // A later edit of one of a change set's rows blocks its revert, which then undoes nothing.
    let link = &team["causeLinks"][0];
    let saved = app
        .data_as(
            &editor,
            SAVE,
            json!({ "input": {
                "node": { "update": { "id": page["id"], "version": team["version"], "summary": "Second edit." } },
                "updateLinks": [{ "id": link["id"], "version": link["version"], "note": "second note" }],
            } }),
        )
        .await["savePage"]
        .clone();
    let version = saved["node"]["version"].clone();
    app.data_as(
        &editor,
        r#"mutation($id: ID!, $v: Int!) { updateNode(input: { id: $id, version: $v, name: "Back pain after giving birth" }) { version } }"#,
        json!({ "id": page["id"], "v": version }),
    )
    .await;
    let (_, resp) = app
        .gql_as(&editor, REVERT, json!({ "id": saved["changeSetId"] }))
        .await;
    assert_code(&resp, "BAD_USER_INPUT");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("was changed after this change set"),
        "{resp}"
    );
    let still = app
        .data_as(
            &editor,
            r#"{ condition(slug: "postpartum-low-back-pain") { pending { summary } causeLinks { pending { note } } } }"#,
            json!({}),
        )
        .await["condition"]
        .clone();
    assert_eq!(still["pending"]["summary"], "Second edit.", "{still}");
    assert_eq!(
        still["causeLinks"][0]["pending"]["note"], "second note",
        "{still}"
    );
}

const QUEUE: &str = r#"query($by: String, $kinds: [ContentKind!]) { reviewQueue(submittedBy: $by, kinds: $kinds) {
  items { isEdit submittedBy changeSetId changes { field before after }
          content { ... on Condition { slug } ... on Treatment { slug } ... on Link { id } } }
  hasNextPage } }"#;

#[tokio::test]
async fn a_saved_page_goes_through_the_review_queue_and_is_published_as_one() {
    let app = spawn_app().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let source = app.source_id().await;
    let page = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { id version summary causeLinks { id version note } } }"#,
            json!({}),
        )
        .await["condition"]
        .clone();
    let link = &page["causeLinks"][0];

    // An editor saves an edit of a published page and a new treatment linked to it, then
    // submits the whole change set.
    let saved = app
        .data_as(
            &editor,
            SAVE,
            json!({ "input": {
                "node": { "update": { "id": page["id"], "version": page["version"], "summary": "Edited summary." } },
                "newNodes": [{ "kind": "TREATMENT", "slug": "warm-compress", "name": "Warm compress",
                               "citations": [cite(&source, &quotes()[3])] }],
                "createLinks": [{ "predicate": "TREATED_BY", "direction": "OUTGOING", "otherSlug": "warm-compress",
                                  "citations": [cite(&source, &quotes()[4])] }],
                "updateLinks": [{ "id": link["id"], "version": link["version"], "note": "Edited note." }],
            } }),
        )
        .await["savePage"]
        .clone();
    let change_set = saved["changeSetId"].clone();
    let submitted = app
        .data_as(
            &editor,
            r#"mutation($id: ID!) { submitChangeSet(id: $id) { __typename } }"#,
            json!({ "id": change_set }),
        )
        .await;
    assert_eq!(
        submitted["submitChangeSet"].as_array().expect("list").len(),
        4,
        "the page's node, the new treatment, the new link, the changed link: {submitted}"
    );

    // The reviewer's queue shows the four, oldest first, with the edit's diff.
    let queue = app.data_as(&reviewer, QUEUE, json!({ "by": "ed" })).await["reviewQueue"].clone();
    let items = queue["items"].as_array().expect("items");
    assert_eq!(items.len(), 4, "{queue}");
    assert!(
        items
            .iter()
            .all(|i| i["changeSetId"] == change_set && i["submittedBy"] == "ed")
    );
    let edit = items
        .iter()
        .find(|i| i["content"]["slug"] == "postpartum-low-back-pain")
        .expect("the page's node");
    assert_eq!(edit["isEdit"], true);
    assert_eq!(
        edit["changes"],
        json!([{ "field": "summary", "before": page["summary"], "after": "Edited summary." }])
    );
    let new = items
        .iter()
        .find(|i| i["content"]["slug"] == "warm-compress")
        .expect("the new treatment");
    assert_eq!(new["isEdit"], false);
    assert!(
        new["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["field"] == "name"
                && c["after"] == "Warm compress"
                && c["before"].is_null())
    );
    let only_links = app
        .data_as(&reviewer, QUEUE, json!({ "kinds": ["LINK"] }))
        .await["reviewQueue"]["items"]
        .as_array()
        .expect("items")
        .len();
    assert_eq!(only_links, 2);

    // The editor cannot publish; the reviewer publishes the whole page at once.
    let (_, resp) = app
        .gql_as(
            &editor,
            r#"mutation($id: ID!) { publishChangeSet(id: $id) { __typename } }"#,
            json!({ "id": change_set }),
        )
        .await;
    assert_code(&resp, "FORBIDDEN");
    let published = app
        .data_as(
            &reviewer,
            r#"mutation($id: ID!) { publishChangeSet(id: $id) { __typename } }"#,
            json!({ "id": change_set }),
        )
        .await;
    assert_eq!(
        published["publishChangeSet"]
            .as_array()
            .expect("list")
            .len(),
        4
    );
    let queue = app.data_as(&reviewer, QUEUE, json!({})).await;
    assert_eq!(queue["reviewQueue"]["items"], json!([]), "{queue}");
    let read = app
        .data(
            r#"{ condition(slug: "postpartum-low-back-pain") { summary treatments { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(read["condition"]["summary"], "Edited summary.");
    assert!(
        read["condition"]["treatments"]
            .to_string()
            .contains("warm-compress"),
        "{read}"
    );
}
