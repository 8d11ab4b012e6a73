//! Sources and single citations.

use chrono::Utc;
use entity::sea_orm_active_enums::Status;
use entity::{citation, edge, node, source};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::audit::{self, insertable};
use super::citations::{self, Cited, NewCitation};
use super::versioned;
use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, Snapshot, TargetType};
use crate::domain::rules::auth::Actor;
use crate::domain::rules::content::{self, LinkAttributes, NodeContent};
use crate::domain::rules::validate::{self, Slug};
use crate::domain::rules::workflow;

/// A source's descriptive fields.
#[derive(Clone, Debug, Default)]
pub struct SourceFields {
    pub title: Option<String>,
    pub url: Option<Option<String>>,
    pub publisher: Option<Option<String>>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    slug: Slug,
    title: String,
    url: Option<String>,
    publisher: Option<String>,
    content: Option<String>,
) -> Result<source::Model, DomainError> {
    validate::text_line("title", &title, validate::TITLE_MAX)?;
    validate::optional_text("url", url.as_deref(), 2000)?;
    validate::optional_text("publisher", publisher.as_deref(), 200)?;
    validate::optional_text("content", content.as_deref(), 1_000_000)?;
    if source::Entity::find()
        .filter(source::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(DomainError::invalid(
            "slug",
            format!("{:?} is already used by another source", slug.as_str()),
        ));
    }
    let now = Utc::now();
    let row = source::Model {
        id: Uuid::now_v7(),
        slug: slug.into_string(),
        title,
        url,
        publisher,
        content,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    source::Entity::insert(insertable::<_, source::ActiveModel>(row.clone()))
        .exec_without_returning(db)
        .await?;
    audit::record(
        db,
        actor,
        Action::CreateSource,
        TargetType::Source,
        row.id,
        None,
        Some(Snapshot::of(&row)),
    )
    .await?;
    Ok(row)
}

pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
    fields: SourceFields,
) -> Result<source::Model, DomainError> {
    let before = versioned::claim::<source::Entity>(db, id, version).await?;
    let mut row = before.clone();
    if let Some(title) = fields.title {
        validate::text_line("title", &title, validate::TITLE_MAX)?;
        row.title = title;
    }
    if let Some(url) = fields.url {
        validate::optional_text("url", url.as_deref(), 2000)?;
        row.url = url;
    }
    if let Some(publisher) = fields.publisher {
        validate::optional_text("publisher", publisher.as_deref(), 200)?;
        row.publisher = publisher;
    }
    versioned::save::<source::Entity>(db, actor, Action::UpdateSource, &before, row, None).await
}

/// Deletes a source and, by cascade, every citation of it; the event keeps them.
pub async fn delete(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<(), DomainError> {
    versioned::delete_with_citations::<source::Entity>(db, actor, Action::DeleteSource, id, version)
        .await
}

/// Which row a citation backs, and whether that row is published.
async fn target_of(db: &impl ConnectionTrait, id: Uuid) -> Result<(Cited, Status), DomainError> {
    if let Some(n) = node::Entity::find_by_id(id).one(db).await? {
        return Ok((Cited::Node(n.id), n.status));
    }
    if let Some(e) = edge::Entity::find_by_id(id).one(db).await? {
        return Ok((Cited::Edge(e.id), e.status));
    }
    Err(DomainError::NotFound {
        what: format!("node or link {id}"),
    })
}

/// Adds a citation (DRAFT until its target is next published; a published target gets a
/// pending edit so the citation goes through review).
pub async fn add_citation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    target_id: Uuid,
    citation: NewCitation,
) -> Result<citation::Model, DomainError> {
    let (target, status) = target_of(db, target_id).await?;
    let row = citations::attach(
        db,
        target,
        std::slice::from_ref(&citation),
        "citation",
        Status::Draft,
    )
    .await?
    .into_iter()
    .next()
    .ok_or_else(|| DomainError::invalid("citation", "nothing to add"))?;
    if status == Status::Published {
        mark_pending(db, actor, target).await?;
    }
    audit::record(
        db,
        actor,
        Action::AddCitation,
        TargetType::Citation,
        row.id,
        None,
        Some(Snapshot::of(&row)),
    )
    .await?;
    Ok(row)
}

/// Opens a pending edit on a published target, so the new citation goes through review. It is
/// a change of the target like any edit, audited as one: undoing a set of writes newest first
/// then finds each row as the previous write left it.
async fn mark_pending(
    db: &impl ConnectionTrait,
    actor: &Actor,
    target: Cited,
) -> Result<(), DomainError> {
    match target {
        Cited::Node(id) => {
            if let Some(before) = node::Entity::find_by_id(id).one(db).await? {
                let mut row = before.clone();
                content::open_pending::<NodeContent>(&mut row);
                versioned::save::<node::Entity>(db, actor, Action::UpdateNode, &before, row, None)
                    .await?;
            }
        }
        Cited::Edge(id) => {
            if let Some(before) = edge::Entity::find_by_id(id).one(db).await? {
                let mut row = before.clone();
                content::open_pending::<LinkAttributes>(&mut row);
                versioned::save::<edge::Entity>(db, actor, Action::UpdateLink, &before, row, None)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Removes a citation. Retracting a published one changes what readers see, so it takes a
/// reviewer (or admin); a draft citation can be removed by its editor.
pub async fn remove_citation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(), DomainError> {
    let row = citation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound {
            what: format!("citation {id}"),
        })?;
    actor.require(workflow::removal_permission(row.status))?;
    citation::Entity::delete_by_id(id).exec(db).await?;
    audit::record(
        db,
        actor,
        Action::RemoveCitation,
        TargetType::Citation,
        id,
        Some(Snapshot::of(&row)),
        None,
    )
    .await?;
    Ok(())
}
