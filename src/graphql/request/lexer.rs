//! A lexical pass over GraphQL text: far cheaper than parsing, enough to count tokens, measure
//! bracket nesting and normalize a query before the parser ever sees it.

/// One token: its text, and whether it is complete (a string may run to the end of a line or
/// of the text without its closing quote).
#[derive(Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub complete: bool,
}

/// The tokens of `query`. Commas, white space, comments and a byte-order mark are not tokens
/// (GraphQL ignores them). A character no token starts with is a token of its own, so hostile
/// text cannot hide in it; the parser refuses it later anyway.
pub fn tokens(query: &str) -> impl Iterator<Item = Token<'_>> {
    let b = query.as_bytes();
    let starts = move |i: usize, s: &[u8]| b.get(i..i + s.len()) == Some(s);
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            let start = i;
            let mut complete = true;
            match *b.get(i)? {
                b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                    i += 1;
                    continue;
                }
                0xEF if starts(i, "\u{feff}".as_bytes()) => {
                    i += 3;
                    continue;
                }
                b'#' => {
                    while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                        i += 1;
                    }
                    continue;
                }
                b'"' if starts(i, b"\"\"\"") => {
                    i += 3;
                    complete = false;
                    while i < b.len() {
                        if starts(i, b"\\\"\"\"") {
                            i += 4;
                        } else if starts(i, b"\"\"\"") {
                            i += 3;
                            complete = true;
                            break;
                        } else {
                            i += 1;
                        }
                    }
                }
                b'"' => {
                    i += 1;
                    complete = false;
                    while i < b.len() {
                        match b[i] {
                            b'\\' => i += 2,
                            b'"' => {
                                i += 1;
                                complete = true;
                                break;
                            }
                            b'\n' | b'\r' => break,
                            _ => i += 1,
                        }
                    }
                }
                b'.' if starts(i, b"...") => i += 3,
                b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                    while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                        i += 1;
                    }
                }
                b'-' | b'0'..=b'9' => {
                    i += 1;
                    while i < b.len()
                        && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'.' | b'+' | b'-'))
                    {
                        i += 1;
                    }
                }
                _ => {
                    // Punctuators and anything else: one character, all of its UTF-8 bytes.
                    i += 1;
                    while i < b.len() && (b[i] & 0xC0) == 0x80 {
                        i += 1;
                    }
                }
            }
            i = i.min(b.len());
            // An escape may end inside a multi-byte character; such a token is incomplete.
            return Some(match query.get(start..i) {
                Some(text) => Token { text, complete },
                None => Token {
                    text: query.get(start..).unwrap_or_default(),
                    complete: false,
                },
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::tokens;

    fn texts(q: &str) -> Vec<(&str, bool)> {
        tokens(q).map(|t| (t.text, t.complete)).collect()
    }

    #[test]
    fn ignored_characters_are_not_tokens() {
        assert_eq!(
            texts("\u{feff}{ a, b # c\n ...F }"),
            vec![
                ("{", true),
                ("a", true),
                ("b", true),
                ("...", true),
                ("F", true),
                ("}", true)
            ]
        );
    }

    #[test]
    fn strings_numbers_and_unterminated_strings() {
        assert_eq!(
            texts(r#"f(x: -1.5e3, s: "a \" b", t: """x \""" y""")"#),
            vec![
                ("f", true),
                ("(", true),
                ("x", true),
                (":", true),
                ("-1.5e3", true),
                ("s", true),
                (":", true),
                (r#""a \" b""#, true),
                ("t", true),
                (":", true),
                (r#""""x \""" y""""#, true),
                (")", true)
            ]
        );
        assert_eq!(texts("\"abc\ndef"), vec![("\"abc", false), ("def", true)]);
        assert_eq!(texts("\"abc\\"), vec![("\"abc\\", false)]);
        assert_eq!(texts("\"é\\é"), vec![("\"é\\é", false)]);
    }
}
