//! Creating, changing and deleting nodes.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::{gql, uuid};
use crate::domain::rules::auth::Permission;
use crate::domain::rules::content::{NodeContent, NodePatch};
use crate::domain::rules::validate::{Quote, Slug};
use crate::domain::service::citations::NewCitation;
use crate::domain::service::node_write::{self, NewNode};
use crate::domain::service::tx;
use crate::graphql::context::state;
use crate::graphql::types::{Node, NodeCodingInput, NodeKind, TreatmentType, parse_codings};

/// A passage of a source that backs a node or a link.
#[derive(InputObject, Clone)]
pub(crate) struct CitationInput {
    /// Id of the source (see `sources`).
    pub source_id: ID,
    /// The exact words of the source; checked against its text when caregraph holds it.
    pub quote: String,
}

pub(crate) fn citations(field: &str, input: &[CitationInput]) -> Result<Vec<NewCitation>> {
    input
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(NewCitation {
                source_id: uuid(&format!("{field}[{i}].sourceId"), &c.source_id)?,
                quote: gql(Quote::parse(
                    &format!("{field}[{i}].quote"),
                    c.quote.clone(),
                ))?,
            })
        })
        .collect()
}

/// A new node. It starts as a DRAFT, visible to content teams only.
#[derive(InputObject)]
pub(crate) struct CreateNodeInput {
    /// Which kind of node.
    pub kind: NodeKind,
    /// Stable handle: lowercase words joined by hyphens, unique across nodes.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Other names patients and clinicians use.
    #[graphql(default)]
    pub synonyms: Vec<String>,
    /// A short plain-language description.
    pub summary: Option<String>,
    /// For treatments: what kind of intervention.
    pub treatment_type: Option<TreatmentType>,
    /// Clinical codes for the node (ICD-10-CM, SNOMED CT, RxNorm, LOINC…), each with how it
    /// relates to the node and where it was confirmed.
    #[graphql(default)]
    pub codings: Vec<NodeCodingInput>,
    /// The passages the node rests on: at least one.
    pub citations: Vec<CitationInput>,
}

/// A change to a node. Omitted fields stay as they are; `null` clears an optional one. On a
/// published node the change waits for review as a pending edit.
#[derive(InputObject)]
pub(crate) struct UpdateNodeInput {
    /// The node.
    pub id: ID,
    /// The version you read; a stale one is a CONFLICT.
    pub version: i32,
    /// New slug (only before the node is first published).
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New synonyms (replacing the old ones).
    pub synonyms: Option<Vec<String>>,
    /// New summary.
    pub summary: MaybeUndefined<String>,
    /// New treatment type.
    pub treatment_type: MaybeUndefined<TreatmentType>,
    /// New codings, replacing the whole list (`[]` removes them all).
    pub codings: Option<Vec<NodeCodingInput>>,
}

impl CreateNodeInput {
    /// The node to create; `at` prefixes the field names of errors (`newNodes[2].`).
    pub(crate) fn into_new(self, at: &str) -> Result<NewNode> {
        Ok(NewNode {
            kind: self.kind.into(),
            slug: gql(Slug::parse(&format!("{at}slug"), self.slug))?,
            citations: citations(&format!("{at}citations"), &self.citations)?,
            content: NodeContent {
                name: self.name,
                synonyms: self.synonyms,
                summary: self.summary,
                treatment_type: self.treatment_type.map(Into::into),
                codings: parse_codings(&format!("{at}codings"), self.codings)?,
            },
        })
    }
}

impl UpdateNodeInput {
    /// The node, the version read and the change; `at` prefixes the field names of errors.
    pub(crate) fn into_patch(self, at: &str) -> Result<(uuid::Uuid, i32, NodePatch)> {
        Ok((
            uuid(&format!("{at}id"), &self.id)?,
            self.version,
            NodePatch {
                slug: gql(self
                    .slug
                    .map(|s| Slug::parse(&format!("{at}slug"), s))
                    .transpose())?,
                name: self.name,
                synonyms: self.synonyms,
                summary: self.summary.into(),
                treatment_type: self.treatment_type.map_value(Into::into).into(),
                codings: self
                    .codings
                    .map(|c| parse_codings(&format!("{at}codings"), c))
                    .transpose()?,
            },
        ))
    }
}

#[derive(Default)]
pub struct NodeMutation;

#[Object]
impl NodeMutation {
    /// Creates a node as a DRAFT with its citations (editor or admin).
    async fn create_node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new node.")] input: CreateNodeInput,
    ) -> Result<Node> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let new = input.into_new("")?;
        let row = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { node_write::create(txn, &actor, new).await })
        })
        .await)?;
        Ok(Node::from(Arc::new(row)))
    }

    /// Changes a node (editor or admin). On published content the change is a pending edit:
    /// readers keep seeing the published text until a reviewer publishes it.
    async fn update_node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: UpdateNodeInput,
    ) -> Result<Node> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let (id, version, p) = input.into_patch("")?;
        let row = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { node_write::update(txn, &actor, id, version, p).await })
        })
        .await)?;
        Ok(Node::from(Arc::new(row)))
    }

    /// Deletes a node with its links and citations (admin). Returns the deleted id. To take
    /// content away from readers but keep it, archive it instead.
    async fn delete_node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The node.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
    ) -> Result<ID> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Admin)?;
        let uid = uuid("id", &id)?;
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { node_write::delete(txn, &actor, uid, version).await })
        })
        .await)?;
        Ok(id)
    }
}
