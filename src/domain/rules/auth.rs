//! Who is asking, and what each role may do. Checked before a write loads its target, so a
//! refusal never tells whether the target exists.

use entity::sea_orm_active_enums::Role;
use sea_orm::ActiveEnum as _;
use uuid::Uuid;

use crate::domain::{DomainError, Visibility};

/// The caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// No `Authorization` header.
    Anonymous,
    /// A header whose token is unknown, malformed or revoked. Reads as anonymous; every
    /// write is UNAUTHENTICATED.
    Invalid,
    /// A valid token.
    Token(Actor),
}

/// Who writes, as audit events name them: a token holder, or caregraph itself (the seed, the
/// command line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    /// caregraph itself rather than a person: what it loads is the shipped, already reviewed
    /// content, so it starts published (`rules::workflow::initial_status`).
    pub system: bool,
    /// The change set the actor's writes belong to: a page saved in one transaction, an
    /// imported file. Every audit event they leave carries it.
    pub change_set: Option<Uuid>,
}

/// What an operation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// See drafts and the audit log.
    ReadDrafts,
    /// Create and change content, submit it for review.
    Edit,
    /// Publish, reject, archive.
    Review,
    /// Delete, manage tokens.
    Admin,
}

impl Permission {
    fn granted_to(self, role: Role) -> bool {
        match self {
            Permission::ReadDrafts => true,
            Permission::Edit => matches!(role, Role::Editor | Role::Admin),
            Permission::Review => matches!(role, Role::Reviewer | Role::Admin),
            Permission::Admin => role == Role::Admin,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Permission::ReadDrafts => "a content-team token",
            Permission::Edit => "an editor or admin token",
            Permission::Review => "a reviewer or admin token",
            Permission::Admin => "an admin token",
        }
    }
}

impl Actor {
    /// A person holding a token of `role`.
    pub fn person(name: impl Into<String>, role: Role) -> Self {
        Self {
            name: name.into(),
            role,
            system: false,
            change_set: None,
        }
    }

    /// caregraph itself, with every permission.
    pub fn system(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            role: Role::Admin,
            system: true,
            change_set: None,
        }
    }

    /// This actor, writing as part of change set `id`.
    pub fn in_change_set(&self, id: Uuid) -> Self {
        Self {
            change_set: Some(id),
            ..self.clone()
        }
    }

    /// FORBIDDEN unless this actor's role grants `permission`. For rules that depend on the
    /// target (removing published content takes a reviewer), checked once the target is known.
    pub fn require(&self, permission: Permission) -> Result<(), DomainError> {
        if permission.granted_to(self.role) {
            return Ok(());
        }
        Err(DomainError::Forbidden {
            reason: format!(
                "this needs {}; {} has the {} role",
                permission.describe(),
                self.name,
                self.role.to_value()
            ),
        })
    }
}

impl Viewer {
    /// The actor, when they hold `permission`.
    pub fn require(&self, permission: Permission) -> Result<&Actor, DomainError> {
        match self {
            Viewer::Anonymous | Viewer::Invalid => Err(DomainError::Unauthenticated {
                reason: if *self == Viewer::Anonymous {
                    format!(
                        "this needs {}: send Authorization: Bearer <token>",
                        permission.describe()
                    )
                } else {
                    "the bearer token is not valid (unknown or revoked)".to_owned()
                },
            }),
            Viewer::Token(actor) => actor.require(permission).map(|()| actor),
        }
    }

    /// Content teams see drafts; everyone else sees published content only.
    pub fn visibility(&self) -> Visibility {
        match self {
            Viewer::Token(_) => Visibility::Everything,
            Viewer::Anonymous | Viewer::Invalid => Visibility::PublishedOnly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(role: Role) -> Viewer {
        Viewer::Token(Actor::person("t", role))
    }

    #[test]
    fn the_permission_matrix() {
        use Permission::*;
        let table = [
            (Viewer::Anonymous, [false, false, false, false]),
            (Viewer::Invalid, [false, false, false, false]),
            (token(Role::Editor), [true, true, false, false]),
            (token(Role::Reviewer), [true, false, true, false]),
            (token(Role::Admin), [true, true, true, true]),
        ];
        for (viewer, expected) in table {
            for (perm, ok) in [ReadDrafts, Edit, Review, Admin].into_iter().zip(expected) {
                assert_eq!(viewer.require(perm).is_ok(), ok, "{viewer:?} {perm:?}");
            }
        }
        assert!(matches!(
            Viewer::Anonymous.require(Edit),
            Err(DomainError::Unauthenticated { .. })
        ));
        assert!(matches!(
            token(Role::Editor).require(Review),
            Err(DomainError::Forbidden { .. })
        ));
    }
}
