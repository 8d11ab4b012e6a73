//! `codeLookup`: nodes by the clinical codes an EHR holds.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, SimpleObject};

use crate::domain::rules::coding::{Code, LOOKUP_MAX};
use crate::domain::service::codes::{self, Found};
use crate::graphql::context::state;
use crate::graphql::error::bad_input;
use crate::graphql::mutation::gql;
use crate::graphql::types::{Coding, CodingInput, Node};

#[derive(Default)]
pub struct CodeQuery;

/// A node found for an asked code.
#[derive(SimpleObject)]
pub(crate) struct CodeMatch {
    /// The node.
    node: Node,
    /// The node's coding that matched: the asked code itself, or the ancestor it rolled up to.
    via: Coding,
    /// The asked code, when nothing carried it and the match is its nearest ICD-10-CM
    /// ancestor (asked M48.062, found by M48.06); `null` for a match of the code itself.
    rolled_up_from: Option<String>,
}

/// The answer for one asked code.
#[derive(SimpleObject)]
pub(crate) struct CodeLookupResult {
    /// The asked code's system, as a canonical URI (an OID asked is answered by its URI).
    system: String,
    /// The asked code, in its system's normal form.
    code: String,
    /// The display text the caller sent, if any.
    display: Option<String>,
    /// The published nodes that carry the code (or its nearest ancestor), those whose coding
    /// matches exactly first; empty when nothing does.
    matches: Vec<CodeMatch>,
}

#[Object]
impl CodeQuery {
    /// The nodes that carry each of `codings`, one result per asked coding in the order
    /// asked. For ICD-10-CM, when no node carries a code, its nearest ancestor by the code's
    /// hierarchy answers (M48.062 → M48.06 → M48.0 → M48) and `rolledUpFrom` says so. Systems
    /// are canonical URIs or HL7 OIDs (`2.16.840.1.113883.6.90` ICD-10-CM,
    /// `2.16.840.1.113883.6.96` SNOMED CT, `2.16.840.1.113883.6.88` RxNorm,
    /// `2.16.840.1.113883.6.1` LOINC). An unknown code has no matches; a malformed one is
    /// BAD_USER_INPUT naming it.
    async fn code_lookup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The codes to look up (at most 100).")] codings: Vec<CodingInput>,
    ) -> Result<Vec<CodeLookupResult>> {
        if codings.len() > LOOKUP_MAX {
            return Err(bad_input(
                "codings",
                format!(
                    "at most {LOOKUP_MAX} codings per lookup, not {}",
                    codings.len()
                ),
            ));
        }
        let asked = codings
            .iter()
            .enumerate()
            .map(|(i, c)| gql(Code::parse(&format!("codings[{i}]"), &c.system, &c.code)))
            .collect::<Result<Vec<_>>>()?;
        let state = state(ctx)?;
        let found = gql(codes::lookup(&state.db, &asked, state.visibility()).await)?;
        Ok(asked
            .into_iter()
            .zip(codings)
            .zip(found)
            .map(|((code, input), found)| CodeLookupResult {
                system: code.system,
                code: code.code,
                display: input.display,
                matches: found.into_iter().map(code_match).collect(),
            })
            .collect())
    }
}

fn code_match(f: Found) -> CodeMatch {
    CodeMatch {
        node: Node::from(Arc::new(f.node)),
        via: f.via.into(),
        rolled_up_from: f.rolled_up_from,
    }
}
