//! The lexical pass over a query's text, before anything parses it: its tokens and its
//! bracket nesting.

use crate::graphql::request::lexer;

/// Most brackets (`{`, `[`, `(`) the parser nests: async-graphql's parser refuses deeper
/// documents, and its grammar recurses once per level, so deeper text is refused before it
/// is parsed.
pub(super) const MAX_NESTING: usize = 64;

/// What the lexical pass found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    Fine,
    TooManyTokens,
    TooDeep,
}

/// Counts the GraphQL tokens of `query` (see `lexer::tokens`) and its bracket nesting,
/// stopping as soon as either is over its bound.
pub(super) fn scan(query: &str, max_tokens: usize) -> Scan {
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
