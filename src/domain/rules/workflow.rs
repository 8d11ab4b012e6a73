//! The editorial workflow as a state machine: DRAFT → IN_REVIEW → PUBLISHED (or REJECTED),
//! ARCHIVED at any time. A published row's pending edit goes through the same steps;
//! publishing it replaces the published content and stamps the reviewer's mark. Each step
//! names the permission it needs and the audit action it records.

use chrono::{DateTime, Months, Utc};
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

/// How review works here: the four-eyes rule, and how long a review holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewPolicy {
    /// A reviewer may not publish what they submitted themselves.
    pub four_eyes: bool,
    /// Months from a publication to the content's next review date.
    pub interval_months: u32,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        Self {
            four_eyes: true,
            interval_months: 12,
        }
    }
}

impl ReviewPolicy {
    /// When content reviewed at `at` is due for its next review.
    pub fn due_after(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        at.checked_add_months(Months::new(self.interval_months))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// FORBIDDEN when the four-eyes rule holds and `actor` is who submitted the content
    /// (`submitter`) they are about to publish. caregraph itself (the seed) is exempt.
    pub fn check_publisher(
        &self,
        actor: &Actor,
        submitter: Option<&str>,
    ) -> Result<(), DomainError> {
        if self.four_eyes && !actor.system && submitter == Some(actor.name.as_str()) {
            return Err(DomainError::Forbidden {
                reason: format!(
                    "four-eyes rule: {} submitted this for review and cannot also publish it; another reviewer must",
                    actor.name
                ),
            });
        }
        Ok(())
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

/// When content that starts published (what caregraph itself loads) is first due for review:
/// the default interval after loading, since the seed has no server settings to read.
pub fn initial_review_due(status: Status, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (status == Status::Published).then(|| ReviewPolicy::default().due_after(now))
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
    policy: &ReviewPolicy,
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
        row.stamp_review(&actor.name, now, policy.due_after(now));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;
    use entity::sea_orm_active_enums::Role;

    #[test]
    fn four_eyes_refuses_publishing_ones_own_submission() {
        let rita = Actor::person("rita", Role::Reviewer);
        let on = ReviewPolicy::default();
        assert!(on.check_publisher(&rita, Some("ed")).is_ok());
        assert!(on.check_publisher(&rita, None).is_ok());
        let err = on.check_publisher(&rita, Some("rita")).unwrap_err();
        assert!(err.to_string().starts_with("four-eyes rule"), "{err}");
        let off = ReviewPolicy {
            four_eyes: false,
            ..on
        };
        assert!(off.check_publisher(&rita, Some("rita")).is_ok());
        assert!(
            on.check_publisher(&Actor::system("system"), Some("system"))
                .is_ok()
        );
    }

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
