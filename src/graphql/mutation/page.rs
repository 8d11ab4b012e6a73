//! `savePage`: a node with its links, far-end nodes and citations in one transaction;
//! `revertChangeSet`: undo such a save as one.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, OneofObject, Result, SimpleObject};

use super::content::{CitationInput, CreateNodeInput, UpdateNodeInput, citations};
use super::link::{LinkAttributesInput, UpdateLinkInput, with_ends};
use super::{gql, uuid};
use crate::domain::rules::auth::Permission;
use crate::domain::rules::validate::Slug;
use crate::domain::service::page::{
    self, Direction, End, LinkRemoval, LinkUpdate, NewPageLink, PageEdit, PageNode,
};
use crate::domain::service::{change_set, tx};
use crate::graphql::context::state;
use crate::graphql::error::bad_input;
use crate::graphql::types::{AuditEvent, Link, Node, Predicate};

/// The page's own node: a new one, or changes to one that exists.
#[derive(OneofObject)]
pub(crate) enum PageNodeInput {
    /// A new node (DRAFT), with its citations.
    Create(CreateNodeInput),
    /// Changes to an existing node (the version you read), and citations to add.
    Update(PageNodeUpdateInput),
}

/// Changes to the page's existing node.
#[derive(InputObject)]
pub(crate) struct PageNodeUpdateInput {
    #[graphql(flatten)]
    pub change: UpdateNodeInput,
    /// Passages to add to the node's citations.
    #[graphql(default)]
    pub add_citations: Vec<CitationInput>,
}

/// Which way a new link points from the page's node.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkDirection {
    /// The page's node is the subject: `page predicate other`.
    Outgoing,
    /// The page's node is the object: `other predicate page`.
    Incoming,
}

/// A new link between the page's node and another node.
#[derive(InputObject)]
pub(crate) struct PageLinkInput {
    /// The relation; the kinds of the two nodes must fit it.
    pub predicate: Predicate,
    /// Which end the page's node is.
    pub direction: LinkDirection,
    /// The other node by id …
    pub other_id: Option<ID>,
    /// … or by slug: a node that exists or one of `newNodes`.
    pub other_slug: Option<String>,
    #[graphql(flatten)]
    pub attributes: LinkAttributesInput,
    /// The passages the link rests on: at least one.
    pub citations: Vec<CitationInput>,
}

/// Changes to a link of the page, and citations to add to it.
#[derive(InputObject)]
pub(crate) struct PageLinkUpdateInput {
    #[graphql(flatten)]
    pub change: UpdateLinkInput,
    /// Passages to add to the link's citations.
    #[graphql(default)]
    pub add_citations: Vec<CitationInput>,
}

/// A link of the page to remove, at the version you read.
#[derive(InputObject)]
pub(crate) struct PageLinkRemovalInput {
    /// The link.
    pub id: ID,
    /// The version you read; a stale one is a CONFLICT.
    pub version: i32,
}

/// A whole page edit. Everything is written in one transaction or nothing is: the first
/// problem fails the call with an error whose `extensions.field` names the item by its path
/// in this input (`createLinks[3].citations[0].quote`).
#[derive(InputObject)]
pub(crate) struct PageInput {
    /// The page's node.
    pub node: PageNodeInput,
    /// Far-end nodes to create when no node has their slug yet; one that has it is left as it
    /// is. New links name them by `otherSlug`.
    #[graphql(default)]
    pub new_nodes: Vec<CreateNodeInput>,
    /// New links of the page's node.
    #[graphql(default)]
    pub create_links: Vec<PageLinkInput>,
    /// Changed links of the page's node.
    #[graphql(default)]
    pub update_links: Vec<PageLinkUpdateInput>,
    /// Links of the page's node to remove (removing a published one takes a reviewer).
    #[graphql(default)]
    pub remove_links: Vec<PageLinkRemovalInput>,
}

/// What `savePage` wrote.
#[derive(SimpleObject)]
pub(crate) struct SavedPage {
    /// Groups the save's audit events; `revertChangeSet` undoes them as one.
    change_set_id: ID,
    /// The page's node as saved.
    node: Node,
    /// The far-end nodes created.
    created_nodes: Vec<Node>,
    /// The links changed and created (changed first), with both ends.
    links: Vec<Link>,
    /// The ids of the links removed.
    removed_link_ids: Vec<ID>,
}

/// What `revertChangeSet` did.
#[derive(SimpleObject)]
pub(crate) struct RevertedChangeSet {
    /// The change set of the undo itself (it can be reverted in turn).
    change_set_id: ID,
    /// The undo's audit events, in the order they were undone (newest first).
    events: Vec<AuditEvent>,
}

fn edit_of(input: PageInput) -> Result<PageEdit> {
    let node = match input.node {
        PageNodeInput::Create(c) => PageNode::New(c.into_new("node.create.")?),
        PageNodeInput::Update(u) => {
            let (id, version, patch) = u.change.into_patch("node.update.")?;
            PageNode::Existing {
                id,
                version,
                patch,
                add_citations: citations("node.update.addCitations", &u.add_citations)?,
            }
        }
    };
    let new_nodes = input
        .new_nodes
        .into_iter()
        .enumerate()
        .map(|(i, n)| n.into_new(&format!("newNodes[{i}].")))
        .collect::<Result<_>>()?;
    let create_links = input
        .create_links
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let at = format!("createLinks[{i}]");
            let other = match (&l.other_id, l.other_slug) {
                (Some(id), None) => End::Id(uuid(&format!("{at}.otherId"), id)?),
                (None, Some(slug)) => {
                    End::Slug(gql(Slug::parse(&format!("{at}.otherSlug"), slug))?)
                }
                _ => {
                    return Err(bad_input(
                        &format!("{at}.otherId"),
                        "give the other node by otherId or by otherSlug, not both or neither",
                    ));
                }
            };
            Ok(NewPageLink {
                predicate: l.predicate.into(),
                other,
                direction: match l.direction {
                    LinkDirection::Outgoing => Direction::Outgoing,
                    LinkDirection::Incoming => Direction::Incoming,
                },
                attributes: l.attributes.into(),
                citations: citations(&format!("{at}.citations"), &l.citations)?,
            })
        })
        .collect::<Result<_>>()?;
    let update_links = input
        .update_links
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let at = format!("updateLinks[{i}].");
            let (id, version, patch) = u.change.into_patch(&at)?;
            Ok(LinkUpdate {
                id,
                version,
                patch,
                add_citations: citations(&format!("{at}addCitations"), &u.add_citations)?,
            })
        })
        .collect::<Result<_>>()?;
    let remove_links = input
        .remove_links
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(LinkRemoval {
                id: uuid(&format!("removeLinks[{i}].id"), &r.id)?,
                version: r.version,
            })
        })
        .collect::<Result<_>>()?;
    Ok(PageEdit {
        node,
        new_nodes,
        create_links,
        update_links,
        remove_links,
    })
}

#[derive(Default)]
pub struct PageMutation;

#[Object]
impl PageMutation {
    /// Saves a page in one transaction (editor or admin): the page's node, new far-end nodes,
    /// new, changed and removed links, and their citations, under the same rules as the single
    /// mutations (new content is a DRAFT; an edit of published content waits for review).
    /// All of it commits or none of it does; the audit events share one change set.
    async fn save_page(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The page edit.")] input: PageInput,
    ) -> Result<SavedPage> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let edit = edit_of(input)?;
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move {
                let saved = page::save(txn, &actor, edit).await?;
                let mut links = Vec::with_capacity(saved.links.len());
                for row in saved.links {
                    links.push(with_ends(txn, row).await?);
                }
                Ok(SavedPage {
                    change_set_id: ID(saved.change_set.to_string()),
                    node: Node::from(Arc::new(saved.node)),
                    created_nodes: saved
                        .created_nodes
                        .into_iter()
                        .map(|n| Node::from(Arc::new(n)))
                        .collect(),
                    links,
                    removed_link_ids: saved
                        .removed_links
                        .into_iter()
                        .map(|id| ID(id.to_string()))
                        .collect(),
                })
            })
        })
        .await)
    }

    /// Undoes every write of a change set (a saved page), newest first, in one transaction.
    /// Each write needs the role its own revert needs; refused, with nothing undone, when a
    /// later change touched one of its rows.
    async fn revert_change_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change set (`savePage`'s `changeSetId`).")] id: ID,
    ) -> Result<RevertedChangeSet> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let id = uuid("id", &id)?;
        let (undo, events) = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { change_set::revert(txn, &actor, id).await })
        })
        .await)?;
        Ok(RevertedChangeSet {
            change_set_id: ID(undo.to_string()),
            events: events.into_iter().map(AuditEvent).collect(),
        })
    }
}
