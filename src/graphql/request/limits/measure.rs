//! The shape of a parsed document: fields, aliases, depth, root fields and directives, every
//! fragment counted where it is spread and measured once; and the limits on that shape.

use std::collections::HashMap;

use async_graphql::ServerError;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use super::{RequestLimits, limit, limit_exceeded};
use crate::graphql::error::code;

/// The root fields that introspect the schema.
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// The fields of `__Type` that list its members, each of which leads to types again: the
/// schema's cycles run through them.
const MEMBER_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

/// Most member lists one introspection path may nest: a type's members, then the members of
/// the types they hold. Every standard client nests one (`types { fields { type { ofType … } } }`);
/// a third lap only walks the schema's cycles again.
const MAX_MEMBER_LISTS: usize = 2;

impl RequestLimits {
    pub(super) fn check_shape(&self, shape: &Shape) -> Result<(), ServerError> {
        if shape.introspection_lists > MAX_MEMBER_LISTS {
            return Err(limit_exceeded(
                limit::INTROSPECTION_LISTS,
                MAX_MEMBER_LISTS,
                format!(
                    "the introspection lists members of types nested {} deep (fields, \
                     inputFields, interfaces, possibleTypes); at most {MAX_MEMBER_LISTS} are \
                     accepted, deeper only walks the schema's cycles (limit \
                     introspectionLists)",
                    shape.introspection_lists
                ),
            ));
        }
        let over = |limit: &str, max: usize, found: usize, what: &str| {
            limit_exceeded(
                limit,
                max,
                format!("the query {what} {found}; at most {max} are accepted (limit {limit})"),
            )
        };
        if shape.depth > self.depth {
            return Err(limit_exceeded(
                limit::DEPTH,
                self.depth,
                format!(
                    "the query nests fields {} deep; at most {} levels are accepted (limit depth)",
                    shape.depth, self.depth
                ),
            ));
        }
        if shape.fields > self.complexity {
            return Err(limit_exceeded(
                limit::COMPLEXITY,
                self.complexity,
                format!(
                    "the query costs {}{} (one per field selected, fragments counted where \
                     spread); at most {} is accepted (limit complexity)",
                    if shape.fields == usize::MAX {
                        "more than "
                    } else {
                        ""
                    },
                    if shape.fields == usize::MAX {
                        self.complexity
                    } else {
                        shape.fields
                    },
                    self.complexity
                ),
            ));
        }
        if shape.aliases > self.aliases {
            return Err(over(
                limit::ALIASES,
                self.aliases,
                shape.aliases,
                "has aliased fields:",
            ));
        }
        if shape.top > self.root_fields {
            return Err(over(
                limit::ROOT_FIELDS,
                self.root_fields,
                shape.top,
                "selects root fields:",
            ));
        }
        Ok(())
    }
}

/// What a selection set asks for, fragments counted where spread. Counts saturate.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Shape {
    /// Fields selected, at every level.
    fields: usize,
    /// Aliased fields, at every level.
    aliases: usize,
    /// Deepest field nesting.
    depth: usize,
    /// Fields at the top level.
    top: usize,
    /// True when a field is `__schema` or `__type` (valid at the top level only).
    pub(super) introspects: bool,
    /// Most member lists (see [`MEMBER_LISTS`]) nested along one path.
    member_lists: usize,
    /// The same, under `__schema` and `__type`.
    introspection_lists: usize,
}

impl Shape {
    /// Adds a spread fragment or an inline fragment: its fields sit at this level.
    fn add_inline(&mut self, other: &Shape) {
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.depth = self.depth.max(other.depth);
        self.top = self.top.saturating_add(other.top);
        self.introspects |= other.introspects;
        self.member_lists = self.member_lists.max(other.member_lists);
        self.introspection_lists = self.introspection_lists.max(other.introspection_lists);
    }
}

/// Measures selection sets, each fragment once.
pub(super) struct Measure<'a> {
    doc: &'a ExecutableDocument,
    measured: HashMap<&'a str, Shape>,
    /// Fragments being measured, to refuse a fragment that spreads itself.
    open: Vec<&'a str>,
}

impl<'a> Measure<'a> {
    pub(super) fn new(doc: &'a ExecutableDocument) -> Self {
        Self {
            doc,
            measured: HashMap::new(),
            open: Vec::new(),
        }
    }

    pub(super) fn selection_set(&mut self, set: &'a SelectionSet) -> Result<Shape, ServerError> {
        let mut shape = Shape::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let introspects = INTROSPECTION_FIELDS.contains(&name);
                    let mut inner = self.selection_set(&field.selection_set.node)?;
                    let lists = inner
                        .member_lists
                        .saturating_add(usize::from(MEMBER_LISTS.contains(&name)));
                    shape.member_lists = shape.member_lists.max(lists);
                    if introspects {
                        // Bounded by its answer and its cycles, not by the data limits.
                        shape.introspection_lists =
                            shape.introspection_lists.max(inner.member_lists);
                        inner = Shape::default();
                    }
                    shape.fields = shape.fields.saturating_add(inner.fields).saturating_add(1);
                    shape.aliases = shape
                        .aliases
                        .saturating_add(inner.aliases)
                        .saturating_add(usize::from(field.alias.is_some()));
                    shape.depth = shape.depth.max(inner.depth.saturating_add(1));
                    shape.top = shape.top.saturating_add(1);
                    shape.introspects |= introspects;
                }
                Selection::FragmentSpread(spread) => {
                    let inner = self.fragment(spread.node.fragment_name.node.as_str())?;
                    shape.add_inline(&inner);
                }
                Selection::InlineFragment(inline) => {
                    let inner = self.selection_set(&inline.node.selection_set.node)?;
                    shape.add_inline(&inner);
                }
            }
        }
        Ok(shape)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Shape, ServerError> {
        if let Some(shape) = self.measured.get(name) {
            return Ok(*shape);
        }
        // An unknown fragment measures nothing here; validation reports it.
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return Ok(Shape::default());
        };
        if self.open.contains(&name) {
            let mut err = ServerError::new(
                format!("fragment \"{name}\" spreads itself"),
                Some(fragment.pos),
            );
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", code::GRAPHQL_VALIDATION_FAILED);
            return Err(err);
        }
        self.open.push(key.as_str());
        let shape = self.selection_set(&fragment.node.selection_set.node)?;
        self.open.pop();
        self.measured.insert(key.as_str(), shape);
        Ok(shape)
    }
}

/// Most directives on any one field, fragment spread or inline fragment of the document.
pub(super) fn most_directives(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => f
                    .node
                    .directives
                    .len()
                    .max(walk(&f.node.selection_set.node)),
                Selection::FragmentSpread(s) => s.node.directives.len(),
                Selection::InlineFragment(i) => i
                    .node
                    .directives
                    .len()
                    .max(walk(&i.node.selection_set.node)),
            })
            .max()
            .unwrap_or(0)
    }
    let operations = doc
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node));
    let fragments = doc
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node));
    operations.chain(fragments).max().unwrap_or(0)
}
