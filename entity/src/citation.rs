//! A citation: an exact quote from a source backing one node or one edge.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sea_orm_active_enums::Status;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "citation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub source_id: Uuid,
    /// Exactly one of `node_id` and `edge_id` is set (a CHECK constraint holds it).
    pub node_id: Option<Uuid>,
    pub edge_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub quote: String,
    /// PUBLISHED citations reach readers; one added to published content stays DRAFT until
    /// a reviewer publishes the edit.
    pub status: Status,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::source::Entity",
        from = "Column::SourceId",
        to = "super::source::Column::Id",
        on_delete = "Cascade"
    )]
    Source,
    #[sea_orm(
        belongs_to = "super::node::Entity",
        from = "Column::NodeId",
        to = "super::node::Column::Id",
        on_delete = "Cascade"
    )]
    Node,
    #[sea_orm(
        belongs_to = "super::edge::Entity",
        from = "Column::EdgeId",
        to = "super::edge::Column::Id",
        on_delete = "Cascade"
    )]
    Edge,
}

impl Related<super::source::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Source.def()
    }
}

impl Related<super::node::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Node.def()
    }
}

impl Related<super::edge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Edge.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
