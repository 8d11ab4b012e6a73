//! An edge of the property graph: "subject predicate object", with the attributes the
//! source gives the link (a treatment's place, a timeline, when it applies, how to do it).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sea_orm_active_enums::{Predicate, Status, TreatmentPlace};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "edge")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject_id: Uuid,
    pub predicate: Predicate,
    pub object_id: Uuid,
    /// The source denies the link (Biolink's `negated`): it must never surface as asserted.
    pub negated: bool,
    pub place: Option<TreatmentPlace>,
    /// Onset, duration or resolution in the source's words ("within a few days").
    #[sea_orm(column_type = "Text", nullable)]
    pub timing: Option<String>,
    /// When the link applies or when to act ("if the pain persists…").
    #[sea_orm(column_type = "Text", nullable)]
    pub circumstance: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub how_to: Option<String>,
    /// Editorial reading: hedges, garbled source sentences.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub status: Status,
    /// An edit of a published link awaiting review (JSON of the edited attributes).
    pub pending: Option<Json>,
    pub pending_status: Option<Status>,
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
    #[sea_orm(
        belongs_to = "super::node::Entity",
        from = "Column::SubjectId",
        to = "super::node::Column::Id",
        on_delete = "Cascade"
    )]
    Subject,
    #[sea_orm(
        belongs_to = "super::node::Entity",
        from = "Column::ObjectId",
        to = "super::node::Column::Id",
        on_delete = "Cascade"
    )]
    Object,
    #[sea_orm(has_many = "super::citation::Entity")]
    Citation,
}

impl Related<super::citation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Citation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
