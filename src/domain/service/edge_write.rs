//! Linking nodes: the predicate table is checked on every write; edits of published links
//! wait in `pending` like node edits.

use chrono::Utc;
use entity::sea_orm_active_enums::{Predicate, Status, TreatmentPlace};
use entity::{citation, edge, node};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::citations::{self, Cited, NewCitation};
use super::versioned;
use crate::domain::audit::{self, Snapshot, TargetType, insertable, to_json};
use crate::domain::auth::Actor;
use crate::domain::{DomainError, predicate, validate};

/// A link as a write creates it.
#[derive(Clone, Debug)]
pub struct NewLink {
    pub subject_id: Uuid,
    pub predicate: Predicate,
    pub object_id: Uuid,
    pub attributes: LinkAttributes,
    pub citations: Vec<NewCitation>,
}

/// The editable attributes of a link: what a pending edit holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkAttributes {
    pub negated: bool,
    pub place: Option<TreatmentPlace>,
    pub timing: Option<String>,
    pub circumstance: Option<String>,
    pub how_to: Option<String>,
    pub note: Option<String>,
}

/// A change of attributes: `None` leaves one as it is; `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct LinkPatch {
    pub negated: Option<bool>,
    pub place: Option<Option<TreatmentPlace>>,
    pub timing: Option<Option<String>>,
    pub circumstance: Option<Option<String>>,
    pub how_to: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

impl LinkAttributes {
    pub fn of(row: &edge::Model) -> Self {
        Self {
            negated: row.negated,
            place: row.place,
            timing: row.timing.clone(),
            circumstance: row.circumstance.clone(),
            how_to: row.how_to.clone(),
            note: row.note.clone(),
        }
    }

    pub fn pending(row: &edge::Model) -> Option<Self> {
        row.pending
            .clone()
            .and_then(|p| serde_json::from_value(p).ok())
    }

    fn apply(mut self, patch: &LinkPatch) -> Self {
        if let Some(v) = patch.negated {
            self.negated = v;
        }
        if let Some(v) = patch.place {
            self.place = v;
        }
        for (slot, value) in [
            (&mut self.timing, &patch.timing),
            (&mut self.circumstance, &patch.circumstance),
            (&mut self.how_to, &patch.how_to),
            (&mut self.note, &patch.note),
        ] {
            if let Some(v) = value {
                slot.clone_from(v);
            }
        }
        self
    }

    fn validate(&self, predicate: Predicate) -> Result<(), DomainError> {
        if self.place.is_some() && predicate != Predicate::TreatedBy {
            return Err(DomainError::invalid(
                "place",
                "only treated_by links have a place",
            ));
        }
        for (field, value) in [
            ("timing", &self.timing),
            ("circumstance", &self.circumstance),
            ("howTo", &self.how_to),
            ("note", &self.note),
        ] {
            validate::optional_text(field, value.as_deref(), validate::ATTRIBUTE_MAX)?;
        }
        Ok(())
    }

    pub fn write_into(self, row: &mut edge::Model) {
        row.negated = self.negated;
        row.place = self.place;
        row.timing = self.timing;
        row.circumstance = self.circumstance;
        row.how_to = self.how_to;
        row.note = self.note;
    }
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
    input.attributes.validate(input.predicate)?;
    if input.citations.is_empty() {
        return Err(DomainError::invalid(
            "citations",
            "a link cites at least one source passage",
        ));
    }
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
    let mut row = edge::Model {
        id: Uuid::now_v7(),
        subject_id: subject.id,
        predicate: input.predicate,
        object_id: object.id,
        negated: false,
        place: None,
        timing: None,
        circumstance: None,
        how_to: None,
        note: None,
        status: Status::Draft,
        pending: None,
        pending_status: None,
        reviewed_by: None,
        reviewed_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    input.attributes.write_into(&mut row);
    edge::Entity::insert(insertable::<_, edge::ActiveModel>(row.clone()))
        .exec_without_returning(db)
        .await?;
    let cites = citations::attach(db, Cited::Edge(row.id), &input.citations, "citations").await?;
    let after = Snapshot {
        citations: cites.iter().map(to_json).collect(),
        ..Snapshot::of(&row)
    };
    audit::record(
        db,
        actor,
        "link",
        TargetType::Edge,
        row.id,
        None,
        Some(after),
    )
    .await?;
    Ok(row)
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
    if row.status == Status::Published {
        let edited = LinkAttributes::pending(&row)
            .unwrap_or_else(|| LinkAttributes::of(&row))
            .apply(&patch);
        edited.validate(row.predicate)?;
        row.pending = Some(to_json(&edited));
        row.pending_status = Some(Status::Draft);
    } else {
        let edited = LinkAttributes::of(&row).apply(&patch);
        edited.validate(row.predicate)?;
        edited.write_into(&mut row);
        if row.status == Status::Rejected {
            row.status = Status::Draft;
        }
    }
    versioned::save::<edge::Entity>(db, actor, "update_link", &before, row, None).await
}

/// Removes a link and its citations; the audit event keeps them for a revert.
pub async fn delete(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<(), DomainError> {
    // A published link takes a reviewer (or admin) to remove, a draft one an editor (or admin).
    if let Some(row) = edge::Entity::find_by_id(id).one(db).await? {
        actor.require(super::source_write::removal_permission(row.status))?;
    }
    versioned::delete_with_citations::<edge::Entity>(
        db,
        actor,
        "unlink",
        id,
        version,
        citation::Column::EdgeId,
    )
    .await
}
