//! Live change events over GraphQL subscriptions (`graphql-transport-ws` at `/graphql/ws`).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use assetgraph::domain::access::Role;

use crate::helpers::{TestApp, spawn_app};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A subscriber connected and acknowledged over `graphql-transport-ws`, as the tester.
async fn connect(app: &TestApp) -> Socket {
    let secret = app.token("tester", Role::Admin).await;
    let mut socket = open(app).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {secret}")}}),
    )
    .await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    socket
}

/// A WebSocket speaking `graphql-transport-ws`, not yet initialised.
async fn open(app: &TestApp) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next protocol message, failing after five seconds.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("socket open")
            .expect("a frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
    send(
        socket,
        json!({"id": id, "type": "subscribe", "payload": {"query": query}}),
    )
    .await;
    // The server starts following changes as it runs the operation: give it a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn subscribers_see_each_matching_change_with_its_fields_and_actor() {
    let app = spawn_app().await;
    let mut socket = connect(&app).await;
    subscribe(
        &mut socket,
        "switches",
        "subscription { assetChanged(filter: {class: [SWITCH]}) { changedFields change { id operation actor } asset { assetTag name } } }",
    )
    .await;
    subscribe(
        &mut socket,
        "edges",
        "subscription { relationshipChanged(types: [CONNECTED_TO]) { change { operation } relationship { type } } }",
    )
    .await;
    subscribe(
        &mut socket,
        "changes",
        "subscription { ticketChanged(kind: [CHANGE]) { changedFields ticket { key status } } }",
    )
    .await;
    // A server is not a switch: its creation is not announced to this subscriber.
    let server = app
        .create(
            "Asset",
            json!({"name": "srv", "assetTag": "S-1", "class": "SERVER"}),
        )
        .await;
    let switch = app
        .create(
            "Asset",
            json!({"name": "sw", "assetTag": "W-1", "class": "SWITCH"}),
        )
        .await;
    let created = next(&mut socket).await;
    assert_eq!(created["id"], "switches", "{created}");
    let event = &created["payload"]["data"]["assetChanged"];
    assert_eq!(event["change"]["operation"], "CREATE");
    assert_eq!(event["change"]["actor"], "tester");
    assert_eq!(event["asset"], json!({"assetTag": "W-1", "name": "sw"}));
    let renamed = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { id }",
            json!({"id": switch, "name": "core switch"}),
        )
        .await;
    assert_eq!(renamed["userErrors"], json!([]));
    let updated = next(&mut socket).await;
    let event = &updated["payload"]["data"]["assetChanged"];
    assert_eq!(event["changedFields"], json!(["name"]));
    assert_eq!(event["asset"]["name"], "core switch");

    let related = crate::relations::relate(
        &app,
        json!({"source": server, "target": switch, "type": "CONNECTED_TO"}),
    )
    .await;
    assert_eq!(related["userErrors"], json!([]));
    let edge = next(&mut socket).await;
    assert_eq!(edge["id"], "edges");
    assert_eq!(
        edge["payload"]["data"]["relationshipChanged"],
        json!({"change": {"operation": "CREATE"}, "relationship": {"type": "CONNECTED_TO"}})
    );

    let upsert =
        "mutation($input: UpsertTicketInput!) { upsertTicket(input: $input) { node { id } } }";
    let incident = json!({"system": "jira", "key": "INC-1", "kind": "INCIDENT", "status": "OPEN", "summary": "down"});
    app.data(upsert, json!({"input": incident})).await;
    let change = json!({"system": "jira", "key": "CHG-1", "kind": "CHANGE", "status": "SCHEDULED", "summary": "swap"});
    app.data(upsert, json!({"input": change})).await;
    let ticket = next(&mut socket).await;
    assert_eq!(
        ticket["id"], "changes",
        "the incident is not a change: {ticket}"
    );
    assert_eq!(
        ticket["payload"]["data"]["ticketChanged"]["ticket"],
        json!({"key": "CHG-1", "status": "SCHEDULED"})
    );

    // A deleted asset is announced as it was, matched against the filter as it was.
    let unrelated = app
        .mutate(
            "unrelate",
            "DeleteInput",
            "deletedId",
            json!({"id": related["node"]["id"]}),
        )
        .await;
    assert_eq!(unrelated["userErrors"], json!([]), "{unrelated}");
    assert_eq!(next(&mut socket).await["id"], "edges");
    let deleted = app
        .mutate(
            "deleteAsset",
            "DeleteInput",
            "deletedId",
            json!({"id": switch}),
        )
        .await;
    assert_eq!(deleted["userErrors"], json!([]), "{deleted}");
    let gone = next(&mut socket).await;
    let event = &gone["payload"]["data"]["assetChanged"];
    assert_eq!(event["change"]["operation"], "DELETE");
    assert_eq!(event["asset"], Value::Null);
}

#[tokio::test]
async fn a_bad_subscription_is_refused_with_an_error_message() {
    let app = spawn_app().await;
    let mut socket = connect(&app).await;
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { assetChanged(filter: {locationWithin: \"nope\"}) { changedFields } }"}}),
    )
    .await;
    let refused = next(&mut socket).await;
    assert_eq!(refused["id"], "1");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );
    // A document that does not validate is refused with the reason.
    send(
        &mut socket,
        json!({"id": "2", "type": "subscribe", "payload": {"query": "subscription { assetChanged { noSuchField } }"}}),
    )
    .await;
    assert_eq!(
        next(&mut socket).await["type"],
        "complete",
        "the first one ends"
    );
    let invalid = next(&mut socket).await;
    assert_eq!(invalid["id"], "2");
    let message = invalid["payload"]["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("Unknown field"), "{invalid}");
}

#[tokio::test]
async fn a_connection_without_a_valid_token_is_closed_at_init() {
    let app = spawn_app().await;
    for payload in [
        json!({}),
        json!({"Authorization": "Bearer agt_not-a-real-token-0000"}),
    ] {
        let mut socket = open(&app).await;
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": payload}),
        )
        .await;
        let closed = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an answer within 5 s");
        match closed {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), 1002, "{frame:?}");
                assert!(frame.reason.contains("token"), "{frame:?}");
            }
            other => panic!("expected the socket closed as forbidden, got {other:?}"),
        }
    }
}
