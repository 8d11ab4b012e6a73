//! `AuditEvent`, `ApiToken` and `CreatedToken`.

use async_graphql::{ID, Json, Object, SimpleObject};
use entity::{api_token, audit_event};

use super::enums::Role;

/// One write: who did what to which row, with the row before and after.
pub(crate) struct AuditEvent(pub(crate) audit_event::Model);

/// One write: who did what to which row, with the row before and after.
#[Object]
impl AuditEvent {
    /// Id of the event; `revert(auditEventId:)` takes it.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name of the token that made the change.
    async fn actor(&self) -> &str {
        &self.0.actor_name
    }
    /// Role of that token.
    async fn actor_role(&self) -> Role {
        self.0.actor_role.into()
    }
    /// What was done: create_node, update_node, link, publish, revert, …
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// What kind of row: node, edge, source, citation or api_token.
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }
    /// Id of the row.
    async fn target_id(&self) -> ID {
        ID(self.0.target_id.to_string())
    }
    /// The row before the change (`null` for a creation).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The row after the change (`null` for a deletion).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// When.
    async fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.at
    }
    /// The change set this event is part of (a page saved with `savePage`), if any;
    /// `revertChangeSet` undoes the whole set.
    async fn change_set_id(&self) -> Option<ID> {
        self.0.change_set_id.map(|id| ID(id.to_string()))
    }
}

/// A page of audit events, newest first.
#[derive(SimpleObject)]
pub(crate) struct AuditEventPage {
    /// The events of this page, newest first.
    pub events: Vec<AuditEvent>,
    /// Pass as `after` to get the next (older) page; `null` on the last page.
    pub next_cursor: Option<ID>,
}

/// An API token (never its secret).
pub(crate) struct ApiToken(pub(crate) api_token::Model);

/// An API token (never its secret).
#[Object]
impl ApiToken {
    /// Who holds the token.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// When it was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
    /// When it was revoked; `null` while it is valid.
    async fn revoked_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.revoked_at
    }
}

/// A new token. The secret is shown this once: caregraph keeps only its hash.
#[derive(SimpleObject)]
pub(crate) struct CreatedToken {
    /// The token's record.
    pub token: ApiToken,
    /// The secret, for `Authorization: Bearer …`. Not retrievable later.
    pub secret: String,
}
