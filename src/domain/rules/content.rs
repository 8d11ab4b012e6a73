//! The editable content of nodes and links, and the one pending-edit mechanism both share: an
//! edit of published content waits in `pending` until a reviewer publishes it, so readers never
//! see unreviewed text.

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::{NodeKind, Predicate, Status, TreatmentPlace, TreatmentType};
use entity::{edge, node};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::audit::to_json;
use super::coding::{self, Coding};
use super::validate::Slug;
use super::{kinds, predicate, validate};
use crate::domain::DomainError;

/// The editable content of a node: what a pending edit holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeContent {
    pub name: String,
    pub synonyms: Vec<String>,
    pub summary: Option<String>,
    pub treatment_type: Option<TreatmentType>,
    /// Pending edits written before codings existed hold none.
    #[serde(default)]
    pub codings: Vec<Coding>,
}

/// A change: `None` leaves a field as it is; `Some(None)` clears a nullable one.
#[derive(Clone, Debug, Default)]
pub struct NodePatch {
    pub slug: Option<Slug>,
    pub name: Option<String>,
    pub synonyms: Option<Vec<String>>,
    pub summary: Option<Option<String>>,
    pub treatment_type: Option<Option<TreatmentType>>,
    /// Replaces the whole list.
    pub codings: Option<Vec<Coding>>,
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

/// A row that goes through review: a node or a link.
pub trait Reviewed: Clone {
    /// What an edit changes, and what a pending edit holds.
    type Content: Editable<Row = Self>;
    fn status(&self) -> Status;
    fn set_status(&mut self, status: Status);
    fn pending(&self) -> Option<&Json>;
    fn set_pending(&mut self, pending: Option<Json>);
    fn pending_status(&self) -> Option<Status>;
    fn set_pending_status(&mut self, status: Option<Status>);
    /// The reviewer's mark readers see, and when the next review is due.
    fn stamp_review(&mut self, by: &str, at: DateTime<Utc>, due: DateTime<Utc>);
}

/// The content of a reviewed row.
pub trait Editable: Serialize + DeserializeOwned + Sized {
    type Row: Reviewed<Content = Self>;
    type Patch;
    fn of(row: &Self::Row) -> Self;
    fn apply(self, patch: &Self::Patch) -> Self;
    /// Checks the content against what the row is (its kind, its predicate).
    fn validate(&self, row: &Self::Row) -> Result<(), DomainError>;
    fn write_into(self, row: &mut Self::Row);

    /// The pending edit of a row, if any.
    fn pending(row: &Self::Row) -> Option<Self> {
        row.pending().and_then(|p| Self::deserialize(p).ok())
    }
}

/// Applies `patch` to `row`: on a published row it becomes (or extends) the pending edit, in
/// DRAFT; otherwise it changes the row itself, and a rejected row becomes a draft again.
pub fn edit<C: Editable>(row: &mut C::Row, patch: &C::Patch) -> Result<(), DomainError> {
    if row.status() == Status::Published {
        let base = C::pending(row).unwrap_or_else(|| C::of(row));
        let edited = base.apply(patch);
        edited.validate(row)?;
        row.set_pending(Some(to_json(&edited)));
        row.set_pending_status(Some(Status::Draft));
    } else {
        let edited = C::of(row).apply(patch);
        edited.validate(row)?;
        edited.write_into(row);
        if row.status() == Status::Rejected {
            row.set_status(Status::Draft);
        }
    }
    Ok(())
}

/// Opens a pending edit (from the live content, if there is none yet) in DRAFT: a citation
/// added to published content goes through review like any edit.
pub fn open_pending<C: Editable>(row: &mut C::Row) {
    if row.pending().is_none() {
        row.set_pending(Some(to_json(&C::of(row))));
    }
    row.set_pending_status(Some(Status::Draft));
}

macro_rules! reviewed {
    ($module:ident, $content:ty) => {
        impl Reviewed for $module::Model {
            type Content = $content;
            fn status(&self) -> Status {
                self.status
            }
            fn set_status(&mut self, status: Status) {
                self.status = status;
            }
            fn pending(&self) -> Option<&Json> {
                self.pending.as_ref()
            }
            fn set_pending(&mut self, pending: Option<Json>) {
                self.pending = pending;
            }
            fn pending_status(&self) -> Option<Status> {
                self.pending_status
            }
            fn set_pending_status(&mut self, status: Option<Status>) {
                self.pending_status = status;
            }
            fn stamp_review(&mut self, by: &str, at: DateTime<Utc>, due: DateTime<Utc>) {
                self.reviewed_by = Some(by.to_owned());
                self.reviewed_at = Some(at);
                self.review_due = Some(due);
            }
        }
    };
}

reviewed!(node, NodeContent);
reviewed!(edge, LinkAttributes);

impl NodeContent {
    /// Checks the content a node of `kind` may hold.
    pub fn check(&self, kind: NodeKind) -> Result<(), DomainError> {
        validate::text_line("name", &self.name, validate::NAME_MAX)?;
        validate::synonyms("synonyms", &self.synonyms)?;
        validate::optional_text("summary", self.summary.as_deref(), validate::SUMMARY_MAX)?;
        if self.treatment_type.is_some() {
            kinds::check_field(kind, kinds::Field::TreatmentType)?;
        }
        coding::check_list("codings", &self.codings)
    }
}

impl Editable for NodeContent {
    type Row = node::Model;
    type Patch = NodePatch;

    fn of(row: &node::Model) -> Self {
        Self {
            name: row.name.clone(),
            synonyms: serde_json::from_value(row.synonyms.clone()).unwrap_or_default(),
            summary: row.summary.clone(),
            treatment_type: row.treatment_type,
            codings: coding::of_node(row),
        }
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
        if let Some(v) = &patch.codings {
            self.codings.clone_from(v);
        }
        self
    }

    fn validate(&self, row: &node::Model) -> Result<(), DomainError> {
        self.check(row.kind)
    }

    fn write_into(self, row: &mut node::Model) {
        row.name = self.name;
        row.synonyms = serde_json::json!(self.synonyms);
        row.summary = self.summary;
        row.treatment_type = self.treatment_type;
        row.codings = serde_json::json!(self.codings);
    }
}

impl LinkAttributes {
    /// Checks the attributes a link of `predicate` may carry.
    pub fn check(&self, predicate: Predicate) -> Result<(), DomainError> {
        if self.place.is_some() {
            predicate::check_place(predicate)?;
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
}

impl Editable for LinkAttributes {
    type Row = edge::Model;
    type Patch = LinkPatch;

    fn of(row: &edge::Model) -> Self {
        Self {
            negated: row.negated,
            place: row.place,
            timing: row.timing.clone(),
            circumstance: row.circumstance.clone(),
            how_to: row.how_to.clone(),
            note: row.note.clone(),
        }
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

    fn validate(&self, row: &edge::Model) -> Result<(), DomainError> {
        self.check(row.predicate)
    }

    fn write_into(self, row: &mut edge::Model) {
        row.negated = self.negated;
        row.place = self.place;
        row.timing = self.timing;
        row.circumstance = self.circumstance;
        row.how_to = self.how_to;
        row.note = self.note;
    }
}
