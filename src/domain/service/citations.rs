//! Citations: checked against their source and attached to a node or an edge.

use chrono::Utc;
use entity::sea_orm_active_enums::Status;
use entity::{citation, source};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::domain::audit::insertable;
use crate::domain::{DomainError, validate};

/// A passage of a source, as a write gives it.
#[derive(Clone, Debug)]
pub struct NewCitation {
    pub source_id: Uuid,
    pub quote: String,
}

/// What a citation backs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cited {
    Node(Uuid),
    Edge(Uuid),
}

/// Checks and inserts citations as DRAFT: they reach readers when their target is published.
pub async fn attach(
    db: &impl ConnectionTrait,
    target: Cited,
    citations: &[NewCitation],
    field: &str,
) -> Result<Vec<citation::Model>, DomainError> {
    let mut rows = Vec::with_capacity(citations.len());
    for (i, c) in citations.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let source = source::Entity::find_by_id(c.source_id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::NotFound {
                what: format!("source {}", c.source_id),
            })?;
        validate::quote(
            &format!("{field}.quote"),
            &c.quote,
            source.content.as_deref(),
        )?;
        let (node_id, edge_id) = match target {
            Cited::Node(id) => (Some(id), None),
            Cited::Edge(id) => (None, Some(id)),
        };
        let row = citation::Model {
            id: Uuid::now_v7(),
            source_id: c.source_id,
            node_id,
            edge_id,
            quote: c.quote.clone(),
            status: Status::Draft,
            created_at: Utc::now(),
        };
        citation::Entity::insert(insertable::<_, citation::ActiveModel>(row.clone()))
            .exec_without_returning(db)
            .await?;
        rows.push(row);
    }
    Ok(rows)
}
