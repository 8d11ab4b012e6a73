//! `Coding`: a clinical code on a node, as FHIR writes one, and the inputs that write and look
//! them up.

use async_graphql::{Enum, InputObject, SimpleObject};

use crate::domain::rules::coding::{self, CodingSource as StoredSource};
use crate::graphql::mutation::gql;

/// How a code relates to the node that carries it.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::rules::coding::Match")]
pub(crate) enum CodingMatch {
    /// The code means what the node means.
    Exact,
    /// The code is broader than the node: the node is one case of it (back pain after
    /// giving birth is one case of ICD-10-CM's low back pain).
    Broader,
    /// The code is narrower than the node: one case of what the node means.
    Narrower,
}

/// Where a coding was confirmed.
#[derive(SimpleObject, Clone)]
pub(crate) struct CodingSource {
    /// The code table's name and edition, e.g. "CMS ICD-10-CM 2026 code tables".
    name: String,
    /// Where the table is published.
    url: Option<String>,
}

/// A code of a code system that stands for a node (FHIR `Coding`).
#[derive(SimpleObject, Clone)]
pub(crate) struct Coding {
    /// The code system's canonical URI: `http://hl7.org/fhir/sid/icd-10-cm`,
    /// `http://snomed.info/sct`, `http://www.nlm.nih.gov/research/umls/rxnorm`,
    /// `http://loinc.org`, or another system's URI.
    system: String,
    /// The code, in the system's normal form (ICD-10-CM with its dot: `M48.062`).
    code: String,
    /// The code's display text in its table.
    display: Option<String>,
    /// How the code relates to the node.
    #[graphql(name = "match")]
    match_: CodingMatch,
    /// Where the coding was confirmed.
    source: CodingSource,
}

impl From<coding::Coding> for Coding {
    fn from(c: coding::Coding) -> Self {
        Self {
            system: c.system,
            code: c.code,
            display: c.display,
            match_: c.match_.into(),
            source: CodingSource {
                name: c.source.name,
                url: c.source.url,
            },
        }
    }
}

/// Where a coding was confirmed.
#[derive(InputObject, Clone)]
pub(crate) struct CodingSourceInput {
    /// The code table's name and edition.
    pub name: String,
    /// Where the table is published (http or https).
    pub url: Option<String>,
}

/// A coding to put on a node.
#[derive(InputObject, Clone)]
pub(crate) struct NodeCodingInput {
    /// A code system's canonical URI or its HL7 OID (`2.16.840.1.113883.6.90` is ICD-10-CM).
    pub system: String,
    /// The code. ICD-10-CM may come without its dot (`M48062`).
    pub code: String,
    /// The code's display text in its table.
    pub display: Option<String>,
    /// How the code relates to the node.
    #[graphql(name = "match")]
    pub match_: CodingMatch,
    /// Where you confirmed the code.
    pub source: CodingSourceInput,
}

/// Checks the codings of a node input; `field` names the list in errors.
pub(crate) fn parse_codings(
    field: &str,
    input: Vec<NodeCodingInput>,
) -> async_graphql::Result<Vec<coding::Coding>> {
    let codings = input
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            gql(coding::Coding::parse(
                &format!("{field}[{i}]"),
                &c.system,
                &c.code,
                c.display.as_deref(),
                c.match_.into(),
                StoredSource {
                    name: c.source.name,
                    url: c.source.url,
                },
            ))
        })
        .collect::<async_graphql::Result<Vec<_>>>()?;
    gql(coding::check_list(field, &codings))?;
    Ok(codings)
}

/// A code to look up, as an EHR holds it.
#[derive(InputObject, Clone)]
pub(crate) struct CodingInput {
    /// A code system's canonical URI or its HL7 OID.
    pub system: String,
    /// The code.
    pub code: String,
    /// The code's display text, as the EHR shows it (not used for matching).
    pub display: Option<String>,
}
