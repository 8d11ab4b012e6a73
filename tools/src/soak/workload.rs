//! What the readers and editors do: the soak's queries and writes.

use serde_json::{Value, json};
use uuid::Uuid;

use super::Team;
use super::client::{Outcome, Rng, Shared, SoakNode, lock};

const CONDITION_PAGE: &str = r"query($slug: String!) { condition(slug: $slug) {
  id slug name summary status reviewedBy citations { quote source { title } }
  symptomLinks { symptom { id slug name } timing citations { quote } }
  causeLinks { cause { id slug name } timing note citations { quote } }
  notCausedBy { cause { name } negated note citations { quote } }
  treatmentLinks { treatment { id slug name treatmentType } place howTo circumstance citations { quote } }
  riskFactorLinks { risk { id slug name } note }
  differentials { slug name } } }";

const LISTS: &str = r"query($after: String) {
  conditions(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug name } } }
  treatments(first: 50, orderBy: { field: NAME, direction: DESC }) { nodes { slug name treatmentType conditions { slug } } } }";

const NODE: &str = r"query($id: ID!) { node(id: $id) { id kind slug name status version } }";

pub(super) async fn reader(shared: &Shared, i: usize) {
    let mut rng = Rng::new(i as u64 + 1);
    while shared.running() {
        match rng.below(10) {
            0..=3 => {
                let (_, slug) = shared.pick_condition(&mut rng);
                shared
                    .call(
                        "read condition",
                        None,
                        CONDITION_PAGE,
                        json!({ "slug": slug }),
                    )
                    .await;
            }
            4..=6 => {
                shared.call("read lists", None, LISTS, json!({})).await;
            }
            7 | 8 => {
                // Soak nodes are drafts until published: anonymous readers see only those
                // reviewers published.
                let id = shared
                    .pick_node(&mut rng)
                    .map_or_else(|| shared.pick_condition(&mut rng).0, |n| n.id);
                shared
                    .call("read node", None, NODE, json!({ "id": id }))
                    .await;
            }
            _ => {
                shared
                    .call(
                        "read sources",
                        None,
                        "{ sources { id title url } }",
                        json!({}),
                    )
                    .await;
            }
        }
    }
}

const CREATE: &str =
    r"mutation($input: CreateNodeInput!) { createNode(input: $input) { id version } }";
const UPDATE: &str =
    r"mutation($input: UpdateNodeInput!) { updateNode(input: $input) { id version } }";
const LINK: &str = r"mutation($input: LinkInput!) { link(input: $input) { id version } }";
const STATE: &str = r"query($id: ID!) { node(id: $id) { version status pendingStatus } }";
const CONTENT: &str = "... on Condition { version } ... on Cause { version } \
    ... on Symptom { version } ... on Risk { version } ... on Treatment { version }";

const KINDS: &[&str] = &["CONDITION", "CAUSE", "SYMPTOM", "RISK", "TREATMENT"];

pub(super) async fn editor(shared: &Shared, i: usize, team: &Team) {
    let mut rng = Rng::new(1000 + i as u64);
    let mut created = 0usize;
    while shared.running() {
        let have_nodes = !lock(&shared.pool).is_empty();
        match rng.below(10) {
            _ if !have_nodes => create(shared, &mut rng, i, &mut created, team).await,
            0..=2 => create(shared, &mut rng, i, &mut created, team).await,
            3..=5 => update(shared, &mut rng, team).await,
            6 | 7 => link(shared, &mut rng, team).await,
            _ => review(shared, &mut rng, team).await,
        }
    }
}

async fn create(shared: &Shared, rng: &mut Rng, i: usize, created: &mut usize, team: &Team) {
    *created += 1;
    let kind = KINDS[rng.below(KINDS.len())];
    let slug = format!("soak-{}-e{i}-{created}", team.run);
    let quotes = shared.quotes(rng);
    let mut input = json!({
        "kind": kind, "slug": slug, "name": format!("Soak {} {slug}", kind.to_lowercase()),
        "summary": "Written by the soak test.", "citations": shared.citations_input(&quotes),
    });
    if kind == "TREATMENT" {
        input["treatmentType"] = json!("SELF_CARE");
    }
    let (name, secret) = &team.editor;
    let Some(data) = shared
        .write("createNode", secret, CREATE, json!({ "input": input }))
        .await
    else {
        return;
    };
    let Some(id) = uuid_of(&data["createNode"]["id"]) else {
        return;
    };
    let version = version_of(&data["createNode"]);
    shared.ack(name, "create_node", id, version);
    lock(&shared.citations).insert(id, quotes);
    lock(&shared.created_nodes).push(id);
    lock(&shared.pool).push(SoakNode { id, kind });
}

/// Reads a node's (version, status, pending status) as the content team sees it.
async fn state(shared: &Shared, token: &str, id: Uuid) -> Option<(i64, String, String)> {
    let Outcome::Data(data) = shared
        .call("read version", Some(token), STATE, json!({ "id": id }))
        .await
    else {
        return None;
    };
    let node = &data["node"];
    Some((
        node["version"].as_i64()?,
        node["status"].as_str()?.to_owned(),
        node["pendingStatus"].as_str().unwrap_or("").to_owned(),
    ))
}

async fn update(shared: &Shared, rng: &mut Rng, team: &Team) {
    let Some(node) = shared.pick_node(rng) else {
        return;
    };
    let (name, secret) = &team.editor;
    let Some((mut version, ..)) = state(shared, secret, node.id).await else {
        return;
    };
    // Now and then a stale version, as an editor with an old tab open sends.
    if rng.below(8) == 0 {
        version -= 1;
    }
    let input = json!({
        "id": node.id, "version": version,
        "name": format!("Soak {} edited {}", node.kind.to_lowercase(), rng.below(1_000_000)),
        "summary": format!("Edited by {name}."),
    });
    if let Some(data) = shared
        .write("updateNode", secret, UPDATE, json!({ "input": input }))
        .await
    {
        shared.ack(
            name,
            "update_node",
            node.id,
            version_of(&data["updateNode"]),
        );
    }
}

async fn link(shared: &Shared, rng: &mut Rng, team: &Team) {
    let Some(node) = shared.pick_node(rng) else {
        return;
    };
    let (condition, _) = shared.pick_condition(rng);
    let (subject, predicate, object) = match node.kind {
        "SYMPTOM" => (condition, "HAS_SYMPTOM", node.id),
        "CAUSE" => (condition, "CAUSED_BY", node.id),
        "TREATMENT" => (condition, "TREATED_BY", node.id),
        "RISK" => (condition, "HAS_RISK_FACTOR", node.id),
        _ => (node.id, "DIFFERENTIAL_OF", condition),
    };
    let quotes = shared.quotes(rng);
    let mut input = json!({
        "subjectId": subject, "predicate": predicate, "objectId": object,
        "citations": shared.citations_input(&quotes),
    });
    if predicate == "TREATED_BY" {
        input["howTo"] = json!("as the soak test says");
    }
    let (name, secret) = &team.editor;
    // The same link twice is refused (BAD_USER_INPUT): expected now and then.
    let Some(data) = shared
        .write("link", secret, LINK, json!({ "input": input }))
        .await
    else {
        return;
    };
    if let Some(id) = uuid_of(&data["link"]["id"]) {
        shared.ack(name, "link", id, None);
        lock(&shared.citations).insert(id, quotes);
        lock(&shared.created_links).push(id);
    }
}

/// Takes a node one step through review: submit a draft (editor), then publish or reject
/// it (reviewer); a published node without a pending edit gets one first.
async fn review(shared: &Shared, rng: &mut Rng, team: &Team) {
    let Some(node) = shared.pick_node(rng) else {
        return;
    };
    let (editor, editor_secret) = &team.editor;
    let (reviewer, reviewer_secret) = &team.reviewer;
    let Some((mut version, status, pending)) = state(shared, editor_secret, node.id).await else {
        return;
    };
    let submittable = matches!(status.as_str(), "DRAFT" | "REJECTED")
        || (status == "PUBLISHED" && matches!(pending.as_str(), "DRAFT" | "REJECTED"));
    let in_review = status == "IN_REVIEW" || (status == "PUBLISHED" && pending == "IN_REVIEW");
    if status == "PUBLISHED" && pending.is_empty() {
        return update(shared, rng, team).await;
    }
    if !submittable && !in_review {
        return;
    }
    if submittable {
        let q = format!(
            "mutation($id: ID!, $v: Int!) {{ submitForReview(id: $id, version: $v) {{ {CONTENT} }} }}"
        );
        let Some(data) = shared
            .write(
                "submitForReview",
                editor_secret,
                &q,
                json!({ "id": node.id, "v": version }),
            )
            .await
        else {
            return;
        };
        let Some(v) = version_of(&data["submitForReview"]) else {
            return;
        };
        shared.ack(editor, "submit_for_review", node.id, Some(v));
        version = i64::from(v);
    }
    let (op, action, extra) = if rng.below(5) == 0 {
        ("reject", "reject", r#", reason: "needs a better citation""#)
    } else {
        ("publish", "publish", "")
    };
    let q = format!(
        "mutation($id: ID!, $v: Int!) {{ {op}(id: $id, version: $v{extra}) {{ {CONTENT} }} }}"
    );
    if let Some(data) = shared
        .write(
            op,
            reviewer_secret,
            &q,
            json!({ "id": node.id, "v": version }),
        )
        .await
    {
        shared.ack(reviewer, action, node.id, version_of(&data[op]));
    }
}

fn uuid_of(v: &Value) -> Option<Uuid> {
    v.as_str()?.parse().ok()
}

fn version_of(v: &Value) -> Option<i32> {
    i32::try_from(v["version"].as_i64()?).ok()
}
