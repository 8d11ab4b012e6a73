//! `Condition.jsonLd`: the condition's schema.org document, gathered through the request's
//! DataLoaders so a list of conditions costs the same statements as one.

use std::collections::HashMap;

use async_graphql::{Context, Json, Result};
use entity::node;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::service::links::Direction;
use crate::graphql::context::state;
use crate::graphql::error::from_load;
use crate::graphql::loaders::{CitedBy, LinkKey, LinkRow};
use crate::jsonld::{ConditionGraph, Linked};

fn pairs(rows: &[LinkRow]) -> Vec<Linked<'_>> {
    rows.iter().map(|r| (&*r.edge, &*r.other)).collect()
}

async fn links_of(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = Uuid>,
    dir: Direction,
) -> Result<HashMap<Uuid, Vec<LinkRow>>> {
    let keys = ids.into_iter().map(|node| LinkKey { node, dir });
    let loaded = state(ctx)?
        .links()
        .load_many(keys)
        .await
        .map_err(from_load)?;
    Ok(loaded
        .into_iter()
        .map(|(key, rows)| (key.node, rows.to_vec()))
        .collect())
}

pub(crate) async fn condition_json_ld(
    ctx: &Context<'_>,
    condition: &node::Model,
) -> Result<Json<Value>> {
    let id = condition.id;
    let outgoing = links_of(ctx, [id], Direction::Out)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let incoming = links_of(ctx, [id], Direction::In)
        .await?
        .remove(&id)
        .unwrap_or_default();
    // Two more levels: treatments' risks, then what those risks and the risk factors lead to.
    let first: Vec<Uuid> = outgoing.iter().map(|r| r.other.id).collect();
    let mut onward = links_of(ctx, first, Direction::Out).await?;
    let second: Vec<Uuid> = onward
        .values()
        .flatten()
        .map(|r| r.other.id)
        .filter(|id| !onward.contains_key(id))
        .collect();
    onward.extend(links_of(ctx, second, Direction::Out).await?);
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
