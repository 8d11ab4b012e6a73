//! Ranking conditions by how well their symptoms match the symptoms someone reports.
//! Information for a person and their clinician, never a diagnosis: the GraphQL answer says so.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entity::sea_orm_active_enums::{NodeKind, Predicate, TreatmentType};
use entity::{edge, node};
use sea_orm::{ActiveEnum as _, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::links::{self, Cites, Detail, Direction};
use super::search::{self, SearchQuery};
use super::sql;
use crate::domain::{DomainError, Visibility};

/// Most symptoms one ranking takes.
pub const MAX_SYMPTOMS: usize = 20;
/// Most symptoms a text is read as.
const TEXT_SYMPTOMS: u64 = 5;

/// A link and the node at its far end.
pub type Linked = (edge::Model, node::Model);

fn pair(link: links::Linked) -> Linked {
    (link.edge, link.other)
}

/// One ranked condition.
#[derive(Debug)]
pub struct Ranked {
    pub condition: node::Model,
    /// Share of the reported and the condition's symptoms that agree (Jaccard index, 0–1].
    pub score: f64,
    /// The condition's links to reported symptoms.
    pub matched: Vec<Linked>,
    /// The condition's symptoms that were not reported.
    pub unmatched: Vec<node::Model>,
    /// When to seek help: links to professional care (diagnostic treatments) of the condition
    /// and of its broader conditions, each with the condition it is stated for.
    pub care: Vec<(node::Model, Linked)>,
}

/// The symptoms as understood, and the conditions ranked.
#[derive(Debug)]
pub struct Ranking {
    pub symptoms: Vec<node::Model>,
    pub results: Vec<Ranked>,
}

/// Conditions sharing at least one of the reported symptoms (by id, or read from `text`),
/// best match first.
pub async fn rank_conditions(
    db: &impl ConnectionTrait,
    symptom_ids: &[Uuid],
    text: Option<&str>,
    limit: usize,
    vis: Visibility,
) -> Result<Ranking, DomainError> {
    if symptom_ids.is_empty() && text.is_none() {
        return Err(DomainError::invalid(
            "symptoms",
            "give symptom ids, a text describing the symptoms, or both",
        ));
    }
    if symptom_ids.len() > MAX_SYMPTOMS {
        return Err(DomainError::invalid(
            "symptoms",
            format!(
                "at most {MAX_SYMPTOMS} symptoms (got {})",
                symptom_ids.len()
            ),
        ));
    }
    let mut symptoms = given_symptoms(db, symptom_ids, vis).await?;
    if let Some(text) = text {
        let query = SearchQuery::new(text, vec![NodeKind::Symptom], vis)?;
        let (_, hits) = search::first_page(db, &query, TEXT_SYMPTOMS).await?;
        for hit in hits {
            if !symptoms.iter().any(|s| s.id == hit.node.id) {
                symptoms.push(hit.node);
            }
        }
    }
    let reported: BTreeSet<Uuid> = symptoms.iter().map(|s| s.id).collect();
    if reported.is_empty() {
        return Ok(Ranking {
            symptoms,
            results: Vec::new(),
        });
    }

    let ids: Vec<Uuid> = reported.iter().copied().collect();
    let candidates: BTreeSet<Uuid> = links::of_nodes(
        db,
        &ids,
        Direction::In,
        &[Predicate::HasSymptom],
        vis,
        // Only the links' relations and the conditions' ids are read.
        Detail::Listing,
        Cites::No,
        None,
    )
    .await?
    .near
    .into_iter()
    .map(pair)
    .filter(|(e, n)| {
        e.predicate == Predicate::HasSymptom && !e.negated && n.kind == NodeKind::Condition
    })
    .map(|(_, n)| n.id)
    .collect();
    let candidate_ids: Vec<Uuid> = candidates.iter().copied().collect();
    let out = links::of_nodes(
        db,
        &candidate_ids,
        Direction::Out,
        &[
            Predicate::HasSymptom,
            Predicate::SubclassOf,
            Predicate::TreatedBy,
        ],
        vis,
        Detail::Full,
        Cites::No,
        None,
    )
    .await?
    .near
    .into_iter()
    .map(pair)
    .collect::<Vec<_>>();
    let broader: BTreeSet<Uuid> = out
        .iter()
        .filter(|(e, _)| e.predicate == Predicate::SubclassOf && !e.negated)
        .map(|(_, n)| n.id)
        .collect();
    let broader_ids: Vec<Uuid> = broader.difference(&candidates).copied().collect();
    let broader_out = links::of_nodes(
        db,
        &broader_ids,
        Direction::Out,
        &[Predicate::TreatedBy],
        vis,
        Detail::Full,
        Cites::No,
        None,
    )
    .await?
    .near
    .into_iter()
    .map(pair);
    let conditions: HashMap<Uuid, node::Model> = node::Entity::find()
        .filter(sql::one_of(
            db.get_database_backend(),
            node::Column::Id,
            &candidates
                .iter()
                .chain(&broader_ids)
                .copied()
                .collect::<Vec<_>>(),
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();

    let mut by_subject: BTreeMap<Uuid, Vec<Linked>> = BTreeMap::new();
    for (e, n) in out.into_iter().chain(broader_out) {
        by_subject.entry(e.subject_id).or_default().push((e, n));
    }
    let mut results: Vec<Ranked> = candidates
        .iter()
        .filter_map(|id| conditions.get(id))
        .map(|condition| rank_one(condition, &reported, &by_subject, &conditions))
        .collect();
    results.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.matched.len().cmp(&a.matched.len()))
            .then(a.condition.name.cmp(&b.condition.name))
    });
    results.truncate(limit);
    Ok(Ranking { symptoms, results })
}

fn rank_one(
    condition: &node::Model,
    reported: &BTreeSet<Uuid>,
    by_subject: &BTreeMap<Uuid, Vec<Linked>>,
    conditions: &HashMap<Uuid, node::Model>,
) -> Ranked {
    let own = by_subject
        .get(&condition.id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let symptom_links = own.iter().filter(|(e, n)| {
        e.predicate == Predicate::HasSymptom && !e.negated && n.kind == NodeKind::Symptom
    });
    let (matched, unmatched): (Vec<&Linked>, Vec<&Linked>) =
        symptom_links.partition(|(_, n)| reported.contains(&n.id));
    let union = reported.len() + unmatched.len();
    let score = matched.len() as f64 / union.max(1) as f64;

    let mut care = Vec::new();
    let mut stated_for = vec![condition.id];
    stated_for.extend(
        own.iter()
            .filter(|(e, _)| e.predicate == Predicate::SubclassOf && !e.negated)
            .map(|(_, n)| n.id),
    );
    for holder in stated_for {
        let Some(holder_node) = conditions.get(&holder) else {
            continue;
        };
        for (e, n) in by_subject
            .get(&holder)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if e.predicate == Predicate::TreatedBy
                && !e.negated
                && n.treatment_type == Some(TreatmentType::Diagnostic)
            {
                care.push((holder_node.clone(), (e.clone(), n.clone())));
            }
        }
    }
    Ranked {
        condition: condition.clone(),
        score,
        matched: matched.into_iter().cloned().collect(),
        unmatched: unmatched.into_iter().map(|(_, n)| n.clone()).collect(),
        care,
    }
}

/// The given ids as visible symptoms: NOT_FOUND for an unknown one, BAD_USER_INPUT for a node
/// that is no symptom.
async fn given_symptoms(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    vis: Visibility,
) -> Result<Vec<node::Model>, DomainError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: HashMap<Uuid, node::Model> = super::nodes::visible(
        node::Entity::find().filter(sql::one_of(
            db.get_database_backend(),
            node::Column::Id,
            ids,
        )),
        vis,
    )
    .all(db)
    .await?
    .into_iter()
    .map(|n| (n.id, n))
    .collect();
    let mut out: Vec<node::Model> = Vec::new();
    for id in ids {
        let node = found.get(id).ok_or_else(|| DomainError::NotFound {
            what: format!("symptom {id}"),
        })?;
        if node.kind != NodeKind::Symptom {
            return Err(DomainError::invalid(
                "symptoms",
                format!(
                    "{id} is a {} ({}), not a symptom",
                    node.kind.to_value(),
                    node.slug
                ),
            ));
        }
        if !out.iter().any(|s| s.id == *id) {
            out.push(node.clone());
        }
    }
    Ok(out)
}
