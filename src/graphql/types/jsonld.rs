//! `Condition.jsonLd`: the condition's schema.org document, gathered through the request's
//! DataLoaders so a list of conditions costs the same statements as one.

use std::collections::HashMap;

use async_graphql::{Context, Json, Result};
use entity::node;
use entity::sea_orm_active_enums::Predicate as P;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::service::links::{Cites, Detail, Direction};
use crate::graphql::context::state;
use crate::graphql::error::from_load;
use crate::graphql::loaders::{CitedBy, LinkKey, LinkRow, Onward};
use crate::jsonld::{ConditionGraph, Linked};

/// The condition's links the document maps.
const OUTGOING: &[P] = &[
    P::HasSymptom,
    P::CausedBy,
    P::HasRiskFactor,
    P::TreatedBy,
    P::DifferentialOf,
];
/// Links of the linked nodes: treatments' risks, and what risks may lead to.
const ONWARD: &[P] = &[P::HasAdverseRisk, P::MayLeadTo];

fn pairs(rows: &[LinkRow]) -> Vec<Linked<'_>> {
    rows.iter().map(|r| (&*r.edge, &*r.other)).collect()
}

async fn links_of(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = Uuid>,
    dir: Direction,
    predicates: &[P],
) -> Result<HashMap<Uuid, Vec<LinkRow>>> {
    let keys: Vec<LinkKey> = ids
        .into_iter()
        .flat_map(|node| {
            predicates.iter().map(move |&predicate| LinkKey {
                node,
                dir,
                predicate,
                // JSON-LD writes the far ends' codings and synonyms.
                detail: Detail::Full,
                cites: Cites::No,
                onward: Onward::default(),
            })
        })
        .collect();
    let loaded = state(ctx)?
        .links()
        .load_many(keys)
        .await
        .map_err(from_load)?;
    let mut by_node: HashMap<Uuid, Vec<LinkRow>> = HashMap::new();
    for (key, rows) in loaded {
        by_node
            .entry(key.node)
            .or_default()
            .extend(rows.iter().cloned());
    }
    Ok(by_node)
}

pub(crate) async fn condition_json_ld(
    ctx: &Context<'_>,
    condition: &node::Model,
) -> Result<Json<Value>> {
    let id = condition.id;
    let outgoing = links_of(ctx, [id], Direction::Out, OUTGOING)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let incoming = links_of(ctx, [id], Direction::In, &[P::DifferentialOf])
        .await?
        .remove(&id)
        .unwrap_or_default();
    // Two more levels: treatments' risks, then what those risks and the risk factors lead to.
    let first: Vec<Uuid> = outgoing.iter().map(|r| r.other.id).collect();
    let mut onward = links_of(ctx, first, Direction::Out, ONWARD).await?;
    let second: Vec<Uuid> = onward
        .values()
        .flatten()
        .map(|r| r.other.id)
        .filter(|id| !onward.contains_key(id))
        .collect();
    onward.extend(links_of(ctx, second, Direction::Out, ONWARD).await?);
    let citations = state(ctx)?
        .citations()
        .load_one(CitedBy::Node(id))
        .await
        .map_err(from_load)?
        .unwrap_or_default();
    let mut sources = Vec::new();
    for row in citations.iter() {
        if !sources
            .iter()
            .any(|s: &&entity::source::Model| s.id == row.source.id)
        {
            sources.push(&*row.source);
        }
    }
    let graph = ConditionGraph {
        condition,
        outgoing: pairs(&outgoing),
        incoming: pairs(&incoming),
        onward: onward.iter().map(|(k, rows)| (*k, pairs(rows))).collect(),
        sources,
    };
    Ok(Json(graph.document()))
}
