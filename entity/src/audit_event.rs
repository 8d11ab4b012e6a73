//! One write: who did what to which row, with the row before and after.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sea_orm_active_enums::Role;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// UUID v7: ordering by id is ordering by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub actor_name: String,
    pub actor_role: Role,
    /// e.g. `create_node`, `update_node`, `publish`, `revert`.
    pub action: String,
    /// `node`, `edge`, `source`, `citation` or `api_token`.
    pub target_type: String,
    pub target_id: Uuid,
    /// The row as JSON before the write; `None` for a creation.
    pub before: Option<Json>,
    /// The row as JSON after the write; `None` for a deletion.
    pub after: Option<Json>,
    pub at: DateTimeUtc,
    /// The multi-row write this event is part of (a saved page, an imported file), if any.
    #[serde(default)]
    pub change_set_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
