//! Saving a whole page in one transaction: a node (new or changed) with the links, far-end
//! nodes and citations around it. Every item goes through the same services and rules as the
//! single mutations (permissions, pending edits on published rows, validation, audit); the
//! first failure rolls everything back and names the item by its path in the input.
//!
//! The audit events of one save share a change set id, so the save can be reverted as one
//! (`change_set::revert`).

use entity::sea_orm_active_enums::Predicate;
use entity::{edge, node};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::citations::NewCitation;
use super::edge_write::{self, NewLink};
use super::node_write::{self, NewNode};
use super::source_write;
use crate::domain::DomainError;
use crate::domain::rules::auth::Actor;
use crate::domain::rules::content::{LinkAttributes, LinkPatch, NodePatch};
use crate::domain::rules::validate::Slug;

/// The page's own node.
#[derive(Clone, Debug)]
pub enum PageNode {
    New(NewNode),
    Existing {
        id: Uuid,
        version: i32,
        patch: NodePatch,
        add_citations: Vec<NewCitation>,
    },
}

/// The other end of a new link: a node by id, or by slug (one of `new_nodes` or one that
/// exists).
#[derive(Clone, Debug)]
pub enum End {
    Id(Uuid),
    Slug(Slug),
}

/// Which way a new link points from the page's node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The page's node is the subject: `page predicate other`.
    Outgoing,
    /// The page's node is the object: `other predicate page`.
    Incoming,
}

#[derive(Clone, Debug)]
pub struct NewPageLink {
    pub predicate: Predicate,
    pub other: End,
    pub direction: Direction,
    pub attributes: LinkAttributes,
    pub citations: Vec<NewCitation>,
}

#[derive(Clone, Debug)]
pub struct LinkUpdate {
    pub id: Uuid,
    pub version: i32,
    pub patch: LinkPatch,
    pub add_citations: Vec<NewCitation>,
}

#[derive(Clone, Debug)]
pub struct LinkRemoval {
    pub id: Uuid,
    pub version: i32,
}

/// A page edit, as the input names its parts (the paths of errors use these names).
#[derive(Clone, Debug)]
pub struct PageEdit {
    pub node: PageNode,
    /// Far-end nodes created when no node has their slug yet (one that has it is left alone).
    pub new_nodes: Vec<NewNode>,
    pub create_links: Vec<NewPageLink>,
    pub update_links: Vec<LinkUpdate>,
    pub remove_links: Vec<LinkRemoval>,
}

/// What a save wrote.
#[derive(Clone, Debug)]
pub struct Saved {
    pub change_set: Uuid,
    pub node: node::Model,
    pub created_nodes: Vec<node::Model>,
    /// The links created and updated, in the input's order (updates first).
    pub links: Vec<edge::Model>,
    pub removed_links: Vec<Uuid>,
}

/// Saves `edit` as one change set; run it inside one transaction (`tx::write`).
pub async fn save(
    db: &impl ConnectionTrait,
    actor: &Actor,
    edit: PageEdit,
) -> Result<Saved, DomainError> {
    let change_set = Uuid::now_v7();
    let actor = &actor.in_change_set(change_set);

    let mut created_nodes = Vec::new();
    for (i, new) in edit.new_nodes.into_iter().enumerate() {
        let at = format!("newNodes[{i}]");
        let exists = node::Entity::find()
            .filter(node::Column::Slug.eq(new.slug.as_str()))
            .one(db)
            .await?;
        if exists.is_none() {
            let row = node_write::create(db, actor, new)
                .await
                .map_err(|e| e.at(&at))?;
            created_nodes.push(row);
        }
    }

    let page = match edit.node {
        PageNode::New(new) => node_write::create(db, actor, new)
            .await
            .map_err(|e| e.at("node"))?,
        PageNode::Existing {
            id,
            version,
            patch,
            add_citations,
        } => {
            node_write::update(db, actor, id, version, patch)
                .await
                .map_err(|e| e.at("node"))?;
            for (i, c) in add_citations.into_iter().enumerate() {
                source_write::add_citation(db, actor, id, c)
                    .await
                    .map_err(|e| e.at(&format!("node.addCitations[{i}]")))?;
            }
            node::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| DomainError::NotFound {
                    what: format!("node {id}"),
                })?
        }
    };

    let mut removed_links = Vec::new();
    for (i, r) in edit.remove_links.into_iter().enumerate() {
        let at = format!("removeLinks[{i}]");
        own_link(db, page.id, r.id).await.map_err(|e| e.at(&at))?;
        edge_write::delete(db, actor, r.id, r.version)
            .await
            .map_err(|e| e.at(&at))?;
        removed_links.push(r.id);
    }

    let mut links = Vec::new();
    for (i, u) in edit.update_links.into_iter().enumerate() {
        let at = format!("updateLinks[{i}]");
        own_link(db, page.id, u.id).await.map_err(|e| e.at(&at))?;
        edge_write::update(db, actor, u.id, u.version, u.patch)
            .await
            .map_err(|e| e.at(&at))?;
        for (j, c) in u.add_citations.into_iter().enumerate() {
            source_write::add_citation(db, actor, u.id, c)
                .await
                .map_err(|e| e.at(&format!("{at}.addCitations[{j}]")))?;
        }
        let row = edge::Entity::find_by_id(u.id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::NotFound {
                what: format!("link {}", u.id),
            })?;
        links.push(row);
    }

    for (i, l) in edit.create_links.into_iter().enumerate() {
        let at = format!("createLinks[{i}]");
        let other = resolve(db, &l.other).await.map_err(|e| e.at(&at))?;
        let (subject_id, object_id) = match l.direction {
            Direction::Outgoing => (page.id, other),
            Direction::Incoming => (other, page.id),
        };
        let row = edge_write::create(
            db,
            actor,
            NewLink {
                subject_id,
                predicate: l.predicate,
                object_id,
                attributes: l.attributes,
                citations: l.citations,
            },
        )
        .await
        .map_err(|e| e.at(&at))?;
        links.push(row);
    }

    Ok(Saved {
        change_set,
        node: page,
        created_nodes,
        links,
        removed_links,
    })
}

/// INVALID unless link `id` has the page's node at one of its ends: a page edit changes its
/// own links only.
async fn own_link(db: &impl ConnectionTrait, page: Uuid, id: Uuid) -> Result<(), DomainError> {
    let link =
        edge::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::NotFound {
                what: format!("link {id}"),
            })?;
    if link.subject_id != page && link.object_id != page {
        return Err(DomainError::invalid(
            "id",
            format!("link {id} is not a link of this page's node"),
        ));
    }
    Ok(())
}

async fn resolve(db: &impl ConnectionTrait, end: &End) -> Result<Uuid, DomainError> {
    match end {
        End::Id(id) => Ok(*id),
        End::Slug(slug) => node::Entity::find()
            .filter(node::Column::Slug.eq(slug.as_str()))
            .one(db)
            .await?
            .map(|n| n.id)
            .ok_or_else(|| {
                DomainError::invalid(
                    "otherSlug",
                    format!("no node has the slug {slug:?} (add it to newNodes to create it)"),
                )
            }),
    }
}
