//! What the audit log records: the action as a closed set, the kind of row it touched, and the
//! row as it was. Every write of content leaves one event; `service::audit` writes them.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use entity::sea_orm_active_enums::Status;

use super::auth::Permission;
use super::workflow;

/// Everything a write can do, as the audit log names it. A closed set: an action the code does
/// not know cannot be reverted (see [`Action::permission_to_revert`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    CreateNode,
    UpdateNode,
    DeleteNode,
    Link,
    UpdateLink,
    Unlink,
    CreateSource,
    UpdateSource,
    DeleteSource,
    AddCitation,
    RemoveCitation,
    SubmitForReview,
    Publish,
    Reject,
    Archive,
    Revert,
    CreateToken,
    RevokeToken,
    SetReviewDue,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::CreateNode,
        Action::UpdateNode,
        Action::DeleteNode,
        Action::Link,
        Action::UpdateLink,
        Action::Unlink,
        Action::CreateSource,
        Action::UpdateSource,
        Action::DeleteSource,
        Action::AddCitation,
        Action::RemoveCitation,
        Action::SubmitForReview,
        Action::Publish,
        Action::Reject,
        Action::Archive,
        Action::Revert,
        Action::CreateToken,
        Action::RevokeToken,
        Action::SetReviewDue,
    ];

    /// The name stored in `audit_event.action` and shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreateNode => "create_node",
            Action::UpdateNode => "update_node",
            Action::DeleteNode => "delete_node",
            Action::Link => "link",
            Action::UpdateLink => "update_link",
            Action::Unlink => "unlink",
            Action::CreateSource => "create_source",
            Action::UpdateSource => "update_source",
            Action::DeleteSource => "delete_source",
            Action::AddCitation => "add_citation",
            Action::RemoveCitation => "remove_citation",
            Action::SubmitForReview => "submit_for_review",
            Action::Publish => "publish",
            Action::Reject => "reject",
            Action::Archive => "archive",
            Action::Revert => "revert",
            Action::CreateToken => "create_token",
            Action::RevokeToken => "revoke_token",
            Action::SetReviewDue => "set_review_due",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// What reverting this action needs: the permission of the action itself, so a revert can
    /// never do what its actor could not do directly. Undoing a creation deletes the row, so
    /// it needs what that deletion needs (`created`: the status the row was created in; a
    /// revert applies only while the row is still as the event left it).
    pub fn permission_to_revert(self, created: Option<Status>) -> Permission {
        let status = created.unwrap_or(Status::Published);
        match self {
            // `deleteNode` is an admin's; an editor may still withdraw a draft they created.
            Action::CreateNode if status != Status::Draft => Permission::Admin,
            Action::Link | Action::AddCitation => workflow::removal_permission(status),
            // A source's deletion takes every citation of it along (`deleteSource`).
            Action::CreateSource => Permission::Admin,
            _ => self.own_permission(),
        }
    }

    fn own_permission(self) -> Permission {
        match self {
            Action::CreateNode
            | Action::UpdateNode
            | Action::Link
            | Action::UpdateLink
            | Action::Unlink
            | Action::CreateSource
            | Action::UpdateSource
            | Action::AddCitation
            | Action::SubmitForReview => Permission::Edit,
            Action::Publish
            | Action::Reject
            | Action::Archive
            | Action::RemoveCitation
            | Action::SetReviewDue => Permission::Review,
            Action::DeleteNode
            | Action::DeleteSource
            | Action::Revert
            | Action::CreateToken
            | Action::RevokeToken => Permission::Admin,
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::parse("publsh"), None, "a misspelling is no action");
    }

    #[test]
    fn undoing_a_creation_needs_what_the_deletion_needs() {
        let draft = Some(Status::Draft);
        let published = Some(Status::Published);
        assert_eq!(
            Action::CreateNode.permission_to_revert(draft),
            Permission::Edit
        );
        assert_eq!(
            Action::CreateNode.permission_to_revert(published),
            Permission::Admin
        );
        assert_eq!(Action::Link.permission_to_revert(draft), Permission::Edit);
        assert_eq!(
            Action::Link.permission_to_revert(published),
            Permission::Review
        );
        assert_eq!(
            Action::CreateSource.permission_to_revert(None),
            Permission::Admin
        );
        assert_eq!(
            Action::UpdateNode.permission_to_revert(published),
            Permission::Edit
        );
        assert_eq!(
            Action::DeleteNode.permission_to_revert(published),
            Permission::Admin
        );
    }
}
