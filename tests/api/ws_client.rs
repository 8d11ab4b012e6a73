//! A graphql-transport-ws client over tokio-tungstenite, for the subscription tests.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::TestApp;

/// Longest a test waits for one message.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct WsClient {
    socket: Box<WebSocketStream<MaybeTlsStream<TcpStream>>>,
}

/// How an upgrade went: connected, or refused with an HTTP status and body.
pub enum Upgrade {
    Open(WsClient),
    Refused(StatusCode, Value),
}

/// Opens a WebSocket to `app`'s /graphql offering `protocol` (none when `None`), with
/// extra `headers`.
pub async fn open(app: &TestApp, protocol: Option<&str>, headers: &[(&str, &str)]) -> Upgrade {
    let url = format!("{}/graphql", app.address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    if let Some(protocol) = protocol {
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocol).expect("header"),
        );
    }
    for (name, value) in headers {
        request.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_str(value).expect("value"),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, response)) => {
            if let Some(protocol) = protocol {
                assert_eq!(
                    response.headers()["Sec-WebSocket-Protocol"],
                    protocol.split(',').next().expect("one").trim()
                );
            }
            Upgrade::Open(WsClient {
                socket: Box::new(socket),
            })
        }
        Err(tungstenite::Error::Http(response)) => {
            let status = response.status();
            let body = response
                .into_body()
                .map(|b| serde_json::from_slice(&b).unwrap_or(Value::Null))
                .unwrap_or(Value::Null);
            Upgrade::Refused(status, body)
        }
        Err(err) => panic!("cannot open a WebSocket: {err}"),
    }
}

/// A graphql-transport-ws connection, acknowledged, with `payload` in `connection_init`.
pub async fn connect(app: &TestApp, payload: Value) -> WsClient {
    let Upgrade::Open(mut client) = open(app, Some("graphql-transport-ws"), &[]).await else {
        panic!("the upgrade was refused");
    };
    client
        .send(json!({ "type": "connection_init", "payload": payload }))
        .await;
    let ack = client.next().await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    client
}

impl WsClient {
    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send");
    }

    /// Starts operation `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe",
                          "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next protocol message (pings are answered by tungstenite itself); panics after
    /// `PATIENCE` or when the connection closes.
    pub async fn next(&mut self) -> Value {
        match self.next_or_close().await {
            Ok(message) => message,
            Err(close) => panic!("closed: {close:?}"),
        }
    }

    /// The next protocol message, or the close code and reason.
    pub async fn next_or_close(&mut self) -> Result<Value, (u16, String)> {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a message in time");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Ok(serde_json::from_str(&text).expect("JSON message"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.to_string())
                    }));
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err((1006, err.to_string())),
                None => return Err((1006, "ended".to_owned())),
            }
        }
    }

    /// Waits for the close; returns its code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            if let Err(close) = self.next_or_close().await {
                return close;
            }
        }
    }
}
