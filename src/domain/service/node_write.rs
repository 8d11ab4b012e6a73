//! Creating, changing and deleting nodes, under the rules in `rules::content`.

use chrono::Utc;
use entity::sea_orm_active_enums::{NodeKind, Status};
use entity::{citation, edge, node};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::audit;
use super::citations::{self, Cited, NewCitation};
use super::versioned;
use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, Snapshot, TargetType, to_json};
use crate::domain::rules::auth::Actor;
use crate::domain::rules::content::{self, NodeContent, NodePatch};
use crate::domain::rules::validate::Slug;
use crate::domain::rules::workflow;

/// A node as a write creates it.
#[derive(Clone, Debug)]
pub struct NewNode {
    pub kind: NodeKind,
    pub slug: Slug,
    pub content: NodeContent,
    pub citations: Vec<NewCitation>,
}

impl NewNode {
    /// Every rule a new node must meet that needs no database.
    pub fn check(&self) -> Result<(), DomainError> {
        self.content.check(self.kind)?;
        citations::check_some(&self.citations, "a node")
    }
}

async fn ensure_slug_free(
    db: &impl ConnectionTrait,
    slug: &str,
    except: Option<Uuid>,
) -> Result<(), DomainError> {
    let mut q = node::Entity::find().filter(node::Column::Slug.eq(slug));
    if let Some(id) = except {
        q = q.filter(node::Column::Id.ne(id));
    }
    if q.one(db).await?.is_some() {
        return Err(DomainError::invalid(
            "slug",
            format!("{slug:?} is already used by another node"),
        ));
    }
    Ok(())
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewNode,
) -> Result<node::Model, DomainError> {
    input.check()?;
    ensure_slug_free(db, input.slug.as_str(), None).await?;
    let now = Utc::now();
    let status = workflow::initial_status(actor);
    let id = Uuid::now_v7();
    let mut row = node::Model {
        id,
        kind: input.kind,
        slug: input.slug.into_string(),
        name: String::new(),
        synonyms: serde_json::json!([]),
        summary: None,
        treatment_type: None,
        codings: serde_json::json!([]),
        status,
        pending: None,
        pending_status: None,
        reviewed_by: None,
        reviewed_at: None,
        review_due: workflow::initial_review_due(status, now),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    content::Editable::write_into(input.content, &mut row);
    versioned::insert_cited::<node::Entity>(
        db,
        actor,
        Action::CreateNode,
        row,
        Cited::Node(id),
        &input.citations,
        status,
    )
    .await
}

pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: NodePatch,
) -> Result<node::Model, DomainError> {
    let before = versioned::claim::<node::Entity>(db, id, version).await?;
    let mut row = before.clone();
    if let Some(slug) = &patch.slug
        && slug.as_str() != row.slug
    {
        if row.status == Status::Published {
            return Err(DomainError::invalid(
                "slug",
                "the slug of published content is its public address and cannot change",
            ));
        }
        ensure_slug_free(db, slug.as_str(), Some(id)).await?;
        row.slug = slug.to_string();
    }
    content::edit::<NodeContent>(&mut row, &patch)?;
    versioned::save::<node::Entity>(db, actor, Action::UpdateNode, &before, row, None).await
}

/// Deletes a node with its edges and citations (the database cascades); the audit event
/// keeps all of them so the deletion can be reverted.
pub async fn delete(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<(), DomainError> {
    let before = versioned::claim::<node::Entity>(db, id, version).await?;
    let edges = edge::Entity::find()
        .filter(
            Condition::any()
                .add(edge::Column::SubjectId.eq(id))
                .add(edge::Column::ObjectId.eq(id)),
        )
        .all(db)
        .await?;
    let edge_ids: Vec<Uuid> = edges.iter().map(|e| e.id).collect();
    let cites = citation::Entity::find()
        .filter(
            Condition::any()
                .add(citation::Column::NodeId.eq(id))
                .add(citation::Column::EdgeId.is_in(edge_ids)),
        )
        .all(db)
        .await?;
    node::Entity::delete_by_id(id).exec(db).await?;
    let snapshot = Snapshot {
        edges: edges.iter().map(to_json).collect(),
        citations: cites.iter().map(to_json).collect(),
        ..Snapshot::of(&before)
    };
    audit::record(
        db,
        actor,
        Action::DeleteNode,
        TargetType::Node,
        id,
        Some(snapshot),
        None,
    )
    .await?;
    Ok(())
}
