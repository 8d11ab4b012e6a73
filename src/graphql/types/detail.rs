//! How much of a link and of its far end a selection reads: a condition page asks for names
//! and the links' wording, and reads them from 17 columns instead of 36 (`links::Detail`).
//!
//! A field is read from a listing only when it is named here. Any other field (a timestamp,
//! the workflow columns, codings, a field added later) reads every column; the test below
//! fails when a field of a node or link type is in none of these lists.

use async_graphql::SelectionField;

use crate::domain::service::links::Detail;

/// Fields served by the columns of a listing, on nodes and on links.
const LISTED: &[&str] = &[
    "__typename",
    // Nodes.
    "id",
    "kind",
    "slug",
    "name",
    "treatmentType",
    "status",
    // Links.
    "predicate",
    "negated",
    "place",
    "timing",
    "circumstance",
    "howTo",
    "note",
];

/// Fields resolved from the row's id alone, by loads of their own.
const BY_ID: &[&str] = &[
    "citations",
    "symptoms",
    "symptomLinks",
    "causes",
    "causeLinks",
    "notCausedBy",
    "notCauseOf",
    "treatments",
    "treatmentLinks",
    "riskFactors",
    "riskFactorLinks",
    "riskFactorOf",
    "riskFactorOfLinks",
    "resultsFrom",
    "resultsFromLinks",
    "differentials",
    "differentialLinks",
    "broader",
    "narrower",
    "asCause",
    "asRisk",
    "isCondition",
    "conditions",
    "conditionLinks",
    "risks",
    "riskLinks",
    "leadsTo",
    "leadsToLinks",
];

/// A link's far end: read from the same row as the link.
const FAR_ENDS: &[&str] = &["symptom", "cause", "treatment", "risk", "condition"];

/// The detail a list of links or linked nodes (`field`) needs.
pub(crate) fn of(field: SelectionField<'_>) -> Detail {
    if reads_listing_only(field, true) {
        Detail::Listing
    } else {
        Detail::Full
    }
}

/// Whether `field` shows the citations of what it returns (a node's, or a list of links'), so
/// they can be read in the same statement.
pub(crate) fn cites(field: SelectionField<'_>) -> bool {
    field
        .selection_set()
        .any(|child| child.name() == "citations")
}

fn reads_listing_only(field: SelectionField<'_>, links: bool) -> bool {
    field.selection_set().all(|child| {
        let name = child.name();
        LISTED.contains(&name)
            || BY_ID.contains(&name)
            || (links && FAR_ENDS.contains(&name) && reads_listing_only(child, false))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields that read columns a listing leaves out.
    const FULL: &[&str] = &[
        "synonyms",
        "summary",
        "codings",
        "icd10cm",
        "snomedCt",
        "jsonLd",
        "version",
        "createdAt",
        "updatedAt",
        "pending",
        "pendingStatus",
        "reviewedBy",
        "reviewedAt",
        "reviewDue",
    ];

    /// Every field of the types a link list returns is classified: a new field must be
    /// placed in a list above (or in `FULL`) before it ships.
    #[tokio::test]
    async fn every_field_of_node_and_link_types_is_classified() {
        let schema = crate::graphql::build_schema();
        let types = [
            "Condition",
            "Cause",
            "Symptom",
            "Risk",
            "Treatment",
            "SymptomLink",
            "CauseLink",
            "TreatmentLink",
            "RiskLink",
            "ConditionLink",
        ];
        for ty in types {
            let query = format!(
                r#"{{ __type(name: "{ty}") {{ fields(includeDeprecated: true) {{ name }} }} }}"#
            );
            let response = schema
                .execute(query)
                .await
                .into_result()
                .expect("introspects");
            let data = response.data.into_json().expect("json");
            let fields = data["__type"]["fields"]
                .as_array()
                .expect("a type with fields");
            assert!(!fields.is_empty(), "{ty}");
            for field in fields {
                let name = field["name"].as_str().expect("name");
                assert!(
                    LISTED.contains(&name)
                        || BY_ID.contains(&name)
                        || FAR_ENDS.contains(&name)
                        || FULL.contains(&name),
                    "{ty}.{name} is in no list of graphql::types::detail"
                );
            }
        }
    }
}
