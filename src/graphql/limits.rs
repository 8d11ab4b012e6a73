//! The request limits, checked before a request runs: from its text alone, in time linear in
//! its size, with no database access.
//!
//! The text is measured first (bytes, tokens, bracket nesting) so the parser never sees a
//! hostile document; the parsed document is then measured with every fragment counted where
//! it is spread, each fragment measured once. Introspection (`__schema`, `__type`) is bounded
//! by the size of its answer instead of by the data limits (see `introspection`). async-graphql's own depth and complexity
//! checks expand fragments afresh at every spread, so a few lines of fragments spreading
//! each other twice would keep them busy for hours: the checks here run first and refuse
//! such a document as too complex.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Name, Pos, Request, ServerError, Value, Variables};

use crate::config::LimitsConfig;
use crate::graphql::document_cache::{CheckedDocument, DocumentCache};
use crate::graphql::error::code;
use crate::graphql::introspection::SchemaShape;
use crate::graphql::lexer;
use crate::graphql::request::{Refusal, Refused};

/// Most brackets (`{`, `[`, `(`) the parser nests: async-graphql's parser refuses deeper
/// documents, and its grammar recurses once per level, so deeper text is refused before it
/// is parsed.
const MAX_NESTING: usize = 64;

/// The root fields that introspect the schema.
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// The fields of `__Type` that list its members, each of which leads to types again: the
/// schema's cycles run through them.
const MEMBER_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

/// Most member lists one introspection path may nest: a type's members, then the members of
/// the types they hold. Every standard client nests one (`types { fields { type { ofType … } } }`);
/// a third lap only walks the schema's cycles again.
const MAX_MEMBER_LISTS: usize = 2;

/// Names of the limits, as clients see them in `extensions.limit`.
pub mod limit {
    pub const DEPTH: &str = "depth";
    pub const INTROSPECTION: &str = "introspection";
    pub const INTROSPECTION_LISTS: &str = "introspectionLists";
    pub const COMPLEXITY: &str = "complexity";
    pub const ALIASES: &str = "aliases";
    pub const ROOT_FIELDS: &str = "rootFields";
    pub const DIRECTIVES: &str = "directives";
    pub const QUERY_BYTES: &str = "queryBytes";
    pub const TOKENS: &str = "tokens";
    pub const BATCH_SIZE: &str = "batchSize";
    pub const EXECUTION_TIME: &str = "executionTime";
    pub const PAGE_SIZE: &str = "pageSize";
}

/// The largest page a list returns, in the schema's data for the connection resolvers.
pub(crate) struct PageSizeLimit(pub i32);

/// A LIMIT_EXCEEDED error naming `limit` and its value.
pub fn limit_exceeded(
    limit: &str,
    max: impl Into<Value>,
    message: impl Into<String>,
) -> ServerError {
    let mut err = ServerError::new(message, None);
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", code::LIMIT_EXCEEDED);
    ext.set("limit", limit);
    ext.set("max", max);
    err
}

/// The TIMEOUT error of a request stopped at the execution time limit.
pub fn timed_out(max: Duration) -> ServerError {
    let ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    let mut err = ServerError::new(
        format!(
            "the request ran longer than the execution time limit ({ms} ms) and was stopped; \
             a write it had not finished was rolled back"
        ),
        None,
    );
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", code::TIMEOUT);
    ext.set("limit", limit::EXECUTION_TIME);
    ext.set("max", ms);
    err
}

/// The limits one request is checked against, read once from the configuration.
#[derive(Clone, Debug)]
pub struct RequestLimits {
    depth: usize,
    complexity: usize,
    aliases: usize,
    root_fields: usize,
    directives: usize,
    query_bytes: usize,
    tokens: usize,
    batch_size: usize,
    execution_time: Duration,
    introspection_needs_token: bool,
    introspection: Arc<SchemaShape>,
    documents: Arc<DocumentCache>,
}

impl RequestLimits {
    /// `introspection`: the schema the requests run on, which bounds introspection queries.
    pub fn new(config: &LimitsConfig, introspection: Arc<SchemaShape>) -> Self {
        Self {
            depth: config.max_depth,
            complexity: config.max_complexity,
            aliases: config.max_aliases,
            root_fields: config.max_root_fields,
            directives: config.max_directives,
            query_bytes: config.max_query_bytes,
            tokens: config.max_tokens,
            batch_size: config.max_batch_size,
            execution_time: config.max_execution_time(),
            introspection_needs_token: config.introspection_needs_token(),
            introspection,
            documents: Arc::default(),
        }
    }

    /// Longest query text accepted, in bytes.
    pub fn query_bytes(&self) -> usize {
        self.query_bytes
    }

    /// Longest time one request may execute.
    pub fn execution_time(&self) -> Duration {
        self.execution_time
    }

    /// Refuses a batch of `len` operations when batches that large are not accepted.
    pub fn check_batch(&self, len: usize) -> Result<(), ServerError> {
        if len <= self.batch_size {
            return Ok(());
        }
        let message = if self.batch_size == 0 {
            "batched requests are not accepted here (limit batchSize is 0): send one request \
             per POST"
                .to_owned()
        } else {
            format!(
                "the batch holds {len} operations; at most {} are accepted (limit batchSize)",
                self.batch_size
            )
        };
        Err(limit_exceeded(limit::BATCH_SIZE, self.batch_size, message))
    }

    /// Checks `request` against every limit, and that the operation to run can be chosen.
    /// Leaves the parsed document in the request, so it is parsed once; a text seen before is
    /// not parsed again. A document that does not parse passes: execution reports the syntax
    /// error with its position.
    /// `token_holder` is true when the caller presented a valid token.
    pub fn check(&self, request: &mut Request, token_holder: bool) -> Result<(), Refused> {
        let bytes = request.query.len();
        if bytes > self.query_bytes {
            return Err(over_limit(limit_exceeded(
                limit::QUERY_BYTES,
                self.query_bytes,
                format!(
                    "the query is {bytes} bytes long; at most {} are accepted (limit queryBytes)",
                    self.query_bytes
                ),
            )));
        }
        let operation_name = request.operation_name.take();
        let variables = std::mem::take(&mut request.variables);
        let checked =
            self.check_parsed(request, operation_name.as_deref(), &variables, token_holder);
        request.operation_name = operation_name;
        request.variables = variables;
        checked
    }

    /// The checks after the size: those of the text alone once per text (see
    /// `document_cache`), those of the request every time.
    fn check_parsed(
        &self,
        request: &mut Request,
        operation_name: Option<&str>,
        variables: &Variables,
        token_holder: bool,
    ) -> Result<(), Refused> {
        // A persisted query's document arrives parsed, with no text to key it by.
        let cached = (!request.query.is_empty())
            .then(|| self.documents.get(&request.query))
            .flatten();
        if let Some(hit) = cached {
            select_operation(&hit.document, operation_name)
                .map_err(|err| Refused::new(Refusal::Operation, err))?;
            self.check_access(&hit.document, hit.introspects_at, variables, token_holder)?;
            request.set_parsed_query(hit.document.clone());
            return Ok(());
        }
        self.check_text(&request.query)?;
        let text = (!request.query.is_empty()).then(|| request.query.clone());
        let Ok(doc) = request.parsed_query() else {
            // Execution reports the syntax error with its position.
            return Ok(());
        };
        select_operation(doc, operation_name)
            .map_err(|err| Refused::new(Refusal::Operation, err))?;
        let introspects_at = self.check_document(doc)?;
        if let Some(text) = text {
            let checked = CheckedDocument {
                document: doc.clone(),
                introspects_at,
            };
            self.documents.insert(&text, checked);
        }
        self.check_access(doc, introspects_at, variables, token_holder)
    }

    /// The checks that depend on who asks and with which variables: whether they may
    /// introspect, and what their introspection costs.
    fn check_access(
        &self,
        doc: &ExecutableDocument,
        introspects_at: Option<Pos>,
        variables: &Variables,
        token_holder: bool,
    ) -> Result<(), Refused> {
        let Some(pos) = introspects_at else {
            return Ok(());
        };
        if self.introspection_needs_token && !token_holder {
            let mut err = ServerError::new(
                "introspection (__schema, __type) needs a valid bearer token on this server",
                Some(pos),
            );
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", code::UNAUTHENTICATED);
            return Err(Refused::new(Refusal::Unauthenticated, err));
        }
        self.check_introspection(doc, variables)
    }

    /// Tokens and bracket nesting, before anything parses the text.
    fn check_text(&self, query: &str) -> Result<(), Refused> {
        match scan(query, self.tokens) {
            Scan::Fine => Ok(()),
            Scan::TooManyTokens => Err(over_limit(limit_exceeded(
                limit::TOKENS,
                self.tokens,
                format!(
                    "the query has more than {} tokens (limit tokens)",
                    self.tokens
                ),
            ))),
            Scan::TooDeep => {
                let mut err = ServerError::new(
                    format!("the query nests brackets more than {MAX_NESTING} deep"),
                    None,
                );
                err.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code::GRAPHQL_PARSE_FAILED);
                Err(Refused::new(Refusal::Parse, err))
            }
        }
    }

    /// The limits of the document alone; where an operation introspects, if one does.
    fn check_document(&self, doc: &ExecutableDocument) -> Result<Option<Pos>, Refused> {
        let directives = most_directives(doc);
        if directives > self.directives {
            return Err(over_limit(limit_exceeded(
                limit::DIRECTIVES,
                self.directives,
                format!(
                    "a field carries {directives} directives; at most {} are accepted (limit \
                     directives)",
                    self.directives
                ),
            )));
        }
        let mut measure = Measure {
            doc,
            measured: HashMap::new(),
            open: Vec::new(),
        };
        // Every operation of the document is validated, so every one is measured.
        let mut introspects_at = None;
        for (_, operation) in doc.operations.iter() {
            let shape = measure
                .selection_set(&operation.node.selection_set.node)
                .map_err(|err| Refused::new(Refusal::Validation, err))?;
            self.check_shape(&shape).map_err(over_limit)?;
            if shape.introspects {
                introspects_at.get_or_insert(operation.pos);
            }
        }
        Ok(introspects_at)
    }

    /// Refuses introspection whose answer would be larger than the budget: graphql-js's
    /// fullest query twice over, whatever its depth.
    fn check_introspection(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
    ) -> Result<(), Refused> {
        let budget = self.introspection.budget();
        let cost = self
            .introspection
            .cost(doc, variables, budget)
            .map_err(|message| {
                let mut err = ServerError::new(message, None);
                err.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code::GRAPHQL_VALIDATION_FAILED);
                Refused::new(Refusal::Validation, err)
            })?;
        if cost <= budget {
            return Ok(());
        }
        Err(over_limit(limit_exceeded(
            limit::INTROSPECTION,
            budget,
            format!(
                "the introspection would answer more than {budget} values, twice what \
                 graphql-js's fullest introspection query answers on this schema (limit \
                 introspection); ask for the schema once, without following types through \
                 their fields again"
            ),
        )))
    }

    fn check_shape(&self, shape: &Shape) -> Result<(), ServerError> {
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

/// A refusal for the limit `err` names.
fn over_limit(err: ServerError) -> Refused {
    Refused::new(Refusal::Limit, err)
}

/// Refuses an `operationName` the document does not define, and a document of several
/// operations without one, before anything is validated.
fn select_operation(doc: &ExecutableDocument, name: Option<&str>) -> Result<(), ServerError> {
    let names = || {
        let mut names: Vec<&str> = doc
            .operations
            .iter()
            .filter_map(|(name, _)| name.map(Name::as_str))
            .collect();
        names.sort_unstable();
        names.join(", ")
    };
    let message = match (&doc.operations, name) {
        (DocumentOperations::Single(_), None) => return Ok(()),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => return Ok(()),
        (DocumentOperations::Multiple(ops), Some(name)) if ops.contains_key(name) => {
            return Ok(());
        }
        (DocumentOperations::Multiple(_), None) => format!(
            "the document defines several operations ({}): name the one to run in \
             \"operationName\"",
            names()
        ),
        (DocumentOperations::Single(_), Some(name)) => format!(
            "unknown operation \"{name}\": the document defines only an anonymous operation"
        ),
        (DocumentOperations::Multiple(_), Some(name)) => format!(
            "unknown operation \"{name}\": the document defines {}",
            names()
        ),
    };
    let mut err = ServerError::new(message, None);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code::BAD_USER_INPUT);
    Err(err)
}

/// What a selection set asks for, fragments counted where spread. Counts saturate.
#[derive(Clone, Copy, Debug, Default)]
struct Shape {
    /// Fields selected, at every level.
    fields: usize,
    /// Aliased fields, at every level.
    aliases: usize,
    /// Deepest field nesting.
    depth: usize,
    /// Fields at the top level.
    top: usize,
    /// True when a field is `__schema` or `__type` (valid at the top level only).
    introspects: bool,
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
struct Measure<'a> {
    doc: &'a ExecutableDocument,
    measured: HashMap<&'a str, Shape>,
    /// Fragments being measured, to refuse a fragment that spreads itself.
    open: Vec<&'a str>,
}

impl<'a> Measure<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Result<Shape, ServerError> {
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
fn most_directives(doc: &ExecutableDocument) -> usize {
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

/// What the lexical pass found.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    Fine,
    TooManyTokens,
    TooDeep,
}

/// Counts the GraphQL tokens of `query` (see `lexer::tokens`) and its bracket nesting,
/// stopping as soon as either is over its bound.
fn scan(query: &str, max_tokens: usize) -> Scan {
    let mut nesting = 0usize;
    for (n, token) in lexer::tokens(query).enumerate() {
        match token.text.as_bytes().first() {
            Some(b'{' | b'[' | b'(') => {
                nesting += 1;
                if nesting > MAX_NESTING {
                    return Scan::TooDeep;
                }
            }
            Some(b'}' | b']' | b')') => nesting = nesting.saturating_sub(1),
            _ => {}
        }
        if n + 1 > max_tokens {
            return Scan::TooManyTokens;
        }
    }
    Scan::Fine
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of the served schema, learnt once for all the tests here.
    fn shape() -> Arc<SchemaShape> {
        static SHAPE: std::sync::OnceLock<Arc<SchemaShape>> = std::sync::OnceLock::new();
        SHAPE
            .get_or_init(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .expect("runtime");
                let schema = crate::graphql::build_schema();
                Arc::new(runtime.block_on(SchemaShape::of(&schema)))
            })
            .clone()
    }

    fn limits() -> RequestLimits {
        RequestLimits::new(&LimitsConfig::default(), shape())
    }

    fn check(query: &str) -> Result<(), ServerError> {
        limits()
            .check(&mut Request::new(query), false)
            .map_err(|refused| *refused.error)
    }

    fn limit_of(err: &ServerError) -> String {
        let ext = err.extensions.as_ref().expect("extensions");
        match ext.get("limit") {
            Some(Value::String(s)) => s.clone(),
            other => panic!("no limit: {other:?} in {err:?}"),
        }
    }

    #[test]
    fn tokens_are_counted_like_the_grammar_does() {
        let count = |q: &str| {
            (0..100)
                .find(|&max| scan(q, max) == Scan::Fine)
                .expect("fewer than 100")
        };
        assert_eq!(count("{ a }"), 3);
        assert_eq!(
            count("query Q($x: Int = -1.5e3) { a(x: $x) @skip(if: true) }"),
            26
        );
        assert_eq!(count("{ a, b # comment { { {\n c }"), 5);
        assert_eq!(count(r#"{ a(s: "x { \" y", t: """ { \""" } """) }"#), 11);
        assert_eq!(count("{ ...F } fragment F on Q { a }"), 11);
        assert_eq!(count("\u{feff}{ a }"), 3);
    }

    #[test]
    fn bracket_nesting_is_bounded_before_parsing() {
        let deep = format!("{}{}", "{a".repeat(65), "}".repeat(65));
        assert_eq!(scan(&deep, 10_000), Scan::TooDeep);
        let fine = format!("{}{}", "{a".repeat(64), "}".repeat(64));
        assert_eq!(scan(&fine, 10_000), Scan::Fine);
    }

    #[test]
    fn fragments_count_where_they_are_spread_and_are_measured_once() {
        // 2^40 fields once expanded; refused at once.
        let mut q = String::from("{ ...F0 }\n");
        for i in 0..40 {
            q.push_str(&format!(
                "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        q.push_str("fragment F40 on Query { __typename }\n");
        let err = check(&q).expect_err("too complex");
        assert_eq!(limit_of(&err), "complexity");
    }

    #[test]
    fn a_fragment_that_spreads_itself_is_refused() {
        let err = check("{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }")
            .expect_err("cycle");
        assert!(err.message.contains("spreads itself"), "{err:?}");
    }

    #[test]
    fn each_limit_names_itself() {
        let cases = [
            (
                format!("{{ a{} }}", " { a".repeat(12) + &" }".repeat(12)),
                "depth",
            ),
            (
                format!(
                    "{{ {} }}",
                    (0..31)
                        .map(|i| format!("a{i}: a"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                "aliases",
            ),
            (
                format!(
                    "{{ {} }}",
                    (0..21)
                        .map(|i| format!("f{i}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                "rootFields",
            ),
            ("{ a @a @b @c @d @e @f }".to_owned(), "directives"),
            (format!("{{ a }} #{}", "x".repeat(40_000)), "queryBytes"),
            (format!("{{ {} }}", "a ".repeat(5000)), "tokens"),
        ];
        for (query, limit) in cases {
            let err = check(&query).expect_err(limit);
            assert_eq!(limit_of(&err), limit, "{query:.80}");
        }
        assert!(check("{ a { b { c } } }").is_ok());
    }

    #[test]
    fn introspection_can_need_a_token() {
        let mut config = LimitsConfig::default();
        config.require_token_for_introspection();
        let limits = RequestLimits::new(&config, shape());
        let query = "{ ...F } fragment F on Query { __schema { queryType { name } } }";
        assert!(limits.check(&mut Request::new(query), false).is_err());
        assert!(limits.check(&mut Request::new(query), true).is_ok());
        assert!(
            limits
                .check(&mut Request::new("{ __typename }"), false)
                .is_ok()
        );
    }

    #[test]
    fn the_operation_to_run_must_be_known() {
        let doc = "query A { a } query B { b }";
        assert!(check(doc).is_err());
        let mut named = Request::new(doc).operation_name("B");
        assert!(limits().check(&mut named, false).is_ok());
        let mut unknown = Request::new(doc).operation_name("C");
        let refused = limits().check(&mut unknown, false).expect_err("unknown");
        assert_eq!(refused.refusal, Refusal::Operation);
        assert!(refused.error.message.contains("\"C\""), "{refused:?}");
    }

    /// The introspection queries standard clients send, generated from graphql-js's npm
    /// packages (`tests/fixtures/introspection/`).
    const STANDARD_INTROSPECTION: [&str; 4] = [
        include_str!("../../tests/fixtures/introspection/graphql-js-14-default.graphql"),
        include_str!("../../tests/fixtures/introspection/graphql-js-15-default.graphql"),
        include_str!("../../tests/fixtures/introspection/graphql-js-16-default.graphql"),
        include_str!("introspection_query.graphql"),
    ];

    #[test]
    fn standard_introspection_passes_although_deeper_than_the_depth_limit() {
        for query in STANDARD_INTROSPECTION {
            assert!(check(query).is_ok(), "{:.60}: {:?}", query, check(query));
        }
        // Twice over (aliases) is still within the budget.
        let twice = "{ a: __schema { types { ...T } } b: __schema { types { ...T } } }
            fragment T on __Type { name fields { name args { name type { name } } type { name kind ofType { name kind ofType { name } } } } }";
        assert!(check(twice).is_ok(), "{:?}", check(twice));
        // The data limit still holds beside it.
        let deep_data = format!(
            "{{ __schema {{ types {{ name }} }} a{} }}",
            " { a".repeat(12) + &" }".repeat(12)
        );
        assert_eq!(limit_of(&check(&deep_data).expect_err("deep")), "depth");
    }

    #[test]
    fn the_budget_is_twice_the_fullest_standard_answer() {
        let shape = shape();
        let fullest = async_graphql::parser::parse_query(STANDARD_INTROSPECTION[3]).expect("parse");
        let size = shape
            .cost(&fullest, &Variables::default(), usize::MAX)
            .expect("cost");
        assert_eq!(shape.budget(), size * 2);
        // The schema is not trivially small: the bound means something.
        assert!(size > 5_000, "{size}");
    }

    /// A selection on `__Type` that follows each field to its named type (through up to three
    /// wrappers) and lists that type's fields again, `levels` times: the schema's cycle.
    fn through_fields(levels: usize) -> String {
        if levels == 0 {
            return "name".to_owned();
        }
        let inner = through_fields(levels - 1);
        format!(
            "fields {{ name type {{ {inner} ofType {{ {inner} ofType {{ {inner} ofType {{ {inner} }} }} }} }} }}"
        )
    }

    #[test]
    fn hostile_introspection_is_refused_quickly() {
        let cycle = format!("{{ __schema {{ types {{ {} }} }} }}", through_fields(3));
        let by_type = format!(
            "{{ __type(name: \"QueryRoot\") {{ {} }} }}",
            through_fields(4)
        );
        // The same through fragments, one per level.
        let mut fragments = String::from("{ __schema { types { ...F0 } } }\n");
        for i in 0..4 {
            let next = format!("...F{}", i + 1);
            fragments.push_str(&format!(
                "fragment F{i} on __Type {{ fields {{ type {{ {next} ofType {{ {next} ofType {{ {next} ofType {{ {next} }} }} }} }} }} }}\n"
            ));
        }
        fragments.push_str("fragment F4 on __Type { name }\n");
        // The full query, many times over under aliases.
        let aliased = (0..3)
            .map(|i| format!("a{i}: __schema {{ types {{ ...FullType }} }}"))
            .collect::<Vec<_>>()
            .join(" ");
        let full = STANDARD_INTROSPECTION[3];
        let fragments_of_full = &full[full.find("fragment FullType").expect("FullType")..];
        let aliased = format!("{{ {aliased} }}\n{fragments_of_full}");
        // The issue's literal cycle: cheap to answer (most field types are non-null wrappers,
        // whose `fields` are null), refused all the same for walking the cycle.
        let literal = format!(
            "{{ __schema {{ types {{ {} name {} }} }} }}",
            "fields { type { ".repeat(3),
            "} } ".repeat(3)
        );
        for (query, limit) in [
            (literal.as_str(), "introspectionLists"),
            (&cycle, "introspectionLists"),
            (&by_type, "introspectionLists"),
            (&fragments, "introspectionLists"),
            (&aliased, "introspection"),
        ] {
            let started = std::time::Instant::now();
            let err = check(query).expect_err("refused");
            assert_eq!(limit_of(&err), limit, "{query:.80}: {err:?}");
            assert!(
                started.elapsed() < Duration::from_millis(500),
                "{:?}",
                started.elapsed()
            );
        }
        // Two laps of member lists within the budget pass; past the budget they do not.
        let two =
            |alias: &str| format!("{alias}: __schema {{ types {{ {} }} }}", through_fields(2));
        assert!(check(&format!("{{ {} }}", two("a"))).is_ok());
        let many = (0..8)
            .map(|i| two(&format!("a{i}")))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            limit_of(&check(&format!("{{ {many} }}")).expect_err("over budget")),
            "introspection"
        );
        // One level of the cycle is what an analyst asks, and it passes.
        let one_level = format!("{{ __schema {{ types {{ {} }} }} }}", through_fields(1));
        assert!(check(&one_level).is_ok(), "{:?}", check(&one_level));
        // ofType nested 100 deep never reaches the parser.
        let deep = format!(
            "{{ __schema {{ types {{ {} name {} }} }} }}",
            "ofType { ".repeat(100),
            "} ".repeat(100)
        );
        let err = check(&deep).expect_err("too deep");
        assert!(err.message.contains("nests brackets"), "{err:?}");
    }

    #[test]
    fn a_type_asked_by_variable_costs_its_own_size() {
        let query = "query Q($n: String!) { __type(name: $n) { fields { name type { name } } } }";
        let mut known = Request::new(query).variables(Variables::from_json(
            serde_json::json!({ "n": "Condition" }),
        ));
        assert!(limits().check(&mut known, false).is_ok());
        // The variables are given back to the request.
        assert_eq!(
            known.variables.get(&Name::new("n")),
            Some(&Value::from("Condition"))
        );
    }

    #[test]
    fn a_fragment_spreading_itself_inside_introspection_is_refused() {
        let err = check(
            "{ __schema { types { ...F } } } fragment F on __Type { fields { type { ...F } } }",
        )
        .expect_err("cycle");
        assert!(err.message.contains("spreads itself"), "{err:?}");
    }

    #[test]
    fn a_text_seen_before_is_not_parsed_again_but_each_request_is_still_checked() {
        let mut config = LimitsConfig::default();
        config.require_token_for_introspection();
        let limits = RequestLimits::new(&config, shape());
        let doc = "query A { a } query B { __schema { queryType { name } } }";
        // The first request parses it, and leaves the document in the request.
        let mut first = Request::new(doc).operation_name("A");
        assert!(limits.check(&mut first, true).is_ok());
        assert!(limits.documents.get(doc).is_some());
        // The second gets the parsed document from the cache, and its own checks: the
        // operation it names, whether it may introspect.
        let mut second = Request::new(doc).operation_name("B");
        assert!(limits.check(&mut second, true).is_ok());
        assert!(second.parsed_query().is_ok());
        let mut anonymous = Request::new(doc).operation_name("B");
        let refused = limits.check(&mut anonymous, false).expect_err("no token");
        assert_eq!(refused.refusal, Refusal::Unauthenticated);
        assert_eq!(
            refused
                .error
                .extensions
                .as_ref()
                .and_then(|e| e.get("code")),
            Some(&Value::from(code::UNAUTHENTICATED))
        );
        let mut unknown = Request::new(doc).operation_name("C");
        assert!(limits.check(&mut unknown, true).is_err());
        // A refused text is refused every time, and never kept.
        let deep = format!("{{ a{} }}", " { a".repeat(12) + &" }".repeat(12));
        for _ in 0..2 {
            assert_eq!(
                limit_of(
                    &limits
                        .check(&mut Request::new(&deep), true)
                        .expect_err("deep")
                        .error
                ),
                "depth"
            );
        }
        assert!(limits.documents.get(&deep).is_none());
        // An introspection by variable is measured with each request's variables.
        let by_name = "query Q($n: String!) { __type(name: $n) { fields { name } } }";
        let mut named = Request::new(by_name).variables(Variables::from_json(
            serde_json::json!({ "n": "Condition" }),
        ));
        assert!(limits.check(&mut named, true).is_ok());
        let mut again = Request::new(by_name).variables(Variables::from_json(
            serde_json::json!({ "n": "Condition" }),
        ));
        assert!(limits.check(&mut again, true).is_ok());
    }
}
