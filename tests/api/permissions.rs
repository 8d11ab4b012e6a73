//! The permission matrix: every mutation × every kind of caller, with the exact outcome.
//!
//! Callers: no `Authorization` header, a garbage bearer token, another auth scheme, a revoked
//! token, and valid editor, reviewer and admin tokens. Each row of the table names a mutation,
//! the fixture it runs on and what each role gets; the fixture is made afresh with an admin
//! token for every call that may succeed, since a successful write consumes versions and
//! states. A refusal must change nothing, and must not tell whether its target exists.
//!
//! Where a role's right depends on the target (a published link or citation, the action an
//! audit event records), the table follows the documentation of the mutation in
//! `schema.graphql`.

use std::sync::atomic::{AtomicUsize, Ordering};

use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_code, spawn_app};

/// A verbatim passage of the article (note the curly apostrophe).
const SELF_CARE_QUOTE: &str = "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify.";
/// Another verbatim passage, for a second citation.
const BED_REST_QUOTE: &str =
    "Ensure that you take well-needed bed rest and concentrate on bonding with your child.";

const RENAMED: &str = "Renamed by the permission matrix";
const NOTE: &str = "Checked by the permission matrix";
const RETITLED: &str = "Retitled by the permission matrix";

// The documents: every one aliases its mutation as `result`.

const CREATE_NODE: &str = "mutation($input: CreateNodeInput!) {
  result: createNode(input: $input) { id slug status version citations { id } }
}";
const UPDATE_NODE: &str = "mutation($id: ID!, $version: Int!) {
  result: updateNode(input: { id: $id, version: $version, name: \"Renamed by the permission matrix\" }) {
    id name status version
  }
}";
const DELETE_NODE: &str =
    "mutation($id: ID!, $version: Int!) { result: deleteNode(id: $id, version: $version) }";
const LINK: &str = "mutation($input: LinkInput!) {
  result: link(input: $input) { id predicate status version subject { id } object { id } }
}";
const UPDATE_LINK: &str = "mutation($id: ID!, $version: Int!) {
  result: updateLink(input: { id: $id, version: $version, note: \"Checked by the permission matrix\" }) {
    id note status version
  }
}";
const UNLINK: &str =
    "mutation($id: ID!, $version: Int!) { result: unlink(id: $id, version: $version) }";
const CREATE_SOURCE: &str = "mutation($input: CreateSourceInput!) {
  result: createSource(input: $input) { id slug title }
}";
const UPDATE_SOURCE: &str = "mutation($id: ID!, $version: Int!) {
  result: updateSource(input: { id: $id, version: $version, title: \"Retitled by the permission matrix\" }) {
    id title
  }
}";
const DELETE_SOURCE: &str =
    "mutation($id: ID!, $version: Int!) { result: deleteSource(id: $id, version: $version) }";
const ADD_CITATION: &str = "mutation($input: AddCitationInput!) {
  result: addCitation(input: $input) { id quote source { id } }
}";
const REMOVE_CITATION: &str = "mutation($id: ID!) { result: removeCitation(id: $id) }";
const SUBMIT: &str = "mutation($id: ID!, $version: Int!) {
  result: submitForReview(id: $id, version: $version) { ...Step }
}
fragment Step on Content {
  ... on Node { id status version reviewedBy }
  ... on Link { id status version reviewedBy }
}";
const PUBLISH: &str = "mutation($id: ID!, $version: Int!) {
  result: publish(id: $id, version: $version) { ...Step }
}
fragment Step on Content {
  ... on Node { id status version reviewedBy }
  ... on Link { id status version reviewedBy }
}";
const REJECT: &str = "mutation($id: ID!, $version: Int!) {
  result: reject(id: $id, version: $version, reason: \"Quote the passage on rest\") { ...Step }
}
fragment Step on Content {
  ... on Node { id status version reviewedBy }
  ... on Link { id status version reviewedBy }
}";
const ARCHIVE: &str = "mutation($id: ID!, $version: Int!) {
  result: archive(id: $id, version: $version) { ...Step }
}
fragment Step on Content {
  ... on Node { id status version reviewedBy }
  ... on Link { id status version reviewedBy }
}";
const REVERT: &str = "mutation($auditEventId: ID!) {
  result: revert(auditEventId: $auditEventId) { id action actor actorRole targetId }
}";
const CREATE_TOKEN: &str = "mutation($name: String!, $role: Role!) {
  result: createToken(name: $name, role: $role) { secret token { name role revokedAt } }
}";
const REVOKE_TOKEN: &str =
    "mutation($name: String!) { result: revokeToken(name: $name) { name role revokedAt } }";

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// `Authorization: Bearer cgt_garbage`.
    GarbageToken,
    /// `Authorization: Basic xyz`: not a bearer token at all.
    OtherScheme,
    /// A token that was valid (with the admin role) and has been revoked.
    RevokedToken,
    Editor,
    Reviewer,
    Admin,
}

use Caller::*;

const WITHOUT_VALID_TOKEN: [Caller; 4] = [Anonymous, GarbageToken, OtherScheme, RevokedToken];
const EVERY_CALLER: [Caller; 7] = [
    Anonymous,
    GarbageToken,
    OtherScheme,
    RevokedToken,
    Editor,
    Reviewer,
    Admin,
];

impl Caller {
    /// The token's name, as audit events and `reviewedBy` show it.
    fn name(self) -> &'static str {
        match self {
            Editor => "eve-editor",
            Reviewer => "rui-reviewer",
            Admin => "ada-admin",
            RevokedToken => "rex-revoked",
            Anonymous | GarbageToken | OtherScheme => "(none)",
        }
    }
}

/// What a role gets from one row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// The mutation succeeds.
    Allowed,
    /// FORBIDDEN whatever the target: the role may never do this, so the refusal comes before
    /// the target is looked up (a missing target is FORBIDDEN too).
    Forbidden,
    /// FORBIDDEN because of this target (a published link or citation, the action an audit
    /// event records): the role may do this to other targets.
    ForbiddenHere,
}

use Outcome::*;

/// What a row runs on, made with an admin token before the call.
#[derive(Clone, Copy, Debug)]
enum Fixture {
    /// Input for a new DRAFT treatment (nothing is created beforehand).
    NewNode,
    DraftNode,
    InReviewNode,
    PublishedNode,
    /// Input for a new link from the article's condition to a fresh DRAFT treatment.
    NewLink,
    DraftLink,
    PublishedLink,
    /// Input for a new source.
    NewSource,
    Source,
    /// Input for a second citation of a fresh DRAFT treatment.
    NewCitation,
    /// The citation a DRAFT treatment was created with.
    DraftCitation,
    /// The citation of a PUBLISHED treatment.
    PublishedCitation,
    /// Input for a new editor token.
    NewToken,
    /// A valid editor token.
    Token,
    /// An `update_node` audit event: reverting it takes an editor or admin.
    UpdateEvent,
    /// A `publish` audit event: reverting it takes a reviewer or admin.
    PublishEvent,
    /// A `delete_node` audit event: reverting it takes an admin.
    DeleteEvent,
}

/// One row of the matrix.
struct Case {
    /// The mutation, and what it is called on.
    what: &'static str,
    document: &'static str,
    fixture: Fixture,
    editor: Outcome,
    reviewer: Outcome,
    admin: Outcome,
    /// The audit event a success records.
    action: &'static str,
    /// Checks a successful `result` against the variables sent and the caller's token name.
    then: fn(&Value, &Value, &str),
}

impl Case {
    fn outcome(&self, caller: Caller) -> Option<Outcome> {
        match caller {
            Editor => Some(self.editor),
            Reviewer => Some(self.reviewer),
            Admin => Some(self.admin),
            Anonymous | GarbageToken | OtherScheme | RevokedToken => None,
        }
    }
}

fn version(v: &Value) -> i64 {
    v["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("no version in {v}"))
}

/// The table. `then` runs only when the call succeeded.
fn cases() -> Vec<Case> {
    vec![
        Case {
            what: "createNode",
            document: CREATE_NODE,
            fixture: Fixture::NewNode,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "create_node",
            then: |r, v, _| {
                assert_eq!(r["slug"], v["input"]["slug"], "{r}");
                assert_eq!(r["status"], "DRAFT", "{r}");
                assert_eq!(r["version"], 1, "{r}");
            },
        },
        Case {
            what: "updateNode (draft)",
            document: UPDATE_NODE,
            fixture: Fixture::DraftNode,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "update_node",
            then: |r, v, _| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["name"], RENAMED, "{r}");
                assert_eq!(version(r), version(v) + 1, "{r}");
            },
        },
        Case {
            what: "deleteNode",
            document: DELETE_NODE,
            fixture: Fixture::DraftNode,
            editor: Forbidden,
            reviewer: Forbidden,
            admin: Allowed,
            action: "delete_node",
            then: |r, v, _| assert_eq!(r, &v["id"]),
        },
        Case {
            what: "link",
            document: LINK,
            fixture: Fixture::NewLink,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "link",
            then: |r, v, _| {
                assert_eq!(r["subject"]["id"], v["input"]["subjectId"], "{r}");
                assert_eq!(r["object"]["id"], v["input"]["objectId"], "{r}");
                assert_eq!(r["predicate"], "TREATED_BY", "{r}");
                assert_eq!(r["status"], "DRAFT", "{r}");
            },
        },
        Case {
            what: "updateLink (draft)",
            document: UPDATE_LINK,
            fixture: Fixture::DraftLink,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "update_link",
            then: |r, v, _| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["note"], NOTE, "{r}");
                assert_eq!(version(r), version(v) + 1, "{r}");
            },
        },
        Case {
            what: "unlink (draft link)",
            document: UNLINK,
            fixture: Fixture::DraftLink,
            editor: Allowed,
            // "A draft link: editor or admin".
            reviewer: ForbiddenHere,
            admin: Allowed,
            action: "unlink",
            then: |r, v, _| assert_eq!(r, &v["id"]),
        },
        Case {
            what: "unlink (published link)",
            document: UNLINK,
            fixture: Fixture::PublishedLink,
            editor: ForbiddenHere,
            // "a published one changes what readers see, so it takes a reviewer or admin".
            reviewer: Allowed,
            admin: Allowed,
            action: "unlink",
            then: |r, v, _| assert_eq!(r, &v["id"]),
        },
        Case {
            what: "createSource",
            document: CREATE_SOURCE,
            fixture: Fixture::NewSource,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "create_source",
            then: |r, v, _| {
                assert_eq!(r["slug"], v["input"]["slug"], "{r}");
                assert_eq!(r["title"], v["input"]["title"], "{r}");
            },
        },
        Case {
            what: "updateSource",
            document: UPDATE_SOURCE,
            fixture: Fixture::Source,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "update_source",
            then: |r, v, _| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["title"], RETITLED, "{r}");
            },
        },
        Case {
            what: "deleteSource",
            document: DELETE_SOURCE,
            fixture: Fixture::Source,
            editor: Forbidden,
            reviewer: Forbidden,
            admin: Allowed,
            action: "delete_source",
            then: |r, v, _| assert_eq!(r, &v["id"]),
        },
        Case {
            what: "addCitation (draft node)",
            document: ADD_CITATION,
            fixture: Fixture::NewCitation,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "add_citation",
            then: |r, v, _| {
                assert_eq!(r["quote"], BED_REST_QUOTE, "{r}");
                assert_eq!(r["source"]["id"], v["input"]["citation"]["sourceId"], "{r}");
            },
        },
        Case {
            what: "removeCitation (draft citation)",
            document: REMOVE_CITATION,
            fixture: Fixture::DraftCitation,
            editor: Allowed,
            // "a draft one (editor or admin)".
            reviewer: ForbiddenHere,
            admin: Allowed,
            action: "remove_citation",
            then: |r, v, _| assert_eq!(r, &v["id"]),
        },
        Case {
            what: "removeCitation (published citation)",
            document: REMOVE_CITATION,
            fixture: Fixture::PublishedCitation,
            editor: ForbiddenHere,
            // "a published one (reviewer or admin)".
            reviewer: Allowed,
            admin: Allowed,
            action: "remove_citation",
            then: |r, v, _| assert_eq!(r, &v["id"]),
        },
        Case {
            what: "submitForReview (draft node)",
            document: SUBMIT,
            fixture: Fixture::DraftNode,
            editor: Allowed,
            reviewer: Forbidden,
            admin: Allowed,
            action: "submit_for_review",
            then: |r, v, _| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["status"], "IN_REVIEW", "{r}");
                assert_eq!(version(r), version(v) + 1, "{r}");
            },
        },
        Case {
            what: "publish (node in review)",
            document: PUBLISH,
            fixture: Fixture::InReviewNode,
            editor: Forbidden,
            reviewer: Allowed,
            admin: Allowed,
            action: "publish",
            then: |r, v, who| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["status"], "PUBLISHED", "{r}");
                assert_eq!(r["reviewedBy"], who, "the reviewer's mark: {r}");
                assert_eq!(version(r), version(v) + 1, "{r}");
            },
        },
        Case {
            what: "reject (node in review)",
            document: REJECT,
            fixture: Fixture::InReviewNode,
            editor: Forbidden,
            reviewer: Allowed,
            admin: Allowed,
            action: "reject",
            then: |r, v, _| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["status"], "REJECTED", "{r}");
                assert_eq!(version(r), version(v) + 1, "{r}");
            },
        },
        Case {
            what: "archive (published node)",
            document: ARCHIVE,
            fixture: Fixture::PublishedNode,
            editor: Forbidden,
            reviewer: Allowed,
            admin: Allowed,
            action: "archive",
            then: |r, v, _| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["status"], "ARCHIVED", "{r}");
                assert_eq!(version(r), version(v) + 1, "{r}");
            },
        },
        Case {
            what: "archive (published link)",
            document: ARCHIVE,
            fixture: Fixture::PublishedLink,
            editor: Forbidden,
            reviewer: Allowed,
            admin: Allowed,
            action: "archive",
            then: |r, v, _| {
                assert_eq!(r["id"], v["id"], "{r}");
                assert_eq!(r["status"], "ARCHIVED", "{r}");
                assert_eq!(version(r), version(v) + 1, "{r}");
            },
        },
        Case {
            what: "revert (an update_node event)",
            document: REVERT,
            fixture: Fixture::UpdateEvent,
            editor: Allowed,
            reviewer: ForbiddenHere,
            admin: Allowed,
            action: "revert",
            then: |r, _, who| {
                assert_eq!(r["action"], "revert", "{r}");
                assert_eq!(r["actor"], who, "{r}");
            },
        },
        Case {
            what: "revert (a publish event)",
            document: REVERT,
            fixture: Fixture::PublishEvent,
            editor: ForbiddenHere,
            reviewer: Allowed,
            admin: Allowed,
            action: "revert",
            then: |r, _, who| {
                assert_eq!(r["action"], "revert", "{r}");
                assert_eq!(r["actor"], who, "{r}");
            },
        },
        Case {
            what: "revert (a delete_node event)",
            document: REVERT,
            fixture: Fixture::DeleteEvent,
            editor: ForbiddenHere,
            reviewer: ForbiddenHere,
            admin: Allowed,
            action: "revert",
            then: |r, _, who| {
                assert_eq!(r["action"], "revert", "{r}");
                assert_eq!(r["actor"], who, "{r}");
            },
        },
        Case {
            what: "createToken",
            document: CREATE_TOKEN,
            fixture: Fixture::NewToken,
            editor: Forbidden,
            reviewer: Forbidden,
            admin: Allowed,
            action: "create_token",
            then: |r, v, _| {
                assert_eq!(r["token"]["name"], v["name"], "{r}");
                assert_eq!(r["token"]["role"], "EDITOR", "{r}");
                assert!(r["token"]["revokedAt"].is_null(), "{r}");
                let secret = r["secret"].as_str().expect("a secret");
                assert!(secret.starts_with("cgt_"), "{r}");
            },
        },
        Case {
            what: "revokeToken",
            document: REVOKE_TOKEN,
            fixture: Fixture::Token,
            editor: Forbidden,
            reviewer: Forbidden,
            admin: Allowed,
            action: "revoke_token",
            then: |r, v, _| {
                assert_eq!(r["name"], v["name"], "{r}");
                assert!(r["revokedAt"].is_string(), "{r}");
            },
        },
    ]
}

/// A fresh handle (slug, token name) for this run.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A fixture's variables, and the id (or token name) they target, if any.
struct Prepared {
    vars: Value,
    target: Option<String>,
}

impl Prepared {
    fn on(vars: Value, target: &Value) -> Self {
        let target = target
            .as_str()
            .unwrap_or_else(|| panic!("no target in {target}"))
            .to_owned();
        Self {
            vars,
            target: Some(target),
        }
    }

    fn input(vars: Value) -> Self {
        Self { vars, target: None }
    }

    /// The same variables aimed at a target that does not exist.
    fn missing(&self) -> Option<Value> {
        let target = self.target.as_ref()?;
        let ghost = if uuid::Uuid::parse_str(target).is_ok() {
            uuid::Uuid::now_v7().to_string()
        } else {
            "nobody-by-that-name".to_owned()
        };
        let text = self
            .vars
            .to_string()
            .replace(&format!("\"{target}\""), &format!("\"{ghost}\""));
        Some(serde_json::from_str(&text).expect("still JSON"))
    }
}

fn id_version(row: &Value) -> Value {
    json!({ "id": row["id"], "version": row["version"] })
}

/// The error code of a response with exactly one error.
fn the_code(resp: &Value) -> Option<&str> {
    match resp["errors"].as_array().map(Vec::as_slice) {
        Some([error]) => error["extensions"]["code"].as_str(),
        _ => None,
    }
}

/// Fails with every cell that did not come out as expected, not just the first.
fn assert_matrix(mismatches: &[String]) {
    assert!(
        mismatches.is_empty(),
        "{} cell(s) of the permission matrix differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// A server with one token per caller, and what fixtures need.
struct World {
    app: TestApp,
    /// An admin token that only builds fixtures.
    maker: String,
    /// A second one, publishing what `maker` submitted (the four-eyes rule).
    checker: String,
    editor: String,
    reviewer: String,
    admin: String,
    revoked: String,
    source_id: String,
    condition_id: String,
}

impl World {
    async fn new() -> Self {
        let app = spawn_app().await;
        let maker = app.token("fixture-maker", Role::Admin).await;
        let checker = app.token("fixture-checker", Role::Admin).await;
        let editor = app.token(Editor.name(), Role::Editor).await;
        let reviewer = app.token(Reviewer.name(), Role::Reviewer).await;
        let admin = app.token(Admin.name(), Role::Admin).await;
        let revoked = app.token(RevokedToken.name(), Role::Admin).await;
        app.revoke(RevokedToken.name()).await;
        let source_id = app.source_id().await;
        let data = app
            .data(
                r#"{ condition(slug: "postpartum-low-back-pain") { id } }"#,
                json!({}),
            )
            .await;
        let condition_id = data["condition"]["id"]
            .as_str()
            .expect("the article's condition")
            .to_owned();
        Self {
            app,
            maker,
            checker,
            editor,
            reviewer,
            admin,
            revoked,
            source_id,
            condition_id,
        }
    }

    async fn call(&self, caller: Caller, query: &str, vars: &Value) -> (StatusCode, Value) {
        let vars = vars.clone();
        match caller {
            Anonymous => self.app.gql(query, vars).await,
            GarbageToken => self.app.gql_as("cgt_garbage", query, vars).await,
            OtherScheme => {
                let resp = self
                    .app
                    .client
                    .post(format!("{}/graphql", self.app.address))
                    .header(reqwest::header::AUTHORIZATION, "Basic xyz")
                    .json(&json!({ "query": query, "variables": vars }))
                    .send()
                    .await
                    .expect("request reaches the server");
                let status = resp.status();
                (status, resp.json().await.expect("a JSON body"))
            }
            RevokedToken => self.app.gql_as(&self.revoked, query, vars).await,
            Editor => self.app.gql_as(&self.editor, query, vars).await,
            Reviewer => self.app.gql_as(&self.reviewer, query, vars).await,
            Admin => self.app.gql_as(&self.admin, query, vars).await,
        }
    }

    /// Runs a fixture-building request, which must succeed; returns its `result`.
    async fn make(&self, query: &str, vars: Value) -> Value {
        self.app.data_as(&self.maker, query, vars).await["result"].clone()
    }

    /// The newest audit events, about `target` when given.
    async fn events(&self, target: Option<&Value>) -> Vec<Value> {
        let data = self
            .app
            .data_as(
                &self.maker,
                "query($target: ID) {
                   auditEvents(targetId: $target, first: 1) { events { id actor action after } }
                 }",
                json!({ "target": target }),
            )
            .await;
        data["auditEvents"]["events"]
            .as_array()
            .expect("events")
            .clone()
    }

    async fn newest_event(&self) -> Value {
        self.events(None)
            .await
            .first()
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// The id of the newest audit event about `target`, checking it records `action`.
    async fn event_of(&self, target: &Value, action: &str) -> Value {
        let events = self.events(Some(target)).await;
        let event = events.first().expect("an event about the target");
        assert_eq!(event["action"], action, "{event}");
        event["id"].clone()
    }

    fn new_node_input(&self) -> Value {
        let slug = unique("matrix-treatment");
        json!({
            "kind": "TREATMENT",
            "slug": slug,
            "name": format!("Treatment {slug}"),
            "treatmentType": "SELF_CARE",
            "citations": [{ "sourceId": self.source_id, "quote": SELF_CARE_QUOTE }],
        })
    }

    fn new_link_input(&self, object_id: &Value) -> Value {
        json!({
            "subjectId": self.condition_id,
            "predicate": "TREATED_BY",
            "objectId": object_id,
            "citations": [{ "sourceId": self.source_id, "quote": SELF_CARE_QUOTE }],
        })
    }

    async fn draft_node(&self) -> Value {
        let node = self
            .make(CREATE_NODE, json!({ "input": self.new_node_input() }))
            .await;
        assert_eq!(node["status"], "DRAFT", "{node}");
        node
    }

    async fn draft_link(&self) -> Value {
        let object = self.draft_node().await;
        let link = self
            .make(LINK, json!({ "input": self.new_link_input(&object["id"]) }))
            .await;
        assert_eq!(link["status"], "DRAFT", "{link}");
        link
    }

    /// Takes a node or link through workflow steps; returns it after the last one.
    async fn advance(&self, mut row: Value, steps: &[&str]) -> Value {
        for step in steps {
            let token = if *step == PUBLISH {
                &self.checker
            } else {
                &self.maker
            };
            row = self.app.data_as(token, step, id_version(&row)).await["result"].clone();
        }
        row
    }

    async fn prepare(&self, fixture: Fixture) -> Prepared {
        match fixture {
            Fixture::NewNode => Prepared::input(json!({ "input": self.new_node_input() })),
            Fixture::DraftNode => {
                let node = self.draft_node().await;
                Prepared::on(id_version(&node), &node["id"])
            }
            Fixture::InReviewNode => {
                let node = self.advance(self.draft_node().await, &[SUBMIT]).await;
                assert_eq!(node["status"], "IN_REVIEW", "{node}");
                Prepared::on(id_version(&node), &node["id"])
            }
            Fixture::PublishedNode => {
                let node = self
                    .advance(self.draft_node().await, &[SUBMIT, PUBLISH])
                    .await;
                assert_eq!(node["status"], "PUBLISHED", "{node}");
                Prepared::on(id_version(&node), &node["id"])
            }
            Fixture::NewLink => {
                let object = self.draft_node().await;
                Prepared::on(
                    json!({ "input": self.new_link_input(&object["id"]) }),
                    &object["id"],
                )
            }
            Fixture::DraftLink => {
                let link = self.draft_link().await;
                Prepared::on(id_version(&link), &link["id"])
            }
            Fixture::PublishedLink => {
                let link = self
                    .advance(self.draft_link().await, &[SUBMIT, PUBLISH])
                    .await;
                assert_eq!(link["status"], "PUBLISHED", "{link}");
                Prepared::on(id_version(&link), &link["id"])
            }
            Fixture::NewSource => {
                let slug = unique("matrix-source");
                Prepared::input(
                    json!({ "input": { "slug": slug, "title": format!("Source {slug}") } }),
                )
            }
            Fixture::Source => {
                let slug = unique("matrix-source");
                let source = self
                    .make(
                        CREATE_SOURCE,
                        json!({ "input": { "slug": slug, "title": "A source to change" } }),
                    )
                    .await;
                // `Source` has no `version` field: the audit log has the row as written.
                let events = self.events(Some(&source["id"])).await;
                let version = events[0]["after"]["row"]["version"].clone();
                assert!(version.is_i64(), "a version in {events:?}");
                Prepared::on(
                    json!({ "id": source["id"], "version": version }),
                    &source["id"],
                )
            }
            Fixture::NewCitation => {
                let node = self.draft_node().await;
                Prepared::on(
                    json!({ "input": {
                        "targetId": node["id"],
                        "citation": { "sourceId": self.source_id, "quote": BED_REST_QUOTE },
                    } }),
                    &node["id"],
                )
            }
            Fixture::DraftCitation => {
                let node = self.draft_node().await;
                let citation = &node["citations"][0]["id"];
                Prepared::on(json!({ "id": citation }), citation)
            }
            Fixture::PublishedCitation => {
                let node = self.draft_node().await;
                let citation = node["citations"][0]["id"].clone();
                let published = self.advance(node, &[SUBMIT, PUBLISH]).await;
                assert_eq!(published["status"], "PUBLISHED", "{published}");
                Prepared::on(json!({ "id": citation }), &citation)
            }
            Fixture::NewToken => {
                Prepared::input(json!({ "name": unique("matrix-token"), "role": "EDITOR" }))
            }
            Fixture::Token => {
                let name = unique("matrix-token");
                self.app.token(&name, Role::Editor).await;
                Prepared::on(json!({ "name": name }), &json!(name))
            }
            Fixture::UpdateEvent => {
                let node = self.draft_node().await;
                self.make(UPDATE_NODE, id_version(&node)).await;
                let event = self.event_of(&node["id"], "update_node").await;
                Prepared::on(json!({ "auditEventId": event }), &event)
            }
            Fixture::PublishEvent => {
                let node = self
                    .advance(self.draft_node().await, &[SUBMIT, PUBLISH])
                    .await;
                let event = self.event_of(&node["id"], "publish").await;
                Prepared::on(json!({ "auditEventId": event }), &event)
            }
            Fixture::DeleteEvent => {
                let node = self.draft_node().await;
                self.make(DELETE_NODE, id_version(&node)).await;
                let event = self.event_of(&node["id"], "delete_node").await;
                Prepared::on(json!({ "auditEventId": event }), &event)
            }
        }
    }

    /// Calls `case` as `caller` and checks the outcome: success (`expected` is `None`) or
    /// exactly the `expected` error code. Returns a description of a mismatch.
    ///
    /// A success must return what the case expects and be audited under the caller's name;
    /// a refusal must return no data and write nothing.
    async fn cell(
        &self,
        case: &Case,
        caller: Caller,
        vars: &Value,
        expected: Option<&str>,
    ) -> Option<String> {
        let before = self.newest_event().await;
        let (status, resp) = self.call(caller, case.document, vars).await;
        let cell = format!("{} × {caller:?}", case.what);
        if status != StatusCode::OK {
            return Some(format!("{cell}: HTTP {status}: {resp}"));
        }
        let got = the_code(&resp);
        match expected {
            None if resp.get("errors").is_some() => {
                Some(format!("{cell}: expected success, got {}", resp["errors"]))
            }
            None => {
                (case.then)(&resp["data"]["result"], vars, caller.name());
                let event = self.newest_event().await;
                assert_eq!(event["action"], case.action, "{cell}: {event}");
                assert_eq!(event["actor"], caller.name(), "{cell}: {event}");
                None
            }
            Some(code) if got != Some(code) => Some(format!(
                "{cell}: expected {code}, got {}",
                if resp.get("errors").is_some() {
                    resp["errors"].to_string()
                } else {
                    format!("success: {}", resp["data"])
                }
            )),
            Some(_) => {
                assert!(resp["data"]["result"].is_null(), "{cell}: {resp}");
                assert_eq!(self.newest_event().await, before, "{cell} wrote something");
                None
            }
        }
    }

    /// Every row of the table as one role, each on a fresh fixture.
    async fn role_column(&self, caller: Caller) -> Vec<String> {
        let mut mismatches = Vec::new();
        for case in cases() {
            let expected = match case.outcome(caller).expect("a role") {
                Allowed => None,
                Forbidden | ForbiddenHere => Some("FORBIDDEN"),
            };
            let prepared = self.prepare(case.fixture).await;
            mismatches.extend(self.cell(&case, caller, &prepared.vars, expected).await);
        }
        mismatches
    }
}

#[tokio::test]
async fn callers_without_a_valid_token_are_unauthenticated_on_every_mutation() {
    // Given every kind of target, and callers with no header, a garbage bearer token, another
    // scheme, or a revoked admin token.
    let world = World::new().await;
    let mut mismatches = Vec::new();
    for case in cases() {
        let prepared = world.prepare(case.fixture).await;
        for caller in WITHOUT_VALID_TOKEN {
            // When they call the mutation, then it is UNAUTHENTICATED and changes nothing (so
            // the four callers can share one fixture).
            mismatches.extend(
                world
                    .cell(&case, caller, &prepared.vars, Some("UNAUTHENTICATED"))
                    .await,
            );
        }
    }
    assert_matrix(&mismatches);
}

#[tokio::test]
async fn editors_write_drafts_but_cannot_review_delete_or_manage_tokens() {
    let world = World::new().await;
    assert_matrix(&world.role_column(Editor).await);
}

#[tokio::test]
async fn reviewers_review_but_cannot_write_delete_or_manage_tokens() {
    let world = World::new().await;
    assert_matrix(&world.role_column(Reviewer).await);
}

#[tokio::test]
async fn admins_may_call_every_mutation() {
    let world = World::new().await;
    assert_matrix(&world.role_column(Admin).await);
}

#[tokio::test]
async fn refusals_do_not_tell_whether_the_target_exists() {
    let world = World::new().await;

    // Given a draft node, and an id that names nothing.
    let node = world.draft_node().await;
    let existing = id_version(&node);
    let missing = json!({ "id": uuid::Uuid::now_v7().to_string(), "version": 1 });

    // When a reviewer renames either, then both are FORBIDDEN, word for word.
    let (_, on_existing) = world.call(Reviewer, UPDATE_NODE, &existing).await;
    let (_, on_missing) = world.call(Reviewer, UPDATE_NODE, &missing).await;
    assert_code(&on_existing, "FORBIDDEN");
    assert_code(&on_missing, "FORBIDDEN");
    assert_eq!(
        on_existing["errors"][0]["message"],
        on_missing["errors"][0]["message"]
    );
    assert!(on_missing["data"].is_null(), "{on_missing}");
    // And anonymously both are UNAUTHENTICATED, word for word.
    let (_, on_existing) = world.call(Anonymous, UPDATE_NODE, &existing).await;
    let (_, on_missing) = world.call(Anonymous, UPDATE_NODE, &missing).await;
    assert_code(&on_existing, "UNAUTHENTICATED");
    assert_code(&on_missing, "UNAUTHENTICATED");
    assert_eq!(
        on_existing["errors"][0]["message"],
        on_missing["errors"][0]["message"]
    );

    // The same for every row aimed at an existing target: on a missing one, whoever would be
    // refused whatever the target gets the same refusal; whoever may act learns it is missing.
    let mut mismatches = Vec::new();
    let mut cells = 0;
    for case in cases() {
        let prepared = world.prepare(case.fixture).await;
        let Some(vars) = prepared.missing() else {
            continue;
        };
        for caller in EVERY_CALLER {
            let expected = match case.outcome(caller) {
                None => "UNAUTHENTICATED",
                Some(Forbidden) => "FORBIDDEN",
                Some(Allowed) => "NOT_FOUND",
                // Refused for this very target: says nothing about a missing one.
                Some(ForbiddenHere) => continue,
            };
            cells += 1;
            mismatches.extend(world.cell(&case, caller, &vars, Some(expected)).await);
        }
    }
    assert!(cells > 100, "only {cells} cells");
    assert_matrix(&mismatches);
}

#[tokio::test]
async fn drafts_the_audit_log_and_the_token_list_need_the_right_token() {
    let world = World::new().await;
    let node = world.draft_node().await;
    let slug = node["slug"].clone();
    let by_slug = "query($slug: String!) { treatment(slug: $slug) { id status } }";

    // A draft is invisible to readers, whatever header they send, and visible to the team.
    for caller in WITHOUT_VALID_TOKEN {
        let (status, resp) = world.call(caller, by_slug, &json!({ "slug": slug })).await;
        assert_eq!(status, StatusCode::OK, "{caller:?}: {resp}");
        assert!(resp.get("errors").is_none(), "{caller:?}: {resp}");
        assert!(
            resp["data"]["treatment"].is_null(),
            "{caller:?} sees a draft: {resp}"
        );
    }
    for caller in [Editor, Reviewer, Admin] {
        let (_, resp) = world.call(caller, by_slug, &json!({ "slug": slug })).await;
        assert!(resp.get("errors").is_none(), "{caller:?}: {resp}");
        assert_eq!(
            resp["data"]["treatment"]["id"], node["id"],
            "{caller:?}: {resp}"
        );
        assert_eq!(
            resp["data"]["treatment"]["status"], "DRAFT",
            "{caller:?}: {resp}"
        );
    }

    // The audit log needs a valid token, of any role.
    let audit = "{ auditEvents(first: 5) { events { actor action } } }";
    for caller in WITHOUT_VALID_TOKEN {
        let (status, resp) = world.call(caller, audit, &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{caller:?}: {resp}");
        assert_code(&resp, "UNAUTHENTICATED");
        assert!(resp["data"]["auditEvents"].is_null(), "{caller:?}: {resp}");
    }
    for caller in [Editor, Reviewer, Admin] {
        let (_, resp) = world.call(caller, audit, &json!({})).await;
        assert!(resp.get("errors").is_none(), "{caller:?}: {resp}");
        assert_eq!(
            resp["data"]["auditEvents"]["events"][0]["action"], "create_node",
            "{caller:?}: {resp}"
        );
    }

    // The token list is for admins only.
    let tokens = "{ apiTokens { name role revokedAt } }";
    for caller in WITHOUT_VALID_TOKEN {
        let (_, resp) = world.call(caller, tokens, &json!({})).await;
        assert_code(&resp, "UNAUTHENTICATED");
        assert!(resp["data"]["apiTokens"].is_null(), "{caller:?}: {resp}");
    }
    for caller in [Editor, Reviewer] {
        let (_, resp) = world.call(caller, tokens, &json!({})).await;
        assert_code(&resp, "FORBIDDEN");
        assert!(resp["data"]["apiTokens"].is_null(), "{caller:?}: {resp}");
    }
    let (_, resp) = world.call(Admin, tokens, &json!({})).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    let list = resp["data"]["apiTokens"].as_array().expect("tokens");
    let find = |name: &str| {
        list.iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not listed: {resp}"))
    };
    assert_eq!(find(Editor.name())["role"], "EDITOR");
    assert!(find(Editor.name())["revokedAt"].is_null());
    assert_eq!(find(RevokedToken.name())["role"], "ADMIN");
    assert!(find(RevokedToken.name())["revokedAt"].is_string());
    assert!(
        list.iter()
            .all(|t| t.get("secret").is_none() && t.get("tokenHash").is_none()),
        "{resp}"
    );

    // A revoked or garbage token reads like no token at all.
    for caller in WITHOUT_VALID_TOKEN {
        let (_, resp) = world
            .call(caller, "{ viewer { name role } }", &json!({}))
            .await;
        assert_eq!(
            resp["data"]["viewer"],
            json!({ "name": null, "role": null }),
            "{caller:?}"
        );
    }
}
