//! GraphQL over WebSocket on `/graphql`: a GET with `Upgrade: websocket` speaks the
//! `graphql-transport-ws` protocol (Apollo Client, urql, GraphiQL and the `graphql-ws`
//! package) or the legacy `graphql-ws` one (subscriptions-transport-ws). async-graphql runs
//! the protocol; this module admits the connection, checks the caller, keeps it alive and
//! applies what the protocol leaves to the server:
//! - browsers may open a WebSocket from any page, and CORS does not cover it: an `Origin`
//!   other than this server's own or a configured CORS origin is refused (403);
//! - at most so many connections in all (503) and per client address (429);
//! - `connection_init` within the init timeout (close 4408), a token that is valid (4403),
//!   no `subscribe` before the acknowledgement (4401), no id used twice at once (4409), at
//!   most so many operations at once;
//! - a ping every ping interval; a connection silent (not even a pong) for the idle timeout
//!   is closed;
//! - every operation passes the same limits as over HTTP, and reads what its caller may
//!   read: anonymous callers published content only.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols as Protocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Request, Response, ServerError};
use futures_util::stream::{self, BoxStream, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::AppState;
use super::graphql::viewer_of;
use super::graphql_request::{JSON, protocol_code, refuse};
use crate::db::CountingConn;
use crate::domain::rules::auth::Viewer;
use crate::graphql::RequestState;
use crate::graphql::error::code;
use crate::graphql::request::operation;
use crate::graphql::request::{AnswerCache as _, Observer as _};
use crate::live::connections::{Admitted, Full};

/// Whether `http` asks to switch to WebSocket.
pub fn is_upgrade(http: &HttpRequest) -> bool {
    http.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

pub async fn upgrade(
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(protocol) = protocol(&http) else {
        return *refuse(
            StatusCode::BAD_REQUEST,
            JSON,
            protocol_code::BAD_REQUEST,
            "WebSocket clients must offer the graphql-transport-ws subprotocol \
             (or the legacy graphql-ws) in Sec-WebSocket-Protocol",
        );
    };
    if !origin_allowed(&http, &state.config.guard.cors_allowed_origins) {
        return *refuse(
            StatusCode::FORBIDDEN,
            JSON,
            code::FORBIDDEN,
            "WebSocket connections are accepted from this server's own pages and the \
             configured CORS origins only",
        );
    }
    let client = http
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let admitted = match state.live.connections.admit(client) {
        Ok(admitted) => admitted,
        Err(full) => {
            let (status, message) = match full {
                Full::Server => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server holds its most WebSocket connections; try again later",
                ),
                Full::Client => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "this client holds its most WebSocket connections; close one first",
                ),
            };
            let mut refusal = refuse(status, JSON, code::LIMIT_EXCEEDED, message);
            refusal
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return *refusal;
        }
    };
    let (mut response, session, messages) = match actix_ws::handle(&http, payload) {
        Ok(handshake) => handshake,
        Err(err) => return err.error_response(),
    };
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    let messages = messages.max_frame_size(state.config.limits.max_body_bytes);
    actix_web::rt::spawn(serve(state, admitted, session, messages, protocol));
    response
}

/// The first subprotocol offered that caregraph speaks.
fn protocol(http: &HttpRequest) -> Option<Protocols> {
    http.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|offered| offered.trim().parse().ok())
}

/// No `Origin` (not a browser), this server's own, or a configured CORS origin.
fn origin_allowed(http: &HttpRequest, allowed: &[String]) -> bool {
    let Some(origin) = http.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.to_ascii_lowercase();
    let own = http.connection_info();
    let host = own.host().to_ascii_lowercase();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host)
        || allowed.iter().any(|a| a.eq_ignore_ascii_case(&origin))
}

/// One connection, from the upgrade to its close.
async fn serve(
    state: web::Data<AppState>,
    admitted: Admitted,
    mut session: Session,
    mut messages: MessageStream,
    protocol: Protocols,
) {
    let live = &state.config.live;
    let viewer = Arc::new(OnceLock::new());
    let (to_graphql, from_client) = mpsc::channel::<String>(16);
    let executor = Executor {
        state: state.clone(),
        viewer: Arc::clone(&viewer),
    };
    let from_client = stream::unfold(from_client, |mut rx| async move {
        rx.recv().await.map(|message| (message, rx))
    })
    .boxed();
    let mut graphql = WebSocket::new(executor, from_client, protocol);
    let mut ping = tokio::time::interval(live.ping_interval());
    ping.reset();
    let init_deadline = tokio::time::Instant::now() + live.init_timeout();
    let mut last_heard = Instant::now();
    let mut operations = Operations::default();
    let close = loop {
        tokio::select! {
            message = messages.next() => {
                last_heard = Instant::now();
                let text = match message {
                    Some(Ok(Message::Text(text))) => text.to_string(),
                    Some(Ok(Message::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
                    Some(Ok(Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { break None }
                        continue;
                    }
                    Some(Ok(Message::Pong(_) | Message::Continuation(_) | Message::Nop)) => continue,
                    // The client's close is answered with its own code, as the protocol asks.
                    Some(Ok(Message::Close(reason))) => {
                        break Some(reason.unwrap_or_else(|| closing(CloseCode::Normal, String::new())))
                    }
                    None => break None,
                    Some(Err(err)) => break Some(closing(CloseCode::Protocol, err.to_string())),
                };
                match screen(&state, &text, &viewer, &mut operations).await {
                    Screened::Forward => {
                        if to_graphql.send(text).await.is_err() { break None }
                    }
                    Screened::Answer(answer) => {
                        if session.text(answer).await.is_err() { break None }
                    }
                    Screened::Close(code, reason) => break Some(closing(code, reason)),
                }
            }
            out = graphql.next() => match out {
                Some(WsMessage::Text(text)) => {
                    operations.note_server(&text);
                    if session.text(text).await.is_err() { break None }
                }
                Some(WsMessage::Close(code, reason)) => break Some(closing(CloseCode::Other(code), reason)),
                None => break Some(closing(CloseCode::Normal, String::new())),
            },
            () = tokio::time::sleep_until(init_deadline), if viewer.get().is_none() => {
                break Some(closing(CloseCode::Other(4408), "Connection initialisation timeout".to_owned()));
            }
            _ = ping.tick() => {
                if last_heard.elapsed() >= live.idle_timeout() {
                    break Some(closing(CloseCode::Away, "idle for too long".to_owned()));
                }
                if session.ping(b"").await.is_err() { break None }
            }
        }
    };
    if let Some(reason) = close {
        let _ = session.close(Some(reason)).await;
    }
    drop(admitted);
}

fn closing(code: CloseCode, reason: String) -> CloseReason {
    CloseReason {
        code,
        description: (!reason.is_empty()).then_some(reason),
    }
}

/// What to do with one client message.
enum Screened {
    /// Pass it to the protocol.
    Forward,
    /// Answer it here.
    Answer(String),
    /// Close the connection.
    Close(CloseCode, String),
}

/// The operations a connection runs now, by id.
#[derive(Default)]
struct Operations {
    running: HashSet<String>,
}

impl Operations {
    /// Forgets an operation the server completed or failed.
    fn note_server(&mut self, text: &str) {
        // The type comes first (async-graphql writes it as the enum's tag), so the events of
        // a subscription, which are most of what is sent, are not parsed again.
        let ends = [r#"{"type":"complete""#, r#"{"type":"error""#];
        if ends.iter().any(|start| text.starts_with(start))
            && let Ok(message) = serde_json::from_str::<Value>(text)
            && matches!(message["type"].as_str(), Some("complete" | "error"))
            && let Some(id) = message["id"].as_str()
        {
            self.running.remove(id);
        }
    }
}

/// The protocol rules async-graphql leaves to the server, and the caller's token.
async fn screen(
    state: &AppState,
    text: &str,
    viewer: &OnceLock<Viewer>,
    operations: &mut Operations,
) -> Screened {
    // Malformed messages are the protocol's to refuse (it closes with 4400).
    let Ok(message) = serde_json::from_str::<Value>(text) else {
        return Screened::Forward;
    };
    let id = message["id"].as_str();
    match message["type"].as_str() {
        Some("connection_init") if viewer.get().is_none() => {
            let payload = &message["payload"];
            let authorization = ["Authorization", "authorization"].iter().find_map(|key| {
                payload[key]
                    .as_str()
                    .or_else(|| payload["headers"][key].as_str())
            });
            match viewer_of(state, authorization).await {
                Ok(Viewer::Invalid) => Screened::Close(
                    CloseCode::Other(4403),
                    "Forbidden: invalid token".to_owned(),
                ),
                Ok(found) => {
                    let _ = viewer.set(found);
                    Screened::Forward
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot check a WebSocket caller's token");
                    Screened::Close(CloseCode::Again, "cannot check the token now".to_owned())
                }
            }
        }
        Some("connection_init") => Screened::Close(
            CloseCode::Other(4429),
            "Too many initialisation requests".to_owned(),
        ),
        Some("subscribe" | "start") => {
            if viewer.get().is_none() {
                return Screened::Close(CloseCode::Other(4401), "Unauthorized".to_owned());
            }
            let Some(id) = id else {
                return Screened::Forward;
            };
            if operations.running.contains(id) {
                return Screened::Close(
                    CloseCode::Other(4409),
                    format!("Subscriber for {id} already exists"),
                );
            }
            if operations.running.len() >= state.config.live.ws_max_operations {
                return Screened::Answer(
                    json!({
                        "id": id,
                        "type": "error",
                        "payload": [{
                            "message": format!(
                                "a connection runs at most {} operations at once; complete one first",
                                state.config.live.ws_max_operations
                            ),
                            "extensions": { "code": code::LIMIT_EXCEEDED },
                        }],
                    })
                    .to_string(),
                );
            }
            operations.running.insert(id.to_owned());
            Screened::Forward
        }
        Some("complete" | "stop") => {
            if let Some(id) = id {
                operations.running.remove(id);
            }
            Screened::Forward
        }
        _ => Screened::Forward,
    }
}

/// Runs a connection's operations the way `/graphql` runs a POST's: the same limits, the
/// database the caller reads, the change hub for subscriptions.
#[derive(Clone)]
struct Executor {
    state: web::Data<AppState>,
    viewer: Arc<OnceLock<Viewer>>,
}

impl async_graphql::Executor for Executor {
    async fn execute(&self, request: Request) -> Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        stream::once(async move { this.run(request, session_data).await })
            .flatten()
            .boxed()
    }
}

impl Executor {
    async fn run(
        self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let state = self.state;
        let viewer = self.viewer.get().cloned().unwrap_or(Viewer::Anonymous);
        let token_holder = matches!(viewer, Viewer::Token(_));
        let graphql = &state.schema;
        if let Err(err) = graphql.resolve_persisted(&mut request).await {
            return refused(err);
        }
        if let Err(refused_request) = graphql.limits().check(&mut request, token_holder) {
            return refused(*refused_request.error);
        }
        let kind = operation::select(&mut request).kind;
        let mutation = kind == Some(OperationType::Mutation);
        let reads = if mutation || token_holder {
            &state.db
        } else {
            state.reads.current()
        };
        let db = CountingConn::with_metrics(reads.clone(), state.metrics.statement_seconds())
            .writing_to(state.db.clone());
        let request = request
            .data(RequestState::new(db, viewer.clone(), kind))
            .data(Arc::clone(&state.live.hub));
        let schema = graphql.schema_for(&viewer).clone();
        if kind == Some(OperationType::Subscription) {
            return match session_data {
                Some(data) => schema.execute_stream_with_session_data(request, data),
                None => schema.execute_stream(request),
            };
        }
        // A query or a mutation: one answer, under the same time limit as over HTTP.
        let limit = graphql.limits().execution_time();
        let response = match tokio::time::timeout(limit, schema.execute(request)).await {
            Ok(response) => response,
            Err(_) => {
                Response::from_errors(vec![crate::graphql::request::limits::timed_out(limit)])
            }
        };
        if mutation {
            // As over HTTP: this process's cache drops what the mutation changed before the
            // answer is sent.
            state.cache.refresh(state.reads.current()).await;
        }
        stream::once(async move { response }).boxed()
    }
}

fn refused(err: ServerError) -> BoxStream<'static, Response> {
    stream::once(async move { Response::from_errors(vec![err]) }).boxed()
}
