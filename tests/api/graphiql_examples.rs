//! GraphiQL's example tabs (`assets/graphiql/examples.js`) are the README's questions: the
//! same queries, in the same order, none missing. The README is the source; this test is what
//! keeps the copy the page serves from drifting away from it.

use std::path::Path;

const SECTION: &str = "## The article's questions, as a frontend asks them";

#[test]
fn the_graphiql_example_tabs_are_the_readmes_questions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");

    let (questions, blocks) = readme_questions(&readme);
    // One query per question, so a question added to the README without a query (or with
    // two) is noticed here rather than silently left out of GraphiQL.
    assert_eq!(
        questions.len(),
        blocks.len(),
        "each README question has exactly one graphql block: {questions:#?}"
    );
    assert!(blocks.len() >= 6, "the README's questions: {questions:#?}");

    let examples = examples();
    let readme_names: Vec<_> = blocks.iter().map(|b| operation_name(b)).collect();
    let example_names: Vec<_> = examples.iter().map(|e| operation_name(e)).collect();
    assert_eq!(
        example_names, readme_names,
        "examples.js holds other operations than the README (or in another order)"
    );
    for (example, block) in examples.iter().zip(&blocks) {
        assert_eq!(
            normalize(example),
            normalize(block),
            "examples.js differs from the README for {}",
            operation_name(block)
        );
    }
    // GraphiQL titles a tab with its operation's name: two alike would be indistinguishable.
    let mut unique = readme_names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), readme_names.len(), "{readme_names:?}");
}

/// The `###` headings and the ```graphql blocks of the README's questions section.
fn readme_questions(readme: &str) -> (Vec<String>, Vec<String>) {
    let start = readme
        .find(SECTION)
        .expect("the README's questions section");
    let section = &readme[start + SECTION.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];

    let mut questions = Vec::new();
    let mut blocks = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in section.lines() {
        match block.as_mut() {
            Some(lines) if line.trim_end() == "```" => {
                blocks.push(lines.join("\n"));
                block = None;
            }
            Some(lines) => lines.push(line),
            None if line.trim_end() == "```graphql" => block = Some(Vec::new()),
            None => {
                if let Some(question) = line.strip_prefix("### ") {
                    questions.push(question.to_owned());
                }
            }
        }
    }
    assert!(block.is_none(), "unclosed graphql block in the README");
    (questions, blocks)
}

/// The example queries GraphiQL opens as tabs, in order: `window.caregraphExamples = [...];`
/// in `examples.js`, a JSON list of queries given as lists of lines.
pub(crate) fn examples() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/graphiql/examples.js");
    let script =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // At the start of a line: the file's header comment quotes the assignment too.
    let assignment = "\nwindow.caregraphExamples =";
    let start = script
        .find(assignment)
        .expect("examples.js sets caregraphExamples")
        + assignment.len();
    let end = script.rfind(';').expect("the assignment ends with ;");
    let list: Vec<Vec<String>> = serde_json::from_str(&script[start..end])
        .unwrap_or_else(|e| panic!("examples.js: the list is not JSON lists of lines: {e}"));
    list.into_iter().map(|lines| lines.join("\n")).collect()
}

/// The name after `query`, for messages and tab titles.
pub(crate) fn operation_name(query: &str) -> String {
    query
        .lines()
        .find_map(|l| l.trim().strip_prefix("query "))
        .and_then(|rest| rest.split([' ', '(', '{']).next())
        .unwrap_or("(anonymous)")
        .to_owned()
}

/// Each line's whitespace collapsed, blank lines dropped: layout may differ, words may not.
fn normalize(query: &str) -> Vec<String> {
    query
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}
