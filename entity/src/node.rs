//! A node of the property graph: a condition, cause, symptom, risk or treatment.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sea_orm_active_enums::{NodeKind, Status, TreatmentType};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "node")]
pub struct Model {
    /// UUID v7: time-ordered, so ordering by id is ordering by creation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: NodeKind,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// JSON array of strings: other names patients and clinicians use.
    pub synonyms: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    /// Only for treatments.
    pub treatment_type: Option<TreatmentType>,
    /// JSON array of FHIR-style codings (`system`, `code`, `display`, `match`, `source`);
    /// the `node_coding` table indexes them for lookups by code. Audit snapshots taken before
    /// codings existed lack the field: they read as none.
    #[serde(default = "no_codings")]
    pub codings: Json,
    pub status: Status,
    /// An edit of published content awaiting review, as JSON of the edited fields; readers
    /// keep seeing the columns above until it is published.
    pub pending: Option<Json>,
    /// Where the pending edit stands: DRAFT, IN_REVIEW or REJECTED.
    pub pending_status: Option<Status>,
    /// The reviewer who last published this, and when: the "medically reviewed" mark.
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    /// When this published content is due for its next review; audit snapshots taken before
    /// the column existed lack it.
    #[serde(default)]
    pub review_due: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::citation::Entity")]
    Citation,
}

impl Related<super::citation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Citation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

fn no_codings() -> Json {
    Json::Array(Vec::new())
}
