//! GraphiQL's example tabs (`assets/graphiql/examples.js`) are the article's questions of
//! `docs/queries.md`: the same queries, in the same order, none missing. The page is the
//! source; this test is what keeps the copy GraphiQL serves from drifting away from it. The
//! README shows one of the questions, which must be the same query as on the page.

use std::path::Path;

/// Where the questions are, and the heading of their section.
const QUESTIONS_PAGE: &str = "docs/queries.md";
const SECTION: &str = "## The article's questions, as a frontend asks them";
/// The README's section that shows one of them.
const README_SECTION: &str = "## A question, as a frontend asks it";

#[test]
fn the_graphiql_example_tabs_are_the_documented_questions() {
    let (questions, blocks) = documented_questions(&read(QUESTIONS_PAGE), SECTION);
    // One query per question, so a question added to the page without a query (or with
    // two) is noticed here rather than silently left out of GraphiQL.
    assert_eq!(
        questions.len(),
        blocks.len(),
        "each question of {QUESTIONS_PAGE} has exactly one graphql block: {questions:#?}"
    );
    assert!(blocks.len() >= 6, "the questions: {questions:#?}");

    let examples = examples();
    let page_names: Vec<_> = blocks.iter().map(|b| operation_name(b)).collect();
    let example_names: Vec<_> = examples.iter().map(|e| operation_name(e)).collect();
    assert_eq!(
        example_names, page_names,
        "examples.js holds other operations than {QUESTIONS_PAGE} (or in another order)"
    );
    for (example, block) in examples.iter().zip(&blocks) {
        assert_eq!(
            normalize(example),
            normalize(block),
            "examples.js differs from {QUESTIONS_PAGE} for {}",
            operation_name(block)
        );
    }
    // GraphiQL titles a tab with its operation's name: two alike would be indistinguishable.
    let mut unique = page_names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), page_names.len(), "{page_names:?}");
}

#[test]
fn the_readmes_question_is_one_of_the_documented_questions() {
    let (_, blocks) = documented_questions(&read(QUESTIONS_PAGE), SECTION);
    let (readme_questions, readme_blocks) =
        documented_questions(&read("README.md"), README_SECTION);
    assert_eq!(
        readme_blocks.len(),
        1,
        "the README shows one question: {readme_questions:?}"
    );
    let name = operation_name(&readme_blocks[0]);
    let block = blocks
        .iter()
        .find(|b| operation_name(b) == name)
        .unwrap_or_else(|| panic!("the README's {name} is not a question of {QUESTIONS_PAGE}"));
    assert_eq!(
        normalize(&readme_blocks[0]),
        normalize(block),
        "the README's {name} differs from {QUESTIONS_PAGE}'s"
    );
}

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `###` headings and the ```graphql blocks of the `##` section headed `heading`.
fn documented_questions(page: &str, heading: &str) -> (Vec<String>, Vec<String>) {
    let start = page
        .find(heading)
        .unwrap_or_else(|| panic!("no section {heading:?}"));
    let section = &page[start + heading.len()..];
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
    assert!(block.is_none(), "unclosed graphql block in {heading:?}");
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
