//! Linking nodes, under the predicate table and the rules in `rules::content`.

use chrono::Utc;
use entity::sea_orm_active_enums::Predicate;
use entity::{edge, node};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::citations::{self, Cited, NewCitation};
use super::versioned;
use crate::domain::DomainError;
use crate::domain::rules::audit::Action;
use crate::domain::rules::auth::Actor;
use crate::domain::rules::content::{self, LinkAttributes, LinkPatch};
use crate::domain::rules::{predicate, workflow};

/// A link as a write creates it.
#[derive(Clone, Debug)]
pub struct NewLink {
    pub subject_id: Uuid,
    pub predicate: Predicate,
    pub object_id: Uuid,
    pub attributes: LinkAttributes,
    pub citations: Vec<NewCitation>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewLink,
) -> Result<edge::Model, DomainError> {
    if input.subject_id == input.object_id {
        return Err(DomainError::invalid(
            "objectId",
            "a node cannot be linked to itself",
        ));
    }
    let find = |id: Uuid, field: &'static str| async move {
        node::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::NotFound {
                what: format!("{field} node {id}"),
            })
    };
    let subject = find(input.subject_id, "subject").await?;
    let object = find(input.object_id, "object").await?;
    predicate::check(subject.kind, input.predicate, object.kind)?;
    input.attributes.check(input.predicate)?;
    citations::check_some(&input.citations, "a link")?;
    let existing = edge::Entity::find()
        .filter(edge::Column::SubjectId.eq(subject.id))
        .filter(edge::Column::Predicate.eq(input.predicate))
        .filter(edge::Column::ObjectId.eq(object.id))
        .one(db)
        .await?;
    if existing.is_some() {
        return Err(DomainError::invalid(
            "predicate",
            "this link already exists; update it instead",
        ));
    }
    let now = Utc::now();
    let status = workflow::initial_status(actor);
    let id = Uuid::now_v7();
    let mut row = edge::Model {
        id,
        subject_id: subject.id,
        predicate: input.predicate,
        object_id: object.id,
        negated: false,
        place: None,
        timing: None,
        circumstance: None,
        how_to: None,
        note: None,
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
    content::Editable::write_into(input.attributes, &mut row);
    versioned::insert_cited::<edge::Entity>(
        db,
        actor,
        Action::Link,
        row,
        Cited::Edge(id),
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
    patch: LinkPatch,
) -> Result<edge::Model, DomainError> {
    let before = versioned::claim::<edge::Entity>(db, id, version).await?;
    let mut row = before.clone();
    content::edit::<LinkAttributes>(&mut row, &patch)?;
    versioned::save::<edge::Entity>(db, actor, Action::UpdateLink, &before, row, None).await
}

/// Removes a link and its citations; the audit event keeps them for a revert.
pub async fn delete(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<(), DomainError> {
    if let Some(row) = edge::Entity::find_by_id(id).one(db).await? {
        actor.require(workflow::removal_permission(row.status))?;
    }
    versioned::delete_with_citations::<edge::Entity>(db, actor, Action::Unlink, id, version).await
}

/// The link with both ends, read in the same transaction as the write.
pub async fn with_ends(
    db: &impl ConnectionTrait,
    row: edge::Model,
) -> Result<(edge::Model, node::Model, node::Model), DomainError> {
    let end = |id| async move {
        node::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::NotFound {
                what: format!("node {id}"),
            })
    };
    let (subject, object) = (end(row.subject_id).await?, end(row.object_id).await?);
    Ok((row, subject, object))
}
