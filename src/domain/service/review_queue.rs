//! The review queue: what waits for a reviewer (new content in review, edits of published
//! content in review), oldest submission first, each with who submitted it, when, and what it
//! changes field by field.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::Status;
use entity::{audit_event, edge, node};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

use super::workflow::Reviewed;
use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, to_json};
use crate::domain::rules::content::{Editable, LinkAttributes, NodeContent};

/// One field an item changes: its value before (`None` for new content) and after.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<Json>,
    pub after: Json,
}

/// One item waiting for a reviewer.
pub struct Waiting {
    pub item: Reviewed,
    /// True for an edit of published content, false for new content.
    pub edit: bool,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    /// The submission's audit event: the queue's order and cursor.
    pub submission: Uuid,
    /// The change set of the item's last write, when it was part of one (a saved page).
    pub change_set: Option<Uuid>,
    pub changes: Vec<FieldChange>,
}

/// Everything in review, oldest submission first, after the submission `after` (a cursor),
/// submitted by `submitted_by` when given.
pub async fn waiting(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    submitted_by: Option<&str>,
) -> Result<Vec<Waiting>, DomainError> {
    let nodes = node::Entity::find()
        .filter(
            Condition::any()
                .add(node::Column::Status.eq(Status::InReview))
                .add(node::Column::PendingStatus.eq(Status::InReview)),
        )
        .all(db)
        .await?;
    let edges = edge::Entity::find()
        .filter(
            Condition::any()
                .add(edge::Column::Status.eq(Status::InReview))
                .add(edge::Column::PendingStatus.eq(Status::InReview)),
        )
        .all(db)
        .await?;
    let ids: Vec<Uuid> = nodes
        .iter()
        .map(|n| n.id)
        .chain(edges.iter().map(|e| e.id))
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Each row's events, oldest first: its last submission, and its last write's change set.
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.is_in(ids))
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let mut submission: HashMap<Uuid, &audit_event::Model> = HashMap::new();
    let mut change_set: HashMap<Uuid, Option<Uuid>> = HashMap::new();
    for e in &events {
        if e.action == Action::SubmitForReview.as_str() {
            submission.insert(e.target_id, e);
        } else {
            change_set.insert(e.target_id, e.change_set_id);
        }
    }
    let mut out: Vec<Waiting> = nodes
        .into_iter()
        .map(|n| {
            (
                n.id,
                n.status == Status::Published,
                node_changes(&n),
                Reviewed::Node(n),
            )
        })
        .chain(edges.into_iter().map(|e| {
            (
                e.id,
                e.status == Status::Published,
                link_changes(&e),
                Reviewed::Edge(e),
            )
        }))
        .filter_map(|(id, edit, changes, item)| {
            let s = submission.get(&id)?;
            Some(Waiting {
                item,
                edit,
                submitted_by: s.actor_name.clone(),
                submitted_at: s.at,
                submission: s.id,
                change_set: change_set.get(&id).copied().flatten(),
                changes,
            })
        })
        .filter(|w| after.is_none_or(|a| w.submission > a))
        .filter(|w| submitted_by.is_none_or(|by| w.submitted_by == by))
        .collect();
    out.sort_by_key(|w| w.submission);
    Ok(out)
}

fn node_changes(row: &node::Model) -> Vec<FieldChange> {
    changes(
        row.status == Status::Published,
        &NodeContent::of(row),
        NodeContent::pending(row),
    )
}

fn link_changes(row: &edge::Model) -> Vec<FieldChange> {
    changes(
        row.status == Status::Published,
        &LinkAttributes::of(row),
        LinkAttributes::pending(row),
    )
}

/// For an edit: the fields the pending content changes. For new content: every field set.
fn changes<C: Serialize>(published: bool, live: &C, pending: Option<C>) -> Vec<FieldChange> {
    let fields = |c: &C| match to_json(c) {
        Json::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let live = fields(live);
    match pending.filter(|_| published) {
        Some(p) => fields(&p)
            .into_iter()
            .filter(|(k, v)| live.get(k) != Some(v))
            .map(|(k, v)| FieldChange {
                before: live.get(&k).cloned(),
                field: camel(&k),
                after: v,
            })
            .collect(),
        None => live
            .into_iter()
            .filter(|(_, v)| !is_empty(v))
            .map(|(k, v)| FieldChange {
                field: camel(&k),
                before: None,
                after: v,
            })
            .collect(),
    }
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null | Json::Bool(false) => true,
        Json::Array(a) => a.is_empty(),
        Json::String(s) => s.is_empty(),
        _ => false,
    }
}

/// The API's name of a content field (`treatment_type` → `treatmentType`).
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_lists_the_fields_it_changes() {
        let live = LinkAttributes {
            note: Some("old".into()),
            ..Default::default()
        };
        let edited = LinkAttributes {
            note: Some("new".into()),
            how_to: Some("rest".into()),
            ..live.clone()
        };
        let c = changes(true, &live, Some(edited));
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c.contains(&FieldChange {
            field: "howTo".into(),
            before: Some(Json::Null),
            after: Json::String("rest".into()),
        }));
        assert!(c.contains(&FieldChange {
            field: "note".into(),
            before: Some(Json::String("old".into())),
            after: Json::String("new".into()),
        }));
        let new = changes(false, &live, None);
        assert_eq!(new.len(), 1, "{new:?}");
        assert_eq!(new[0].field, "note");
        assert_eq!(new[0].before, None);
    }
}
