//! How much of a link and of its far end a selection reads: a condition page asks for names
//! and the links' wording, and reads them from 17 columns instead of 36 (`links::Detail`).
//!
//! A field is read from a listing only when it is named here. Any other field (a timestamp,
//! the workflow columns, codings, a field added later) reads every column; the test below
//! fails when a field of a node or link type is in none of these lists.

use async_graphql::SelectionField;

use super::node::LinkField;
use crate::domain::service::links::{Cites, Detail};
use crate::graphql::loaders::Onward;

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
pub(crate) const FAR_ENDS: &[&str] = &["symptom", "cause", "treatment", "risk", "condition"];

/// The detail a list of links or linked nodes (`field`) needs.
pub(crate) fn of(field: SelectionField<'_>) -> Detail {
    if reads_listing_only(field, true) {
        Detail::Listing
    } else {
        Detail::Full
    }
}

/// Fields of a citation served by [`Cites::Quotes`]; any other (its source) needs
/// [`Cites::Sources`].
const QUOTED: &[&str] = &["__typename", "id", "quote"];

/// How much of the citations of what `field` returns (a node's, or a list of links') its
/// selection shows, so they can be read in the same statement: the most any of its
/// `citations` fields shows, aliases included.
pub(crate) fn cites(field: SelectionField<'_>) -> Cites {
    field
        .selection_set()
        .filter(|child| child.name() == "citations")
        .map(shown)
        .max()
        .unwrap_or(Cites::No)
}

/// How much of its rows a `citations` field shows.
pub(crate) fn shown(citations: SelectionField<'_>) -> Cites {
    if citations
        .selection_set()
        .all(|child| QUOTED.contains(&child.name()))
    {
        Cites::Quotes
    } else {
        Cites::Sources
    }
}

/// The links of far ends that their selections (`far_ends`, of nodes whose link fields are
/// `fields`) show, and the detail those need: the statement that reads the links reaching
/// the far ends reads them too. Links whose citations are shown are left to their own
/// statement, which reads those along.
pub(crate) fn onward<'a>(
    far_ends: impl Iterator<Item = SelectionField<'a>>,
    fields: &[LinkField],
) -> (Onward, Detail) {
    let mut onward = Onward::default();
    let mut detail = Detail::Listing;
    for far_end in far_ends {
        for child in far_end.selection_set() {
            let name = child.name();
            let mut reads = fields.iter().filter(|field| field.name == name).peekable();
            // Most children are scalars: look into a child's selection only when it lists links.
            if reads.peek().is_none() || cites(child) != Cites::No {
                continue;
            }
            if of(child) == Detail::Full {
                detail = Detail::Full;
            }
            for field in reads {
                onward = onward.with(field.sel.dir, field.sel.predicate);
            }
        }
    }
    (onward, detail)
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

    /// The fields of `ty`, deprecated ones included, by introspection: each name with the
    /// named type inside its list and non-null wrappers.
    async fn fields(schema: &crate::graphql::AppSchema, ty: &str) -> Vec<(String, String)> {
        let query = format!(
            r#"{{ __type(name: "{ty}") {{ fields(includeDeprecated: true) {{ name
              type {{ name ofType {{ name ofType {{ name ofType {{ name }} }} }} }} }} }} }}"#
        );
        let response = schema
            .execute(query)
            .await
            .into_result()
            .expect("introspects");
        let data = response.data.into_json().expect("json");
        let fields: Vec<(String, String)> = data["__type"]["fields"]
            .as_array()
            .expect("a type with fields")
            .iter()
            .map(|f| {
                let mut ty = &f["type"];
                while ty["name"].is_null() {
                    ty = &ty["ofType"];
                }
                let name = f["name"].as_str().expect("name").to_owned();
                (name, ty["name"].as_str().expect("a named type").to_owned())
            })
            .collect();
        assert!(!fields.is_empty(), "{ty}");
        fields
    }

    /// Each node type's table of link fields (`node::link_fields`) names every field of the
    /// type that lists links, and only those, and says what each returns: a link field missing
    /// from it would never be read ahead, a name that is no field would read links nobody
    /// shows, and a field read as the wrong kind would read the wrong columns ahead.
    #[tokio::test]
    async fn every_link_field_is_in_its_types_table() {
        use super::super::node::Shows;
        use entity::sea_orm_active_enums::NodeKind as K;
        let schema = crate::graphql::build_schema();
        for (ty, kind) in [
            ("Condition", K::Condition),
            ("Cause", K::Cause),
            ("Symptom", K::Symptom),
            ("Risk", K::Risk),
            ("Treatment", K::Treatment),
        ] {
            let fields = fields(&schema, ty).await;
            let table = super::super::node::link_fields(kind);
            for (name, _) in &fields {
                if BY_ID.contains(&name.as_str()) && name != "citations" {
                    assert!(
                        table.iter().any(|field| field.name == name),
                        "{ty}.{name} is missing from its type's LINK_FIELDS"
                    );
                }
            }
            for field in table {
                let name = field.name;
                let Some((_, returns)) = fields.iter().find(|(f, _)| f == name) else {
                    panic!("{ty} has no field {name}");
                };
                assert!(BY_ID.contains(&name), "{ty}.{name} is not read by id");
                let shows = if returns.ends_with("Link") {
                    Shows::Links
                } else {
                    Shows::Nodes
                };
                assert_eq!(field.shows, shows, "{ty}.{name} returns {returns}");
            }
        }
    }

    /// A citation's fields are served by its quote or need its source: a field added later
    /// must be placed before it ships.
    #[tokio::test]
    async fn every_field_of_a_citation_is_classified() {
        let schema = crate::graphql::build_schema();
        for (name, _) in fields(&schema, "Citation").await {
            assert!(
                QUOTED.contains(&name.as_str()) || name == "source",
                "Citation.{name} is in no list of graphql::types::detail"
            );
        }
    }

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
            for (name, _) in fields(&schema, ty).await {
                let name = name.as_str();
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
