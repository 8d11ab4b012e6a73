//! Citations: checked against their source and attached to a node or an edge.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::Utc;
use entity::sea_orm_active_enums::Status;
use entity::{citation, source};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::audit::insertable;
use crate::domain::DomainError;
use crate::domain::rules::validate::Quote;

/// A passage of a source, as a write gives it.
#[derive(Clone, Debug)]
pub struct NewCitation {
    pub source_id: Uuid,
    pub quote: Quote,
}

/// What a citation backs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cited {
    Node(Uuid),
    Edge(Uuid),
}

/// Every node and link cites at least one passage (`what`: "a node", "a link").
pub fn check_some(citations: &[NewCitation], what: &str) -> Result<(), DomainError> {
    if citations.is_empty() {
        return Err(DomainError::invalid(
            "citations",
            format!("{what} cites at least one source passage"),
        ));
    }
    Ok(())
}

/// Checks and inserts citations in `status`: DRAFT ones reach readers when their target is
/// published. Errors name each citation as `{field}[i]`.
pub async fn attach(
    db: &impl ConnectionTrait,
    target: Cited,
    citations: &[NewCitation],
    field: &str,
    status: Status,
) -> Result<Vec<citation::Model>, DomainError> {
    let mut sources: HashMap<Uuid, source::Model> = HashMap::new();
    let mut rows = Vec::with_capacity(citations.len());
    for (i, c) in citations.iter().enumerate() {
        let source = match sources.entry(c.source_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                let found = source::Entity::find_by_id(c.source_id)
                    .one(db)
                    .await?
                    .ok_or_else(|| DomainError::NotFound {
                        what: format!("source {}", c.source_id),
                    })?;
                slot.insert(found)
            }
        };
        let text = source.content.as_deref();
        c.quote.check_in(&format!("{field}[{i}].quote"), text)?;
        let (node_id, edge_id) = match target {
            Cited::Node(id) => (Some(id), None),
            Cited::Edge(id) => (None, Some(id)),
        };
        let row = citation::Model {
            id: Uuid::now_v7(),
            source_id: c.source_id,
            node_id,
            edge_id,
            quote: c.quote.as_str().to_owned(),
            status,
            created_at: Utc::now(),
        };
        citation::Entity::insert(insertable::<_, citation::ActiveModel>(row.clone()))
            .exec_without_returning(db)
            .await?;
        rows.push(row);
    }
    Ok(rows)
}
