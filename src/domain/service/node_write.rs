//! Creating, changing and deleting nodes. Edits of published nodes wait in `pending` until a
//! reviewer publishes them, so readers never see unreviewed text.

use chrono::Utc;
use entity::sea_orm_active_enums::{NodeKind, Status, TreatmentType};
use entity::{citation, edge, node};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::citations::{self, Cited, NewCitation};
use super::versioned;
use crate::domain::audit::{self, Snapshot, TargetType, insertable, to_json};
use crate::domain::auth::Actor;
use crate::domain::{DomainError, validate};

/// A node as a write creates it.
#[derive(Clone, Debug)]
pub struct NewNode {
    pub kind: NodeKind,
    pub slug: String,
    pub content: NodeContent,
    pub citations: Vec<NewCitation>,
}

/// The editable content of a node: what a pending edit holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeContent {
    pub name: String,
    pub synonyms: Vec<String>,
    pub summary: Option<String>,
    pub treatment_type: Option<TreatmentType>,
    pub icd10cm: Option<String>,
    pub snomed_ct: Option<String>,
}

/// A change: `None` leaves a field as it is; `Some(None)` clears a nullable one.
#[derive(Clone, Debug, Default)]
pub struct NodePatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub synonyms: Option<Vec<String>>,
    pub summary: Option<Option<String>>,
    pub treatment_type: Option<Option<TreatmentType>>,
    pub icd10cm: Option<Option<String>>,
    pub snomed_ct: Option<Option<String>>,
}

impl NodeContent {
    pub fn of(row: &node::Model) -> Self {
        Self {
            name: row.name.clone(),
            synonyms: serde_json::from_value(row.synonyms.clone()).unwrap_or_default(),
            summary: row.summary.clone(),
            treatment_type: row.treatment_type,
            icd10cm: row.icd10cm.clone(),
            snomed_ct: row.snomed_ct.clone(),
        }
    }

    /// The pending edit of a row, if any.
    pub fn pending(row: &node::Model) -> Option<Self> {
        row.pending
            .clone()
            .and_then(|p| serde_json::from_value(p).ok())
    }

    fn apply(mut self, patch: &NodePatch) -> Self {
        if let Some(v) = &patch.name {
            self.name.clone_from(v);
        }
        if let Some(v) = &patch.synonyms {
            self.synonyms.clone_from(v);
        }
        if let Some(v) = &patch.summary {
            self.summary.clone_from(v);
        }
        if let Some(v) = patch.treatment_type {
            self.treatment_type = v;
        }
        if let Some(v) = &patch.icd10cm {
            self.icd10cm.clone_from(v);
        }
        if let Some(v) = &patch.snomed_ct {
            self.snomed_ct.clone_from(v);
        }
        self
    }

    fn validate(&self, kind: NodeKind) -> Result<(), DomainError> {
        validate::text_line("name", &self.name, validate::NAME_MAX)?;
        validate::synonyms("synonyms", &self.synonyms)?;
        validate::optional_text("summary", self.summary.as_deref(), validate::SUMMARY_MAX)?;
        if self.treatment_type.is_some() && kind != NodeKind::Treatment {
            return Err(DomainError::invalid(
                "treatmentType",
                "only treatments have a treatment type",
            ));
        }
        for (field, code) in [("icd10cm", &self.icd10cm), ("snomedCt", &self.snomed_ct)] {
            if code.is_some() && kind != NodeKind::Condition {
                return Err(DomainError::invalid(
                    field,
                    "only conditions carry external codes",
                ));
            }
            validate::optional_text(field, code.as_deref(), 20)?;
        }
        Ok(())
    }

    /// Writes this content into the row's columns.
    pub fn write_into(self, row: &mut node::Model) {
        row.name = self.name;
        row.synonyms = serde_json::json!(self.synonyms);
        row.summary = self.summary;
        row.treatment_type = self.treatment_type;
        row.icd10cm = self.icd10cm;
        row.snomed_ct = self.snomed_ct;
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
    validate::slug("slug", &input.slug)?;
    input.content.validate(input.kind)?;
    if input.citations.is_empty() {
        return Err(DomainError::invalid(
            "citations",
            "a node cites at least one source passage",
        ));
    }
    ensure_slug_free(db, &input.slug, None).await?;
    let now = Utc::now();
    let mut row = node::Model {
        id: Uuid::now_v7(),
        kind: input.kind,
        slug: input.slug,
        name: String::new(),
        synonyms: serde_json::json!([]),
        summary: None,
        treatment_type: None,
        icd10cm: None,
        snomed_ct: None,
        status: Status::Draft,
        pending: None,
        pending_status: None,
        reviewed_by: None,
        reviewed_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    input.content.write_into(&mut row);
    node::Entity::insert(insertable::<_, node::ActiveModel>(row.clone()))
        .exec_without_returning(db)
        .await?;
    let cites = citations::attach(db, Cited::Node(row.id), &input.citations, "citations").await?;
    let after = Snapshot {
        citations: cites.iter().map(to_json).collect(),
        ..Snapshot::of(&row)
    };
    audit::record(
        db,
        actor,
        "create_node",
        TargetType::Node,
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
    patch: NodePatch,
) -> Result<node::Model, DomainError> {
    let before = versioned::claim::<node::Entity>(db, id, version).await?;
    let mut row = before.clone();
    if let Some(slug) = &patch.slug
        && *slug != row.slug
    {
        validate::slug("slug", slug)?;
        if row.status == Status::Published {
            return Err(DomainError::invalid(
                "slug",
                "the slug of published content is its public address and cannot change",
            ));
        }
        ensure_slug_free(db, slug, Some(id)).await?;
        row.slug.clone_from(slug);
    }
    if row.status == Status::Published {
        // Readers keep the published text; the edit waits for review.
        let base = NodeContent::pending(&row).unwrap_or_else(|| NodeContent::of(&row));
        let edited = base.apply(&patch);
        edited.validate(row.kind)?;
        row.pending = Some(to_json(&edited));
        row.pending_status = Some(Status::Draft);
    } else {
        let edited = NodeContent::of(&row).apply(&patch);
        edited.validate(row.kind)?;
        edited.write_into(&mut row);
        if row.status == Status::Rejected {
            row.status = Status::Draft;
        }
    }
    versioned::save::<node::Entity>(db, actor, "update_node", &before, row, None).await
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
        "delete_node",
        TargetType::Node,
        id,
        Some(snapshot),
        None,
    )
    .await?;
    Ok(())
}
