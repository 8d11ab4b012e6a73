//! What an introspection query may cost, bounded by what the schema can answer.
//!
//! graphql-js's `getIntrospectionQuery()` — what GraphiQL, Apollo, GraphQL Code Generator,
//! Postman and Insomnia send — nests fields 15 deep (its `TypeRef` fragment follows `ofType`
//! nine times), deeper than any data query needs, so the depth limit meant for data cannot
//! apply to it. What bounds an introspection query instead is the size of its answer: the
//! schema is finite, an `ofType` chain ends after at most a few wrappers, and the only way to
//! make the answer large is to walk the schema's cycles (`types { fields { type { fields …`)
//! or repeat it with aliases and fragments.
//!
//! So the answer is counted before the query runs: the selection is walked over a model of
//! this schema (learnt at start-up by running the fullest graphql-js query against it), one
//! step per value the answer would hold, and the walk stops as soon as it passes the budget.
//! The budget is twice the answer to graphql-js's fullest query, so every standard client
//! passes with room to spare, and a hostile query is refused after at most that many steps.
//! Beside it, `limits` refuses from the text alone a path that lists members of types more
//! than twice (the cycle itself), however cheap its answer would be.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ObjectType, Request, Schema, SubscriptionType, Value, Variables};
use serde_json::Value as Json;

/// graphql-js 17.1.0's `getIntrospectionQuery()` with every option on (descriptions,
/// `specifiedByURL`, `isRepeatable`, the schema's description, deprecated input values,
/// `isOneOf`): the largest query standard clients send.
pub const FULLEST_STANDARD_QUERY: &str = include_str!("introspection_query.graphql");

/// How many times the answer to [`FULLEST_STANDARD_QUERY`] an introspection may cost.
const BUDGET_FACTOR: usize = 2;

/// A reference to a type as a field or argument holds it: `[Condition!]!` is `Condition`
/// behind three wrappers (non-null, list, non-null), each one `ofType` step.
#[derive(Debug)]
struct TypeRef {
    name: String,
    wrappers: u8,
}

#[derive(Debug)]
struct FieldShape {
    args: Vec<TypeRef>,
    ty: TypeRef,
}

/// What introspection can list under one named type.
#[derive(Debug, Default)]
struct TypeShape {
    fields: Vec<FieldShape>,
    input_fields: Vec<TypeRef>,
    interfaces: Vec<String>,
    possible_types: Vec<String>,
    enum_values: usize,
}

#[derive(Debug)]
struct DirectiveShape {
    args: Vec<TypeRef>,
}

/// The schema as introspection sees it, and the most an introspection query may cost.
#[derive(Debug)]
pub struct SchemaShape {
    types: HashMap<String, TypeShape>,
    /// Type names in the order `__schema { types }` lists them.
    type_names: Vec<String>,
    directives: Vec<DirectiveShape>,
    roots: [Option<String>; 3],
    budget: usize,
}

/// The value being selected from, as the walk sees it.
#[derive(Clone, Copy)]
enum At<'s> {
    Schema,
    /// A named type seen through `wrappers` more `ofType` steps.
    Type(&'s str, u8),
    Field(&'s FieldShape),
    InputValue(&'s TypeRef),
    Directive(&'s DirectiveShape),
    /// An enum value, or anything else whose fields are all scalars.
    Leaves,
}

impl SchemaShape {
    /// Learns the shape of `schema` by running [`FULLEST_STANDARD_QUERY`] on it, and sets the
    /// budget from the size of that answer.
    ///
    /// # Panics
    /// When the schema cannot answer its own introspection: a bug, found by every test.
    pub async fn of<Q, M, S>(schema: &Schema<Q, M, S>) -> Self
    where
        Q: ObjectType + 'static,
        M: ObjectType + 'static,
        S: SubscriptionType + 'static,
    {
        let response = schema.execute(Request::new(FULLEST_STANDARD_QUERY)).await;
        assert!(
            response.errors.is_empty(),
            "the schema does not answer its own introspection: {:?}",
            response.errors
        );
        let answer = response
            .data
            .into_json()
            .expect("an introspection answer is JSON");
        let mut shape = Self::from_answer(&answer["__schema"]);
        let fullest = async_graphql::parser::parse_query(FULLEST_STANDARD_QUERY)
            .expect("graphql-js's introspection query parses");
        let size = shape
            .cost(&fullest, &Variables::default(), usize::MAX)
            .expect("no cycle in graphql-js's introspection query");
        shape.budget = size.saturating_mul(BUDGET_FACTOR);
        shape
    }

    /// The most an introspection query may cost: one per value of its answer.
    pub fn budget(&self) -> usize {
        self.budget
    }

    fn from_answer(schema: &Json) -> Self {
        let list = |v: &Json| v.as_array().cloned().unwrap_or_default();
        let names = |v: &Json| {
            list(v)
                .iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        };
        let input_refs = |v: &Json| list(v).iter().map(|a| type_ref(&a["type"])).collect();
        let mut types = HashMap::new();
        let mut type_names = Vec::new();
        for ty in list(&schema["types"]) {
            let Some(name) = ty["name"].as_str() else {
                continue;
            };
            let fields = list(&ty["fields"])
                .iter()
                .map(|f| FieldShape {
                    args: input_refs(&f["args"]),
                    ty: type_ref(&f["type"]),
                })
                .collect();
            type_names.push(name.to_owned());
            types.insert(
                name.to_owned(),
                TypeShape {
                    fields,
                    input_fields: input_refs(&ty["inputFields"]),
                    interfaces: names(&ty["interfaces"]),
                    possible_types: names(&ty["possibleTypes"]),
                    enum_values: list(&ty["enumValues"]).len(),
                },
            );
        }
        let root = |key: &str| schema[key]["name"].as_str().map(str::to_owned);
        Self {
            types,
            type_names,
            directives: list(&schema["directives"])
                .iter()
                .map(|d| DirectiveShape {
                    args: input_refs(&d["args"]),
                })
                .collect(),
            roots: [
                root("queryType"),
                root("mutationType"),
                root("subscriptionType"),
            ],
            budget: usize::MAX,
        }
    }

    /// What the introspection fields (`__schema`, `__type`) at the top of `doc`'s operations
    /// cost, stopping once past `limit`. Fragments count where they are spread; type
    /// conditions and `@skip`/`@include` are ignored, so this is an upper bound. `Err` names a
    /// fragment that spreads itself.
    pub fn cost(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
        limit: usize,
    ) -> Result<usize, String> {
        let mut walk = Walk {
            shape: self,
            doc,
            variables,
            steps: 0,
            limit,
            open: Vec::new(),
        };
        for (_, operation) in doc.operations.iter() {
            walk.root(&operation.node.selection_set.node)?;
        }
        Ok(walk.steps)
    }
}

/// `{ kind name ofType { … } }` as a named type and its number of wrappers.
fn type_ref(mut ty: &Json) -> TypeRef {
    let mut wrappers = 0u8;
    while !ty["ofType"].is_null() {
        wrappers = wrappers.saturating_add(1);
        ty = &ty["ofType"];
    }
    TypeRef {
        name: ty["name"].as_str().unwrap_or_default().to_owned(),
        wrappers,
    }
}

struct Walk<'a> {
    shape: &'a SchemaShape,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    steps: usize,
    limit: usize,
    /// Fragments being walked, to refuse one that spreads itself.
    open: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    /// The top level of an operation: only its introspection fields are walked.
    fn root(&mut self, set: &'a SelectionSet) -> Result<(), String> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let children = &field.selection_set.node;
                    match field.name.node.as_str() {
                        "__schema" => {
                            self.step();
                            self.set(children, At::Schema)?;
                        }
                        "__type" => {
                            self.step();
                            let asked = match field.get_argument("name").map(|v| &v.node) {
                                Some(value) => value
                                    .clone()
                                    .into_const_with(|var| {
                                        self.variables.get(&var).cloned().ok_or(())
                                    })
                                    .ok(),
                                None => None,
                            };
                            match asked {
                                Some(Value::String(name)) => {
                                    if let Some((name, _)) = self.shape.types.get_key_value(&name) {
                                        self.set(children, At::Type(name, 0))?;
                                    }
                                }
                                // A name the walk cannot know: as costly as any type.
                                _ => {
                                    for name in &self.shape.type_names {
                                        self.set(children, At::Type(name, 0))?;
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(fragment) = self.enter(name)? {
                        self.root(&fragment.node.selection_set.node)?;
                        self.open.pop();
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.root(&inline.node.selection_set.node)?;
                }
            }
            if self.steps > self.limit {
                return Ok(());
            }
        }
        Ok(())
    }

    fn step(&mut self) {
        self.steps = self.steps.saturating_add(1);
    }

    /// Marks fragment `name` open; `None` when the document has no such fragment (validation
    /// reports it).
    fn enter(
        &mut self,
        name: &'a str,
    ) -> Result<
        Option<&'a async_graphql::Positioned<async_graphql::parser::types::FragmentDefinition>>,
        String,
    > {
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return Ok(None);
        };
        if self.open.contains(&name) {
            return Err(format!("fragment \"{name}\" spreads itself"));
        }
        self.open.push(key.as_str());
        Ok(Some(fragment))
    }

    /// Walks `set` selected on `at`, one step per value of the answer.
    fn set(&mut self, set: &'a SelectionSet, at: At<'a>) -> Result<(), String> {
        for item in &set.items {
            if self.steps > self.limit {
                return Ok(());
            }
            match &item.node {
                Selection::Field(field) => {
                    self.step();
                    let field = &field.node;
                    self.field(field.name.node.as_str(), &field.selection_set.node, at)?;
                }
                Selection::FragmentSpread(spread) => {
                    self.step();
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(fragment) = self.enter(name)? {
                        self.set(&fragment.node.selection_set.node, at)?;
                        self.open.pop();
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.step();
                    self.set(&inline.node.selection_set.node, at)?;
                }
            }
        }
        Ok(())
    }

    /// The values field `name` of `at` holds, each walked with `children`.
    fn field(&mut self, name: &str, children: &'a SelectionSet, at: At<'a>) -> Result<(), String> {
        let shape = self.shape;
        match (at, name) {
            (At::Schema, "types") => {
                for name in &shape.type_names {
                    self.set(children, At::Type(name, 0))?;
                }
            }
            (At::Schema, "queryType" | "mutationType" | "subscriptionType") => {
                let index = match name {
                    "queryType" => 0,
                    "mutationType" => 1,
                    _ => 2,
                };
                if let Some(root) = &shape.roots[index] {
                    self.set(children, At::Type(root, 0))?;
                }
            }
            (At::Schema, "directives") => {
                for directive in &shape.directives {
                    self.set(children, At::Directive(directive))?;
                }
            }
            (At::Type(name, wrappers), "ofType") if wrappers > 0 => {
                self.set(children, At::Type(name, wrappers - 1))?;
            }
            // A wrapper lists nothing: only the named type at the end of the chain does.
            (At::Type(name, 0), member) => {
                let Some(ty) = shape.types.get(name) else {
                    return Ok(());
                };
                match member {
                    "fields" => {
                        for field in &ty.fields {
                            self.set(children, At::Field(field))?;
                        }
                    }
                    "inputFields" => {
                        for input in &ty.input_fields {
                            self.set(children, At::InputValue(input))?;
                        }
                    }
                    "interfaces" | "possibleTypes" => {
                        let names = if member == "interfaces" {
                            &ty.interfaces
                        } else {
                            &ty.possible_types
                        };
                        for name in names {
                            self.set(children, At::Type(name, 0))?;
                        }
                    }
                    "enumValues" => {
                        for _ in 0..ty.enum_values {
                            self.set(children, At::Leaves)?;
                        }
                    }
                    _ => {}
                }
            }
            (At::Field(field), "args") => {
                for arg in &field.args {
                    self.set(children, At::InputValue(arg))?;
                }
            }
            (At::Field(field), "type") => {
                self.set(children, At::Type(&field.ty.name, field.ty.wrappers))?;
            }
            (At::InputValue(ty), "type") => self.set(children, At::Type(&ty.name, ty.wrappers))?,
            (At::Directive(directive), "args") => {
                for arg in &directive.args {
                    self.set(children, At::InputValue(arg))?;
                }
            }
            // Scalars, nulls, and fields validation will refuse.
            _ => {}
        }
        Ok(())
    }
}
