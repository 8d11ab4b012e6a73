//! The predicates of the graph and the node kinds each may join, checked on every write.

use entity::sea_orm_active_enums::{NodeKind, Predicate};
use sea_orm::ActiveEnum as _;

use crate::domain::DomainError;

/// One allowed shape of edge: `subject predicate object`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub predicate: Predicate,
    pub subject: NodeKind,
    pub object: NodeKind,
}

/// Every allowed (subject kind, predicate, object kind). The table is the whole policy: a
/// predicate not listed with a pair of kinds cannot join them.
pub const RULES: &[Rule] = &[
    rule(
        Predicate::HasSymptom,
        NodeKind::Condition,
        NodeKind::Symptom,
    ),
    rule(Predicate::CausedBy, NodeKind::Condition, NodeKind::Cause),
    rule(
        Predicate::TreatedBy,
        NodeKind::Condition,
        NodeKind::Treatment,
    ),
    rule(
        Predicate::HasRiskFactor,
        NodeKind::Condition,
        NodeKind::Risk,
    ),
    rule(
        Predicate::HasAdverseRisk,
        NodeKind::Treatment,
        NodeKind::Risk,
    ),
    rule(Predicate::MayLeadTo, NodeKind::Risk, NodeKind::Condition),
    // A cause or a risk factor that is itself a condition (spinal stenosis; having arthritis).
    rule(Predicate::IsCondition, NodeKind::Cause, NodeKind::Condition),
    rule(Predicate::IsCondition, NodeKind::Risk, NodeKind::Condition),
    rule(
        Predicate::DifferentialOf,
        NodeKind::Condition,
        NodeKind::Condition,
    ),
    rule(
        Predicate::SubclassOf,
        NodeKind::Condition,
        NodeKind::Condition,
    ),
];

const fn rule(predicate: Predicate, subject: NodeKind, object: NodeKind) -> Rule {
    Rule {
        predicate,
        subject,
        object,
    }
}

/// The predicates whose links say where a treatment happens (`place`).
pub const PLACED: &[Predicate] = &[Predicate::TreatedBy];

/// INVALID unless links of `predicate` carry a place.
pub fn check_place(predicate: Predicate) -> Result<(), DomainError> {
    if PLACED.contains(&predicate) {
        return Ok(());
    }
    Err(DomainError::invalid(
        "place",
        format!(
            "only treated_by links have a place, not {}",
            predicate.to_value()
        ),
    ))
}

/// Checks that `predicate` may join a `subject` of one kind to an `object` of another. The
/// error names the kinds it allows.
pub fn check(subject: NodeKind, predicate: Predicate, object: NodeKind) -> Result<(), DomainError> {
    let mut allowed = RULES.iter().filter(|r| r.predicate == predicate);
    if allowed
        .clone()
        .any(|r| r.subject == subject && r.object == object)
    {
        return Ok(());
    }
    let shapes: Vec<String> = allowed
        .by_ref()
        .map(|r| format!("{} to a {}", r.subject.to_value(), r.object.to_value()))
        .collect();
    Err(DomainError::invalid(
        "predicate",
        format!(
            "{} joins a {}, not a {} to a {}",
            predicate.to_value(),
            shapes.join(" or a "),
            subject.to_value(),
            object.to_value(),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn every_predicate_has_a_rule() {
        for p in Predicate::iter() {
            assert!(RULES.iter().any(|r| r.predicate == p), "{p:?}");
        }
    }

    #[test]
    fn allowed_shapes_pass_and_others_name_the_allowed_kinds() {
        assert!(
            check(
                NodeKind::Condition,
                Predicate::HasSymptom,
                NodeKind::Symptom
            )
            .is_ok()
        );
        let err = check(
            NodeKind::Symptom,
            Predicate::HasSymptom,
            NodeKind::Condition,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "predicate: has_symptom joins a CONDITION to a SYMPTOM, not a SYMPTOM to a CONDITION"
        );
        let err = check(
            NodeKind::Symptom,
            Predicate::IsCondition,
            NodeKind::Condition,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "predicate: is_condition joins a CAUSE to a CONDITION or a RISK to a CONDITION, not a SYMPTOM to a CONDITION"
        );
        assert!(check(NodeKind::Risk, Predicate::MayLeadTo, NodeKind::Condition).is_ok());
        assert!(check(NodeKind::Risk, Predicate::IsCondition, NodeKind::Condition).is_ok());
        assert!(
            check(
                NodeKind::Condition,
                Predicate::CausedBy,
                NodeKind::Treatment
            )
            .is_err()
        );
    }
}
