//! GraphQL enums mirroring the stored vocabularies, and the list arguments.

use async_graphql::{Enum, InputObject};

use crate::domain::service::nodes;

/// The kind of a node.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::sea_orm_active_enums::NodeKind")]
pub(crate) enum NodeKind {
    /// A medical condition, e.g. postpartum low back pain.
    Condition,
    /// Something that brings a condition about, e.g. heavy lifting.
    Cause,
    /// What a patient notices, e.g. numbness or tingling around the injection area.
    Symptom,
    /// Something that makes a condition more likely, or a danger of a treatment.
    Risk,
    /// Anything done about a condition: self-care, therapy, medication, procedures, diagnosis, surgery.
    Treatment,
}

/// Editorial status. Anonymous readers only ever see PUBLISHED content.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::sea_orm_active_enums::Status")]
pub(crate) enum Status {
    /// Being written; visible to content teams only.
    Draft,
    /// Submitted for medical review.
    InReview,
    /// Reviewed and visible to everyone.
    Published,
    /// Sent back by a reviewer.
    Rejected,
    /// Withdrawn from readers, kept for the record.
    Archived,
}

/// What kind of intervention a treatment is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::sea_orm_active_enums::TreatmentType")]
pub(crate) enum TreatmentType {
    /// Things patients do themselves: rest, exercise.
    SelfCare,
    /// Hands-on or guided therapy: massage, physical therapy, cold and hot therapy.
    Therapy,
    /// Medicines.
    Medication,
    /// Medical procedures such as an epidural.
    Procedure,
    /// Finding out what is wrong: seeing a doctor, x-rays.
    Diagnostic,
    /// Operations.
    Surgery,
}

/// The relation an edge states, read "subject predicate object".
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::sea_orm_active_enums::Predicate")]
pub(crate) enum Predicate {
    /// CONDITION has_symptom SYMPTOM.
    HasSymptom,
    /// CONDITION caused_by CAUSE.
    CausedBy,
    /// CONDITION treated_by TREATMENT.
    TreatedBy,
    /// CONDITION has_risk_factor RISK.
    HasRiskFactor,
    /// TREATMENT has_adverse_risk RISK.
    HasAdverseRisk,
    /// RISK may_lead_to CONDITION.
    MayLeadTo,
    /// CAUSE or RISK is_condition CONDITION: the cause or risk is itself that condition.
    IsCondition,
    /// CONDITION differential_of CONDITION: to be told apart from each other.
    DifferentialOf,
    /// CONDITION subclass_of CONDITION: a more specific form of the broader condition.
    SubclassOf,
}

/// Where a treatment stands among the options for a condition, as the source puts it.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::sea_orm_active_enums::TreatmentPlace")]
pub(crate) enum TreatmentPlace {
    /// What to do first.
    FirstLine,
    /// An option once the condition is severe.
    WhenSevere,
    /// Only when the other options have not helped.
    LastResort,
    /// Only in extreme cases.
    ExtremeCases,
}

/// Sort key of a node list.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "crate::domain::service::nodes::OrderField")]
pub(crate) enum NodeOrderField {
    /// By name (byte order, the same on every database).
    #[default]
    Name,
    /// By slug.
    Slug,
    /// By creation time.
    CreatedAt,
}

/// Sort direction.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "crate::domain::service::nodes::Direction")]
pub(crate) enum OrderDirection {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// How to order a node list. Ties are broken by id, so pages never overlap.
#[derive(InputObject, Clone, Copy, Default)]
pub(crate) struct NodeOrder {
    /// Sort key.
    #[graphql(default)]
    pub field: NodeOrderField,
    /// Sort direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl NodeOrder {
    pub fn parts(self) -> (nodes::OrderField, nodes::Direction) {
        (self.field.into(), self.direction.into())
    }
}

/// Filters of a node list.
#[derive(InputObject, Clone, Default)]
pub(crate) struct NodeFilter {
    /// Keep nodes whose name contains this text, ignoring case.
    pub name_contains: Option<String>,
}

/// What an API token may do.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::sea_orm_active_enums::Role")]
pub(crate) enum Role {
    /// Creates and changes content and submits it for review.
    Editor,
    /// Publishes, rejects and archives content.
    Reviewer,
    /// Everything, including deletes and tokens.
    Admin,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use entity::sea_orm_active_enums::Predicate as Stored;
    use sea_orm::{ActiveEnum as _, Iterable as _};

    use crate::domain::rules::predicate::RULES;

    /// The schema tells readers which kinds each predicate joins ("CAUSE or RISK is_condition
    /// CONDITION"); the rules table decides it. This keeps the two saying the same.
    #[test]
    fn predicate_descriptions_state_the_rules_table() {
        let sdl = crate::graphql::sdl();
        let block = sdl
            .split("enum Predicate {")
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .expect("the Predicate enum");
        let lines: Vec<&str> = block
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "\"\"\"")
            .collect();
        assert_eq!(lines.len(), 2 * Stored::iter().count(), "{block}");
        for pair in lines.chunks(2) {
            let (description, value) = (pair[0], pair[1]);
            let predicate = Stored::iter()
                .find(|p| p.to_value().to_uppercase() == value)
                .unwrap_or_else(|| panic!("{value} is no stored predicate"));
            let name = predicate.to_value();
            let shape = description
                .split([':', '.'])
                .next()
                .expect("a first clause");
            let (subjects, objects) = shape
                .split_once(&format!(" {name} "))
                .unwrap_or_else(|| panic!("{value}: {description:?} does not name {name}"));
            let stated: BTreeSet<(String, String)> = subjects
                .split(" or ")
                .flat_map(|s| {
                    objects
                        .split(" or ")
                        .map(move |o| (s.to_owned(), o.to_owned()))
                })
                .collect();
            let allowed: BTreeSet<(String, String)> = RULES
                .iter()
                .filter(|r| r.predicate == predicate)
                .map(|r| (r.subject.to_value(), r.object.to_value()))
                .collect();
            assert_eq!(stated, allowed, "{value}: {description:?}");
        }
    }
}
