//! The operation a request runs, read once from its parsed document: its kind (a GET must
//! not run a mutation; a mutation writes to the primary and refreshes the response cache)
//! and its name, when that is fit to be a metrics label.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Name, Request, ServerError};

use crate::graphql::error::code;

/// The operation of a request.
pub(crate) struct Selected {
    /// `None` when the document does not parse or defines no operation by that name.
    pub(crate) kind: Option<OperationType>,
    /// The operation's name, when it has one that can be a label (see [`is_label_safe`]).
    pub(super) name: Option<String>,
}

/// The operation `request` runs: the one its `operationName` names, else the document's only
/// one. The document is parsed into the request, so execution does not parse it again; the
/// requests that reach here passed the checks in `limits`, which parsed it already.
pub(crate) fn select(request: &mut Request) -> Selected {
    // Taken, not cloned, for the time the document is borrowed.
    let requested = request.operation_name.take();
    let selected = match request.parsed_query() {
        Ok(doc) => {
            // A name the client sends but the document lacks is arbitrary text: never a label.
            let (kind, name) = match (&doc.operations, requested.as_deref()) {
                (DocumentOperations::Single(op), _) => (Some(op.node.ty), None),
                (DocumentOperations::Multiple(ops), Some(name)) => match ops.get_key_value(name) {
                    Some((name, op)) => (Some(op.node.ty), Some(name.as_str())),
                    None => (None, only(ops.keys().map(|n| n.as_str()))),
                },
                (DocumentOperations::Multiple(ops), None) => (
                    ops.values().next().map(|op| op.node.ty),
                    only(ops.keys().map(|n| n.as_str())),
                ),
            };
            Selected {
                kind,
                name: name.filter(|n| is_label_safe(n)).map(str::to_owned),
            }
        }
        Err(_) => Selected {
            kind: None,
            name: None,
        },
    };
    request.operation_name = requested;
    selected
}

/// Refuses an `operationName` the document does not define, and a document of several
/// operations without one, before anything is validated.
pub(super) fn select_operation(
    doc: &ExecutableDocument,
    name: Option<&str>,
) -> Result<(), ServerError> {
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

/// The only item of `names`, if there is exactly one.
fn only<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    match (names.next(), names.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// `^[A-Za-z_][A-Za-z0-9_]{0,63}$`: a GraphQL name short enough to be a label.
fn is_label_safe(name: &str) -> bool {
    let bytes = name.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || *first == b'_')
        && rest.len() <= 63
        && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select_in(query: &str, operation_name: Option<&str>) -> Selected {
        let mut request = Request::new(query);
        if let Some(name) = operation_name {
            request = request.operation_name(name);
        }
        let selected = select(&mut request);
        assert_eq!(request.operation_name.as_deref(), operation_name);
        selected
    }

    fn name(query: &str, operation_name: Option<&str>) -> Option<String> {
        select_in(query, operation_name).name
    }

    #[test]
    fn operation_names_come_from_the_document() {
        assert_eq!(name("{ a }", None), None);
        assert_eq!(name("query { a }", Some("Nope")), None);
        assert_eq!(name("query Page { a }", None).as_deref(), Some("Page"));
        assert_eq!(
            name("query Page { a }", Some("Random")).as_deref(),
            Some("Page")
        );
        assert_eq!(
            name("query A { a } query B { b }", Some("B")).as_deref(),
            Some("B")
        );
        assert_eq!(name("query A { a } query B { b }", Some("C")), None);
        assert_eq!(name("query A { a } query B { b }", None), None);
        assert_eq!(name("{ broken", Some("Broken")), None);
        let long = format!("Q{}", "x".repeat(64));
        assert_eq!(name(&format!("query {long} {{ a }}"), None), None);
    }

    #[test]
    fn the_kind_is_the_chosen_operation_s() {
        let kind = |q, n| select_in(q, n).kind;
        assert_eq!(kind("{ a }", None), Some(OperationType::Query));
        assert_eq!(kind("mutation { a }", None), Some(OperationType::Mutation));
        let doc = "query A { a } mutation B { b }";
        assert_eq!(kind(doc, Some("A")), Some(OperationType::Query));
        assert_eq!(kind(doc, Some("B")), Some(OperationType::Mutation));
        assert_eq!(kind(doc, Some("C")), None);
        assert_eq!(kind("{ broken", None), None);
    }

    #[test]
    fn label_safe_names() {
        assert!(is_label_safe("_"));
        assert!(is_label_safe("ConditionPage_2"));
        assert!(is_label_safe(&format!("a{}", "b".repeat(63))));
        assert!(!is_label_safe(&format!("a{}", "b".repeat(64))));
        assert!(!is_label_safe(""));
        assert!(!is_label_safe("2fast"));
        assert!(!is_label_safe("a-b"));
        assert!(!is_label_safe("é"));
    }
}
