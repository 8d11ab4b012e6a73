//! Documents already parsed and measured, by their text, so a query sent again (the usual
//! case: frontends send the same few documents with other variables) is not lexed, parsed,
//! measured and validated again. Only documents that passed every check that depends on the
//! text alone are kept; what depends on the request (the operation chosen, the caller's token,
//! the variables of an introspection, the variables' values against the arguments' types) is
//! checked on every request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{DocumentValidated, Pos, Request};
use lru::LruCache;

/// Most documents kept; the least recently used goes first.
const MAX_ENTRIES: usize = 1000;
/// Most bytes of query text kept (the parsed form is a small multiple of it).
const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;

/// A document that passed the text-only limits.
pub(crate) struct CheckedDocument {
    pub(crate) document: ExecutableDocument,
    /// Where an operation introspects the schema (`__schema`, `__type`), if one does.
    pub(crate) introspects_at: Option<Pos>,
    /// Whether the document passed async-graphql's validation once: every rule that depends
    /// on the text alone holds for it whatever the request, so later requests run only the
    /// checks of their variables (`async_graphql::DocumentValidated`).
    pub(crate) validated: Arc<AtomicBool>,
}

impl CheckedDocument {
    pub(crate) fn new(document: ExecutableDocument, introspects_at: Option<Pos>) -> Self {
        Self {
            document,
            introspects_at,
            validated: Arc::default(),
        }
    }

    /// Tells async-graphql, through `request`'s data, what validation the document still
    /// needs: only the request's part once it passed, else all of it, whose success
    /// [`PendingValidation`] records.
    pub(crate) fn mark(&self, request: &mut Request) {
        if self.validated.load(Ordering::Relaxed) {
            request.data.insert(DocumentValidated);
        } else {
            request
                .data
                .insert(PendingValidation(self.validated.clone()));
        }
    }
}

/// In a request's data while its document awaits its first full validation; the extension
/// that codes validation errors (`schema::ErrorCodes`) calls [`PendingValidation::passed`]
/// when it passes.
#[derive(Clone)]
pub(crate) struct PendingValidation(Arc<AtomicBool>);

impl PendingValidation {
    pub(crate) fn passed(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

pub(crate) struct DocumentCache {
    entries: Mutex<Entries>,
}

struct Entries {
    lru: LruCache<Box<str>, Arc<CheckedDocument>>,
    text_bytes: usize,
}

impl DocumentCache {
    pub(crate) fn new() -> Self {
        Self {
            entries: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                text_bytes: 0,
            }),
        }
    }

    pub(crate) fn get(&self, text: &str) -> Option<Arc<CheckedDocument>> {
        self.lock().lru.get(text).cloned()
    }

    pub(crate) fn insert(&self, text: &str, checked: CheckedDocument) {
        let mut entries = self.lock();
        if entries.lru.put(text.into(), Arc::new(checked)).is_none() {
            entries.text_bytes += text.len();
        }
        while entries.lru.len() > MAX_ENTRIES || entries.text_bytes > MAX_TEXT_BYTES {
            match entries.lru.pop_lru() {
                Some((text, _)) => entries.text_bytes -= text.len(),
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves a consistent map: every change is one call.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().lru.len()
    }
}

impl std::fmt::Debug for DocumentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.lock();
        f.debug_struct("DocumentCache")
            .field("documents", &entries.lru.len())
            .field("text_bytes", &entries.text_bytes)
            .finish()
    }
}

impl Default for DocumentCache {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> CheckedDocument {
        CheckedDocument::new(
            async_graphql::parser::parse_query(text).expect("parses"),
            None,
        )
    }

    #[test]
    fn keeps_the_most_recent_documents_within_its_bounds() {
        let cache = DocumentCache::new();
        for i in 0..MAX_ENTRIES + 10 {
            let text = format!("{{ a{i} }}");
            cache.insert(&text, checked(&text));
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        assert!(cache.get("{ a0 }").is_none());
        assert!(cache.get(&format!("{{ a{} }}", MAX_ENTRIES + 9)).is_some());
        // Text bytes bound it too.
        let big = format!("{{ a }} #{}", "x".repeat(MAX_TEXT_BYTES / 3));
        for i in 0..4 {
            let text = format!("{big}{i}");
            cache.insert(&text, checked(&text));
        }
        assert!(cache.lock().text_bytes <= MAX_TEXT_BYTES);
        assert!(cache.get(&format!("{big}3")).is_some());
        assert!(cache.get(&format!("{big}0")).is_none());
    }
}
