//! The Infobutton answer: an Atom feed, as XML (RFC 4287) or as JSON in the layout of
//! MedlinePlus Connect (`{"feed": {"title": {"_value": …}, "entry": […]}}`), so an EHR that
//! reads one reads caregraph unchanged.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Value, json};

pub struct Feed {
    /// The feed's IRI, named after the request.
    pub id: String,
    pub title: String,
    pub subtitle: String,
    /// RFC 3339.
    pub updated: String,
    /// What was asked (`mainSearchCriteria.v.c` = `M48.062`…), as Atom categories.
    pub categories: Vec<Category>,
    pub entries: Vec<Entry>,
}

pub struct Entry {
    pub id: String,
    pub title: String,
    /// Plain text.
    pub summary: String,
    pub updated: String,
    pub links: Vec<Link>,
    pub categories: Vec<Category>,
}

pub struct Link {
    pub href: String,
    pub rel: &'static str,
    pub media_type: &'static str,
    pub title: &'static str,
}

pub struct Category {
    pub scheme: String,
    pub term: String,
}

const AUTHOR: &str = "caregraph";

impl Feed {
    pub fn to_json(&self) -> Value {
        let text = |v: &str| json!({ "_value": v, "type": "text" });
        let categories = |cs: &[Category]| -> Vec<Value> {
            cs.iter()
                .map(|c| json!({ "scheme": c.scheme, "term": c.term }))
                .collect()
        };
        json!({ "feed": {
            "lang": "en",
            "title": text(&self.title),
            "updated": { "_value": self.updated },
            "id": { "_value": self.id },
            "author": { "name": { "_value": AUTHOR } },
            "subtitle": text(&self.subtitle),
            "category": categories(&self.categories),
            "entry": self.entries.iter().map(|e| json!({
                "lang": "en",
                "title": text(&e.title),
                "link": e.links.iter().map(|l| json!({
                    "href": l.href, "rel": l.rel, "type": l.media_type, "title": l.title,
                })).collect::<Vec<_>>(),
                "id": { "_value": e.id },
                "updated": { "_value": e.updated },
                "summary": text(&e.summary),
                "category": categories(&e.categories),
            })).collect::<Vec<_>>(),
        }})
    }

    pub fn to_xml(&self) -> Vec<u8> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing into a Vec cannot fail.
        let _ = self.write_xml(&mut w);
        w.into_inner()
    }

    fn write_xml(&self, w: &mut Writer<Vec<u8>>) -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let feed = BytesStart::new("feed")
            .with_attributes([("xmlns", "http://www.w3.org/2005/Atom"), ("xml:lang", "en")]);
        w.write_event(Event::Start(feed))?;
        element(w, "title", &[("type", "text")], &self.title)?;
        element(w, "updated", &[], &self.updated)?;
        element(w, "id", &[], &self.id)?;
        w.write_event(Event::Start(BytesStart::new("author")))?;
        element(w, "name", &[], AUTHOR)?;
        w.write_event(Event::End(BytesEnd::new("author")))?;
        element(w, "subtitle", &[("type", "text")], &self.subtitle)?;
        categories(w, &self.categories)?;
        for e in &self.entries {
            w.write_event(Event::Start(BytesStart::new("entry")))?;
            element(w, "title", &[("type", "text")], &e.title)?;
            for l in &e.links {
                let link = BytesStart::new("link").with_attributes([
                    ("href", l.href.as_str()),
                    ("rel", l.rel),
                    ("type", l.media_type),
                    ("title", l.title),
                ]);
                w.write_event(Event::Empty(link))?;
            }
            element(w, "id", &[], &e.id)?;
            element(w, "updated", &[], &e.updated)?;
            element(w, "summary", &[("type", "text")], &e.summary)?;
            categories(w, &e.categories)?;
            w.write_event(Event::End(BytesEnd::new("entry")))?;
        }
        w.write_event(Event::End(BytesEnd::new("feed")))
    }
}

fn element(
    w: &mut Writer<Vec<u8>>,
    name: &str,
    attributes: &[(&str, &str)],
    text: &str,
) -> std::io::Result<()> {
    let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
    w.write_event(Event::Start(start))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn categories(w: &mut Writer<Vec<u8>>, cs: &[Category]) -> std::io::Result<()> {
    for c in cs {
        let category = BytesStart::new("category")
            .with_attributes([("scheme", c.scheme.as_str()), ("term", c.term.as_str())]);
        w.write_event(Event::Empty(category))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> Feed {
        Feed {
            id: "http://h/infobutton?x=1&y=2".into(),
            title: "t".into(),
            subtitle: "s <b>".into(),
            updated: "2026-12-03T00:00:00Z".into(),
            categories: vec![Category {
                scheme: "mainSearchCriteria.v.c".into(),
                term: "M48.062".into(),
            }],
            entries: vec![Entry {
                id: "urn:uuid:1".into(),
                title: "Spinal stenosis & more".into(),
                summary: "A \"quote\" <script>".into(),
                updated: "2026-12-01T00:00:00Z".into(),
                links: vec![Link {
                    href: "http://h/a?b=1&c=2".into(),
                    rel: "alternate",
                    media_type: "application/ld+json",
                    title: "JSON-LD",
                }],
                categories: vec![],
            }],
        }
    }

    #[test]
    fn xml_is_escaped_atom() {
        let xml = String::from_utf8(feed().to_xml()).unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        assert!(
            xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""),
            "{xml}"
        );
        assert!(xml.contains("Spinal stenosis &amp; more"), "{xml}");
        assert!(xml.contains("&lt;script&gt;"), "{xml}");
        assert!(xml.contains("href=\"http://h/a?b=1&amp;c=2\""), "{xml}");
        assert!(!xml.contains("<script>"), "{xml}");
    }

    #[test]
    fn json_has_medlineplus_connect_layout() {
        let j = feed().to_json();
        assert_eq!(
            j["feed"]["entry"][0]["title"]["_value"],
            "Spinal stenosis & more"
        );
        assert_eq!(
            j["feed"]["entry"][0]["link"][0]["href"],
            "http://h/a?b=1&c=2"
        );
        assert_eq!(j["feed"]["category"][0]["term"], "M48.062");
    }
}
