//! Audit events: every write records who did what to which row, before and after, in the
//! write's own transaction.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;

use super::DomainError;
use super::auth::Actor;

/// The kinds of row an event can be about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Node,
    Edge,
    Source,
    Citation,
    ApiToken,
}

impl TargetType {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Node => "node",
            TargetType::Edge => "edge",
            TargetType::Source => "source",
            TargetType::Citation => "citation",
            TargetType::ApiToken => "api_token",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Node,
            Self::Edge,
            Self::Source,
            Self::Citation,
            Self::ApiToken,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// A row as the audit log keeps it: the row itself, plus the rows a deletion took with it
/// (citations, edges) so that reverting the deletion can put them back.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub row: Json,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<Json>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<Json>,
    /// Why, when the action takes a reason (a rejection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Snapshot {
    pub fn of<T: Serialize>(row: &T) -> Self {
        Self {
            row: to_json(row),
            ..Self::default()
        }
    }
}

pub fn to_json<T: Serialize>(row: &T) -> Json {
    serde_json::to_value(row).unwrap_or(Json::Null)
}

/// Records one event; call it inside the write's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    target_type: TargetType,
    target_id: Uuid,
    before: Option<Snapshot>,
    after: Option<Snapshot>,
) -> Result<audit_event::Model, DomainError> {
    let event = audit_event::Model {
        id: Uuid::now_v7(),
        actor_name: actor.name.clone(),
        actor_role: actor.role,
        action: action.to_owned(),
        target_type: target_type.as_str().to_owned(),
        target_id,
        before: before.map(|s| to_json(&s)),
        after: after.map(|s| to_json(&s)),
        at: Utc::now(),
    };
    audit_event::Entity::insert(insertable(event.clone()))
        .exec_without_returning(db)
        .await?;
    Ok(event)
}

/// A model as an active model with every column set, ready to insert or to overwrite a row.
pub fn insertable<M, A>(model: M) -> A
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + ActiveModelBehavior,
{
    model.into_active_model().reset_all()
}
