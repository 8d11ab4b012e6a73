//! Finds the GraphQL examples of a Markdown page, line by line (the convention is in
//! `docs/testing.md`, "Documentation examples").
//!
//! A hand scanner rather than a Markdown parser: the convention only needs fences at the start
//! of a line, one comment form and one `variables:` line, and a scanner that refuses anything
//! else keeps a typo in a page from silently turning an example off.

use std::path::Path;

/// One Markdown page and what the test needs from it.
pub(crate) struct Page {
    /// The path relative to the repository root, for messages.
    pub name: String,
    pub examples: Vec<Example>,
    /// `(name, role)` of every `$ caregraph token create --name N --role R` line the page shows.
    pub tokens: Vec<(String, String)>,
}

/// One ```graphql block, what it needs, and the answer the page shows for it.
pub(crate) struct Example {
    /// Line of the opening fence (1-based), for messages.
    pub line: usize,
    pub query: String,
    pub run: Run,
    /// The JSON text of a `variables: `…`` line between the block and its answer.
    pub variables: Option<String>,
    /// The JSON text of the ```json block right after the block.
    pub output: Option<String>,
}

/// How an example runs, from the `<!-- example: … -->` comment before it.
#[derive(Debug, PartialEq)]
pub(crate) enum Run {
    /// No comment: an anonymous reader.
    Anonymous,
    /// `<!-- example: as NAME -->`: with the token of NAME, created by a token line of the page.
    As(String),
    /// `<!-- example: skip REASON -->`: shown, never run (a fragment of SDL, a sketch).
    Skip,
}

impl Page {
    pub fn read(root: &Path, name: &str) -> Self {
        let text =
            std::fs::read_to_string(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        scan(name, &text)
    }

    /// Whether any example writes: such a page gets a server of its own.
    pub fn writes(&self) -> bool {
        self.examples.iter().any(|e| {
            e.query
                .lines()
                .map(str::trim)
                .any(|l| l.starts_with("mutation"))
        })
    }
}

/// Where the scanner is between fences.
enum After {
    /// Prose: the next ```graphql block is an example of its own.
    Prose,
    /// Just after an example: blank lines, a `variables:` line, then maybe its ```json answer.
    Example,
}

fn scan(name: &str, text: &str) -> Page {
    let mut page = Page {
        name: name.to_owned(),
        examples: Vec::new(),
        tokens: Vec::new(),
    };
    let at = |n: usize| format!("{name}:{}", n + 1);
    let mut lines = text.lines().enumerate();
    let mut run: Option<(usize, Run)> = None;
    let mut after = After::Prose;
    while let Some((n, line)) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let body = fenced(&mut lines).unwrap_or_else(|| panic!("{}: unclosed fence", at(n)));
            match (lang.trim(), &after) {
                ("graphql", _) => {
                    page.examples.push(Example {
                        line: n + 1,
                        query: body,
                        run: run.take().map_or(Run::Anonymous, |(_, r)| r),
                        variables: None,
                        output: None,
                    });
                    after = After::Example;
                    continue;
                }
                ("json", After::Example) => {
                    let example = page.examples.last_mut().expect("an example");
                    example.output = Some(body);
                }
                (_, _) => page.tokens.extend(token_lines(&body)),
            }
            after = After::Prose;
        } else if let Some(directive) = line.trim().strip_prefix("<!-- example:") {
            run = Some((
                n,
                directive_of(directive).unwrap_or_else(|e| panic!("{}: {e}", at(n))),
            ));
        } else if let Some(json) = line.trim().strip_prefix("variables: `") {
            let json = json.strip_suffix('`');
            match (&after, json) {
                (After::Example, Some(json)) => {
                    let example = page.examples.last_mut().expect("an example");
                    example.variables = Some(json.to_owned());
                }
                _ => panic!(
                    "{}: a `variables: `{{…}}`` line belongs right after a graphql block",
                    at(n)
                ),
            }
        } else if !line.trim().is_empty() {
            after = After::Prose;
        }
        // A comment must sit right above its block: anything else in between is a mistake.
        if let Some((d, _)) = &run
            && *d != n
            && !line.trim().is_empty()
        {
            panic!(
                "{}: an `<!-- example: … -->` comment must come right before a graphql block",
                at(*d)
            );
        }
    }
    if let Some((d, _)) = run {
        panic!(
            "{}: an `<!-- example: … -->` comment with no graphql block after it",
            at(d)
        );
    }
    page
}

/// The lines up to the closing fence, joined; `None` when the page ends first.
fn fenced<'a>(lines: &mut impl Iterator<Item = (usize, &'a str)>) -> Option<String> {
    let mut body = Vec::new();
    for (_, line) in lines {
        if line.trim_end() == "```" {
            return Some(body.join("\n"));
        }
        body.push(line);
    }
    None
}

fn directive_of(text: &str) -> Result<Run, String> {
    let text = text
        .trim()
        .strip_suffix("-->")
        .ok_or("an example comment ends with -->")?
        .trim();
    if let Some(name) = text.strip_prefix("as ") {
        return Ok(Run::As(name.trim().to_owned()));
    }
    if let Some(reason) = text.strip_prefix("skip") {
        if reason.trim().is_empty() {
            return Err("`skip` needs a reason, for the reader".to_owned());
        }
        return Ok(Run::Skip);
    }
    Err(format!(
        "unknown example comment {text:?}: use `as NAME` or `skip REASON`"
    ))
}

/// `(name, role)` of each `$ caregraph token create --name N --role R` line.
fn token_lines(body: &str) -> Vec<(String, String)> {
    body.lines()
        .filter_map(|l| l.trim().strip_prefix("$ caregraph token create "))
        .map(|args| {
            let words: Vec<_> = args.split_whitespace().collect();
            let value = |flag: &str| {
                words
                    .iter()
                    .position(|w| *w == flag)
                    .and_then(|i| words.get(i + 1))
                    .unwrap_or_else(|| panic!("`caregraph token create {args}` has no {flag}"))
                    .to_string()
            };
            (value("--name"), value("--role"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"
```text
$ caregraph token create --name ed --role editor
```

<!-- example: as ed -->
```graphql
mutation { a }
```

variables: `{"x": 1}`

```json
{"data": {"a": 1}}
```

```graphql
{ b }
```

Prose ends the example.

```json
{"not": "an answer"}
```

<!-- example: skip an SDL fragment -->
```graphql
type A { b: Int }
```
"#;

    #[test]
    fn the_convention_reads_as_documented() {
        let page = scan("page.md", PAGE);
        assert_eq!(page.tokens, [("ed".to_owned(), "editor".to_owned())]);
        let [first, second, third] = &page.examples[..] else {
            panic!("three examples")
        };
        assert_eq!(first.run, Run::As("ed".to_owned()));
        assert_eq!(first.variables.as_deref(), Some(r#"{"x": 1}"#));
        assert_eq!(first.output.as_deref(), Some(r#"{"data": {"a": 1}}"#));
        assert_eq!((&second.run, &second.output), (&Run::Anonymous, &None));
        assert_eq!(third.run, Run::Skip);
        assert!(page.writes());
    }

    #[test]
    #[should_panic(expected = "must come right before a graphql block")]
    fn a_comment_away_from_its_block_is_refused() {
        scan(
            "page.md",
            "<!-- example: as ed -->\n\nprose\n```graphql\n{ a }\n```\n",
        );
    }

    #[test]
    #[should_panic(expected = "unknown example comment")]
    fn an_unknown_comment_is_refused() {
        scan(
            "page.md",
            "<!-- example: maybe -->\n```graphql\n{ a }\n```\n",
        );
    }
}
