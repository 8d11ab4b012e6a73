//! The editorial workflow as a state machine: DRAFT → IN_REVIEW → PUBLISHED (or REJECTED),
//! ARCHIVED at any time. A published row's pending edit goes through the same steps;
//! publishing it replaces the published content and stamps the reviewer's mark. Each step
//! names the permission it needs and the audit action it records.

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::Status;

use super::audit::Action;
use super::auth::{Actor, Permission};
use super::content::{Editable, Reviewed};
use crate::domain::DomainError;

/// A workflow step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    SubmitForReview,
    Publish,
    Reject,
    Archive,
}

impl Step {
    pub fn action(self) -> Action {
        match self {
            Step::SubmitForReview => Action::SubmitForReview,
            Step::Publish => Action::Publish,
            Step::Reject => Action::Reject,
            Step::Archive => Action::Archive,
        }
    }

    /// Editors submit their work; reviewers decide what readers see.
    pub fn permission(self) -> Permission {
        match self {
            Step::SubmitForReview => Permission::Edit,
            Step::Publish | Step::Reject | Step::Archive => Permission::Review,
        }
    }
}

/// The status a new node or link starts in: what caregraph itself loads is the shipped,
/// reviewed content (published); what a person writes is a draft.
pub fn initial_status(actor: &Actor) -> Status {
    if actor.system {
        Status::Published
    } else {
        Status::Draft
    }
}

/// Removing content readers see is a review decision; removing a draft is editing.
pub fn removal_permission(status: Status) -> Permission {
    if status == Status::Published {
        Permission::Review
    } else {
        Permission::Edit
    }
}

/// The status pair (live, pending) after `step`, or why the step does not apply.
pub fn next(
    status: Status,
    pending: Option<Status>,
    step: Step,
) -> Result<(Status, Option<Status>), DomainError> {
    use Status::*;
    let refuse = |why: &str| Err(DomainError::invalid("id", why.to_owned()));
    match (step, status, pending) {
        (Step::Archive, Archived, _) => refuse("already archived"),
        (Step::Archive, _, _) => Ok((Archived, None)),
        (Step::SubmitForReview, Draft | Rejected, _) => Ok((InReview, None)),
        (Step::SubmitForReview, Published, Some(Draft | Rejected)) => {
            Ok((Published, Some(InReview)))
        }
        (Step::SubmitForReview, InReview, _)
        | (Step::SubmitForReview, Published, Some(InReview)) => refuse("already in review"),
        (Step::SubmitForReview, _, _) => refuse("there is no draft to submit"),
        (Step::Publish | Step::Reject, InReview, _) => Ok((
            if step == Step::Publish {
                Published
            } else {
                Rejected
            },
            None,
        )),
        (Step::Publish, Published, Some(InReview)) => Ok((Published, None)),
        (Step::Reject, Published, Some(InReview)) => Ok((Published, Some(Rejected))),
        (Step::Publish | Step::Reject, _, _) => {
            refuse("only content in review can be published or rejected; submit it first")
        }
    }
}

/// Takes `row` through `step`: its statuses, its pending edit (written into the row when
/// published, dropped when published or archived) and, on publishing, the reviewer's mark.
pub fn take<R: Reviewed>(
    row: &mut R,
    step: Step,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let (status, pending_status) = next(row.status(), row.pending_status(), step)?;
    let publishing = step == Step::Publish;
    if publishing
        && row.status() == Status::Published
        && let Some(content) = R::Content::pending(row)
    {
        content.write_into(row);
    }
    if pending_status.is_none() && (publishing || step == Step::Archive) {
        row.set_pending(None);
    }
    row.set_status(status);
    row.set_pending_status(pending_status);
    if publishing {
        row.stamp_review(&actor.name, now);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn transitions() {
        assert_eq!(
            next(Draft, None, Step::SubmitForReview).ok(),
            Some((InReview, None))
        );
        assert_eq!(
            next(InReview, None, Step::Publish).ok(),
            Some((Published, None))
        );
        assert_eq!(
            next(InReview, None, Step::Reject).ok(),
            Some((Rejected, None))
        );
        assert_eq!(
            next(Published, Some(Draft), Step::SubmitForReview).ok(),
            Some((Published, Some(InReview)))
        );
        assert_eq!(
            next(Published, Some(InReview), Step::Publish).ok(),
            Some((Published, None))
        );
        assert_eq!(
            next(Published, Some(InReview), Step::Reject).ok(),
            Some((Published, Some(Rejected)))
        );
        assert!(
            next(Draft, None, Step::Publish).is_err(),
            "publishing needs a review"
        );
        assert!(next(Published, None, Step::SubmitForReview).is_err());
        assert_eq!(
            next(Published, None, Step::Archive).ok(),
            Some((Archived, None))
        );
        assert!(next(Archived, None, Step::Archive).is_err());
    }

    #[test]
    fn each_step_names_its_permission() {
        assert_eq!(Step::SubmitForReview.permission(), Permission::Edit);
        for s in [Step::Publish, Step::Reject, Step::Archive] {
            assert_eq!(s.permission(), Permission::Review);
        }
        assert_eq!(removal_permission(Published), Permission::Review);
        assert_eq!(removal_permission(Draft), Permission::Edit);
    }
}
