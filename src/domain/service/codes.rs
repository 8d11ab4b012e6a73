//! Finding nodes by clinical code, as an EHR asks: many codes at once, each answered with the
//! nodes that carry it or, for ICD-10-CM, the nearest ancestor that some node carries.
//!
//! Two statements whatever the number of codes: one reads the `node_coding` index for every
//! code and ancestor asked, one reads the visible nodes it names.

use std::collections::{BTreeMap, HashMap};

use entity::node;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::nodes::visible;
use super::sql::Params;
use crate::domain::rules::coding::{self, Code, Coding, Match};
use crate::domain::{DomainError, Visibility};

/// A node found for an asked code.
#[derive(Clone, Debug)]
pub struct Found {
    pub node: node::Model,
    /// The node's coding that matched: the asked code, or the ancestor it rolled up to.
    pub via: Coding,
    /// The asked code, when the match is one of its ancestors.
    pub rolled_up_from: Option<String>,
}

/// The nodes found for each of `asked`, in the order asked: nodes carrying the code itself,
/// else (ICD-10-CM) those carrying its nearest ancestor; none for an unknown code. Within one
/// answer, nodes whose coding matches exactly come first, then by name.
pub async fn lookup(
    db: &impl ConnectionTrait,
    asked: &[Code],
    vis: Visibility,
) -> Result<Vec<Vec<Found>>, DomainError> {
    let mut wanted: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for code in asked {
        wanted
            .entry(code.system.as_str())
            .or_default()
            .extend(code.with_ancestors());
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let carriers = carriers(db, &wanted).await?;
    let ids: Vec<Uuid> = carriers.values().flatten().copied().collect();
    let nodes: HashMap<Uuid, node::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        visible(node::Entity::find(), vis)
            .filter(node::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|n| (n.id, n))
            .collect()
    };
    Ok(asked
        .iter()
        .map(|code| answer(code, &carriers, &nodes))
        .collect())
}

/// Node ids by (system, code), for every code in `wanted`, from the index.
async fn carriers(
    db: &impl ConnectionTrait,
    wanted: &BTreeMap<&str, Vec<String>>,
) -> Result<HashMap<(String, String), Vec<Uuid>>, DomainError> {
    let mut p = Params::new(db.get_database_backend());
    let clauses: Vec<String> = wanted
        .iter()
        .map(|(system, codes)| {
            let system = p.bind(*system);
            let codes = p.bind_all(codes.iter().cloned());
            format!("(system = {system} AND code IN ({codes}))")
        })
        .collect();
    let sql = format!(
        "SELECT system, code, node_id FROM node_coding WHERE {}",
        clauses.join(" OR ")
    );
    let mut out: HashMap<(String, String), Vec<Uuid>> = HashMap::new();
    for row in db.query_all_raw(p.statement(sql)).await? {
        let system: String = row.try_get("", "system")?;
        let code: String = row.try_get("", "code")?;
        let id: Uuid = row.try_get("", "node_id")?;
        out.entry((system, code)).or_default().push(id);
    }
    Ok(out)
}

fn answer(
    code: &Code,
    carriers: &HashMap<(String, String), Vec<Uuid>>,
    nodes: &HashMap<Uuid, node::Model>,
) -> Vec<Found> {
    for candidate in code.with_ancestors() {
        let key = (code.system.clone(), candidate);
        let mut found: Vec<Found> = carriers
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|id| nodes.get(id))
            .filter_map(|node| {
                let via = coding::of_node(node)
                    .into_iter()
                    .find(|c| c.system == key.0 && c.code == key.1)?;
                Some(Found {
                    node: node.clone(),
                    via,
                    rolled_up_from: (key.1 != code.code).then(|| code.code.clone()),
                })
            })
            .collect();
        if !found.is_empty() {
            found.sort_by(|a, b| {
                (a.via.match_ != Match::Exact, &a.node.name, a.node.id).cmp(&(
                    b.via.match_ != Match::Exact,
                    &b.node.name,
                    b.node.id,
                ))
            });
            return found;
        }
    }
    Vec::new()
}
