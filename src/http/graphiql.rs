//! placeholder
use actix_web::HttpResponse;
pub async fn page() -> HttpResponse {
    HttpResponse::Ok().finish()
}
pub async fn asset() -> HttpResponse {
    HttpResponse::Ok().finish()
}
