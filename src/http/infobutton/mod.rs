//! `GET /infobutton`: the HL7 Infobutton URL-based interface, the question EHRs ask health
//! content services (MedlinePlus Connect among them): "what do you have for this code?". The
//! answer is an Atom feed of caregraph's published pages for the code: those carrying it
//! (or, for ICD-10-CM, its nearest ancestor), else, when the EHR sent the code's display name,
//! the pages a name search finds.
//!
//! Like `/conditions/{slug}.jsonld`, it runs GraphQL (`codeLookup`, then `search`) through
//! the schema as an anonymous reader, so it answers exactly what the API answers.

mod feed;
mod params;

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{Request, Response, Variables};
use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};

use super::AppState;
use crate::graphql::request;
use feed::{Category, Entry, Feed, Link};
use params::{Format, Params};

const LOOKUP: &str = "query InfobuttonLookup($codings: [CodingInput!]!) {
  codeLookup(codings: $codings) {
    system code
    matches { rolledUpFrom via { system code display match } node { ...InfobuttonEntry } }
  }
}
query InfobuttonSearch($text: String!) {
  search(text: $text, first: 5) { edges { node { ...InfobuttonEntry } } }
}
fragment InfobuttonEntry on Node { id kind slug name summary reviewedAt updatedAt }";

/// What a reader follows from an entry: the node's page in GraphQL, by GET.
const PAGE: &str = "query Page($slug: String!) { KIND(slug: $slug) { name summary \
codings { system code display match } citations { quote source { title url } } } }";

pub async fn infobutton(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    let params = match params::parse(&query) {
        Ok(p) => p,
        Err(reason) => return bad_request(&reason),
    };
    let env = state.graphql_env();

    let codings: Vec<Value> = params
        .criteria
        .iter()
        .map(|c| json!({ "system": c.system, "code": c.code, "display": c.display }))
        .collect();
    let looked_up = run(&env, "InfobuttonLookup", json!({ "codings": codings })).await;
    let data = match looked_up {
        Ok(data) => data,
        Err(Failure::BadInput(message)) => return bad_request(&message),
        Err(Failure::Internal) => return internal_error(),
    };
    let mut found = Found::default();
    for result in as_list(&data["codeLookup"]) {
        for m in as_list(&result["matches"]) {
            found.add(&m["node"], code_categories(m));
        }
    }
    if found.entries.is_empty() {
        for display in params.criteria.iter().filter_map(|c| c.display.as_deref()) {
            match run(&env, "InfobuttonSearch", json!({ "text": display })).await {
                Ok(data) => {
                    for edge in as_list(&data["search"]["edges"]) {
                        let by_name = Category {
                            scheme: "urn:caregraph:foundBy".into(),
                            term: format!("name search: {display}"),
                        };
                        found.add(&edge["node"], vec![by_name]);
                    }
                }
                // A display name the search cannot read (only punctuation, say) finds nothing.
                Err(Failure::BadInput(_)) => {}
                Err(Failure::Internal) => return internal_error(),
            }
        }
    }
    let feed = feed_of(&params, req.uri().to_string(), found.entries);
    let (body, content_type) = match params.format {
        Format::Json => (feed.to_json().to_string().into_bytes(), "application/json"),
        Format::Xml => (feed.to_xml(), "text/xml; charset=utf-8"),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .body(body)
}

enum Failure {
    BadInput(String),
    Internal,
}

async fn run(
    env: &request::Env<'_, super::ResponseCache>,
    operation: &str,
    variables: Value,
) -> Result<Value, Failure> {
    let request = Request::new(LOOKUP)
        .operation_name(operation)
        .variables(Variables::from_json(variables));
    let response: Response = request::execute_own(env, request).await;
    if let Some(error) = response.errors.first() {
        let code = error.extensions.as_ref().and_then(|e| e.get("code"));
        if matches!(code, Some(async_graphql::Value::String(c)) if c == "BAD_USER_INPUT") {
            return Err(Failure::BadInput(error.message.clone()));
        }
        tracing::warn!(errors = ?response.errors, "infobutton query failed");
        return Err(Failure::Internal);
    }
    Ok(response.data.into_json().unwrap_or_default())
}

/// Entries in the order found, each node once.
#[derive(Default)]
struct Found {
    seen: HashSet<String>,
    entries: Vec<Entry>,
}

impl Found {
    /// Links are relative to this server: built from the Host header, a cached feed could send
    /// every reader to whatever host one request named.
    fn add(&mut self, node: &Value, categories: Vec<Category>) {
        let text = |k: &str| node[k].as_str().unwrap_or_default().to_owned();
        let (id, slug, kind) = (text("id"), text("slug"), text("kind").to_lowercase());
        if !self.seen.insert(id.clone()) {
            return;
        }
        let mut links = Vec::new();
        if kind == "condition" {
            links.push(Link {
                href: format!("/conditions/{slug}.jsonld"),
                rel: "alternate",
                media_type: "application/ld+json",
                title: "schema.org MedicalCondition",
            });
        }
        let page = serde_urlencoded::to_string([
            ("query", PAGE.replace("KIND", &kind)),
            ("variables", json!({ "slug": slug }).to_string()),
        ])
        .unwrap_or_default();
        links.push(Link {
            href: format!("/graphql?{page}"),
            rel: "related",
            media_type: "application/graphql-response+json",
            title: "GraphQL page",
        });
        let mut categories = categories;
        categories.insert(
            0,
            Category {
                scheme: "urn:caregraph:kind".into(),
                term: kind.to_uppercase(),
            },
        );
        self.entries.push(Entry {
            id: format!("urn:uuid:{id}"),
            title: text("name"),
            summary: text("summary"),
            // The "medically reviewed" date; content never reviewed shows its last change.
            updated: node["reviewedAt"]
                .as_str()
                .or_else(|| node["updatedAt"].as_str())
                .unwrap_or_default()
                .to_owned(),
            links,
            categories,
        });
    }
}

/// How an entry matched its code: the node's coding, how it relates, and the roll-up.
fn code_categories(m: &Value) -> Vec<Category> {
    let via = &m["via"];
    let mut out = vec![
        Category {
            scheme: via["system"].as_str().unwrap_or_default().to_owned(),
            term: via["code"].as_str().unwrap_or_default().to_owned(),
        },
        Category {
            scheme: "urn:caregraph:match".into(),
            term: via["match"].as_str().unwrap_or_default().to_owned(),
        },
    ];
    if let Some(from) = m["rolledUpFrom"].as_str() {
        out.push(Category {
            scheme: "urn:caregraph:rolledUpFrom".into(),
            term: from.to_owned(),
        });
    }
    out
}

fn feed_of(params: &Params, uri: String, entries: Vec<Entry>) -> Feed {
    let asked: Vec<String> = params
        .criteria
        .iter()
        .map(|c| match &c.display {
            Some(d) => format!("{} ({d})", c.code),
            None => c.code.clone(),
        })
        .collect();
    let mut categories = Vec::new();
    for (i, c) in params.criteria.iter().enumerate() {
        let n = if i == 0 { String::new() } else { i.to_string() };
        categories.push(Category {
            scheme: format!("mainSearchCriteria.v.c{n}"),
            term: c.code.clone(),
        });
        categories.push(Category {
            scheme: format!("mainSearchCriteria.v.cs{n}"),
            term: c.system.clone(),
        });
    }
    categories.push(Category {
        scheme: "informationRecipient".into(),
        term: params.recipient.as_str().into(),
    });
    let updated = entries
        .iter()
        .map(|e| e.updated.clone())
        .max()
        .unwrap_or_else(|| Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
    Feed {
        // Atom wants an IRI that names the feed for good: the request itself names it.
        id: format!("urn:caregraph:infobutton:{uri}"),
        title: "caregraph".into(),
        subtitle: format!("caregraph results for {}", asked.join(", ")),
        updated,
        categories,
        entries,
    }
}

fn as_list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn bad_request(reason: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{reason}\n"))
}

fn internal_error() -> HttpResponse {
    HttpResponse::InternalServerError()
        .content_type("text/plain")
        .body("internal error")
}
