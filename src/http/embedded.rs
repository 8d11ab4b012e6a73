//! Answers for the pages caregraph embeds in its binary (GraphiQL, the graph page): the page
//! under its Content-Security-Policy, and its assets by file name.

use actix_web::HttpResponse;
use actix_web::http::header;

/// (file name, content type, bytes) of one asset a page loads.
pub type Asset = (&'static str, &'static str, &'static [u8]);

pub const JS: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";

/// The page itself, never cached without asking: it names the assets of this binary.
pub fn page(html: &'static [u8], csp: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html)
}

/// The asset named `file`, or 404.
pub fn asset(assets: &[Asset], file: &str) -> HttpResponse {
    match assets.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            // The assets change only with a new binary; a day of caching is safe.
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(*bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain")
            .body("no such asset"),
    }
}
