//! The closed vocabularies stored as strings in the database. Strings (not integers or native
//! PostgreSQL enums) keep the tables readable by a peer system and let a new value ship
//! without a schema migration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The five kinds of node in the graph.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NodeKind {
    #[sea_orm(string_value = "CONDITION")]
    Condition,
    #[sea_orm(string_value = "CAUSE")]
    Cause,
    #[sea_orm(string_value = "SYMPTOM")]
    Symptom,
    #[sea_orm(string_value = "RISK")]
    Risk,
    #[sea_orm(string_value = "TREATMENT")]
    Treatment,
}

/// Editorial status of a node or an edge. Only `Published` content reaches anonymous readers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "IN_REVIEW")]
    InReview,
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

/// What kind of intervention a treatment is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TreatmentType {
    #[sea_orm(string_value = "SELF_CARE")]
    SelfCare,
    #[sea_orm(string_value = "THERAPY")]
    Therapy,
    #[sea_orm(string_value = "MEDICATION")]
    Medication,
    #[sea_orm(string_value = "PROCEDURE")]
    Procedure,
    #[sea_orm(string_value = "DIAGNOSTIC")]
    Diagnostic,
    #[sea_orm(string_value = "SURGERY")]
    Surgery,
}

/// The relation an edge states, read "subject predicate object". Names follow the Biolink
/// model's predicates where one fits.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    #[sea_orm(string_value = "has_symptom")]
    HasSymptom,
    #[sea_orm(string_value = "caused_by")]
    CausedBy,
    #[sea_orm(string_value = "treated_by")]
    TreatedBy,
    #[sea_orm(string_value = "has_risk_factor")]
    HasRiskFactor,
    #[sea_orm(string_value = "has_adverse_risk")]
    HasAdverseRisk,
    #[sea_orm(string_value = "may_lead_to")]
    MayLeadTo,
    #[sea_orm(string_value = "is_condition")]
    IsCondition,
    #[sea_orm(string_value = "differential_of")]
    DifferentialOf,
    #[sea_orm(string_value = "subclass_of")]
    SubclassOf,
}

/// Where a treatment stands among the options for a condition.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TreatmentPlace {
    #[sea_orm(string_value = "FIRST_LINE")]
    FirstLine,
    #[sea_orm(string_value = "WHEN_SEVERE")]
    WhenSevere,
    #[sea_orm(string_value = "LAST_RESORT")]
    LastResort,
    #[sea_orm(string_value = "EXTREME_CASES")]
    ExtremeCases,
}

/// What an API token may do. Each role includes the reads of content teams; the writes differ.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates and changes content and submits it for review.
    #[sea_orm(string_value = "editor")]
    Editor,
    /// Publishes, rejects and archives content.
    #[sea_orm(string_value = "reviewer")]
    Reviewer,
    /// Everything, including deletes and tokens.
    #[sea_orm(string_value = "admin")]
    Admin,
}
