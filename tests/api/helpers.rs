//! The test harness: a real server on a fresh in-memory store, spoken to over HTTP.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assetgraph::api::{self, Readiness};
use assetgraph::domain::access::Actor;
use assetgraph::domain::access::Role;
use assetgraph::domain::events::Allowed;
use assetgraph::service::kernel::{Lookup, WebhookTargets};
use serde_json::{Value, json};

pub struct TestApp {
    pub addr: SocketAddr,
    /// Presents the `tester` admin token on every request.
    pub client: reqwest::Client,
    pub readiness: Readiness,
    /// The secret of every token made so far, by name.
    tokens: Mutex<HashMap<String, String>>,
}

/// The options every test server starts with, over `url`.
pub fn options(url: &str, demo: bool) -> api::Options {
    api::Options {
        url: url.to_string(),
        demo,
        fiscal_year_start: 1,
        admin_token: None,
        // Test receivers listen on loopback; no name is ever asked of a real resolver.
        webhook_targets: targets(&["127.0.0.1"], &Names::default()),
        query_threads: 0,
        // Tests fire dear queries (whole-register snapshots) back to back; the rate limit has
        // its own tests.
        limits: api::Limits {
            rate_per_second: 1 << 40,
            rate_burst: 1 << 40,
            ..api::Limits::default()
        },
    }
}

/// Host names for webhook targets, answered from a table the test fills (and may change).
#[derive(Clone, Default)]
pub struct Names(pub Arc<Mutex<HashMap<String, Vec<IpAddr>>>>);

impl Names {
    pub fn set(&self, host: &str, addresses: &[&str]) {
        let addresses = addresses.iter().map(|a| a.parse().unwrap()).collect();
        self.0.lock().unwrap().insert(host.to_string(), addresses);
    }
}

impl Lookup for Names {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send + 'a>> {
        let found = self.0.lock().unwrap().get(host).cloned();
        Box::pin(async move {
            found.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such host"))
        })
    }
}

/// Webhook targets allowing `allow` (as `--webhook-allow` would), with names from `names`.
pub fn targets(allow: &[&str], names: &Names) -> WebhookTargets {
    let allow: Vec<String> = allow.iter().map(|a| a.to_string()).collect();
    WebhookTargets::new(Allowed::parse(&allow).unwrap(), Arc::new(names.clone()))
}

/// A client presenting `secret` as its bearer token on every request.
pub fn client_with(secret: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse().expect("header value"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

/// Starts the server on port 0 over `mem://` and waits until it is ready.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(false).await
}

/// Like [`spawn_app`], with the demo company loaded.
pub async fn spawn_demo_app() -> TestApp {
    spawn_app_with(true).await
}

async fn spawn_app_with(demo: bool) -> TestApp {
    spawn_app_with_options(options("mem://", demo)).await
}

/// A server started with these options, ready, with the `tester` admin token.
pub async fn spawn_app_with_options(options: api::Options) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let readiness = api::spawn(listener, options);
    // Up to two minutes: the demo company loads slowly on a busy two-core machine.
    for _ in 0..2400 {
        if readiness.get().is_some_and(|r| r.lists_loaded()) {
            let mut app = TestApp {
                addr,
                client: reqwest::Client::new(),
                readiness,
                tokens: Mutex::default(),
            };
            app.client = client_with(&app.token("tester", Role::Admin).await);
            return app;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become ready");
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Store queries sent so far by this app.
    pub fn round_trips(&self) -> u64 {
        self.readiness.get().expect("ready").store().round_trips()
    }

    /// Posts a GraphQL request and returns the whole JSON response.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.post_as("tester", query, variables).await
    }

    /// The secret of token `name`, made with `role` the first time it is asked for.
    pub async fn token(&self, name: &str, role: Role) -> String {
        if let Some(secret) = self.tokens.lock().unwrap().get(name) {
            return secret.clone();
        }
        let (_, secret) = self
            .readiness
            .get()
            .expect("ready")
            .create_token(&Actor::system("harness"), name, role, None)
            .await
            .expect("token");
        self.tokens
            .lock()
            .unwrap()
            .insert(name.to_string(), secret.clone());
        secret
    }

    /// Posts as an admin token named `actor` (made on first use).
    pub async fn post_as(&self, actor: &str, query: &str, variables: Value) -> Value {
        let secret = self.token(actor, Role::Admin).await;
        self.post_with(&secret, query, variables).await
    }

    /// Posts presenting the token `secret`.
    pub async fn post_with(&self, secret: &str, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(secret)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request");
        response.json().await.expect("json response")
    }

    /// Posts and returns `data`, failing the test on any GraphQL error.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.post(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response}"
        );
        response["data"].clone()
    }

    /// Runs a create/update/delete mutation and returns its payload, failing on GraphQL errors.
    pub async fn mutate(
        &self,
        name: &str,
        input_type: &str,
        selection: &str,
        input: Value,
    ) -> Value {
        let query = format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} userErrors {{ field message code }} }} }}"
        );
        self.data(&query, json!({"input": input})).await[name].clone()
    }

    /// Creates an entity and returns its global id, failing on user errors.
    pub async fn create(&self, entity: &str, input: Value) -> String {
        let payload = self
            .mutate(
                &format!("create{entity}"),
                &format!("Create{entity}Input"),
                "node { id }",
                input,
            )
            .await;
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "create{entity} refused: {payload}"
        );
        payload["node"]["id"].as_str().unwrap().to_string()
    }

    /// Every entity id with its version: if this is unchanged, nothing was written.
    pub async fn snapshot(&self) -> Value {
        let lists = [
            "assets",
            "people",
            "teams",
            "locations",
            "vendors",
            "models",
            "softwareProducts",
            "entitlements",
            "subscriptions",
            "contracts",
        ];
        let selection: Vec<String> = lists
            .iter()
            .map(|l| {
                let extra = if *l == "assets" { " relationships { totalCount } maintenance { totalCount }" } else { "" };
                format!("{l}(first: 500) {{ totalCount edges {{ node {{ id version history {{ totalCount }}{extra} }} }} }}")
            })
            .collect();
        let approvals = "pendingApprovals(first: 500) { totalCount edges { node { id version } } }";
        self.data(
            &format!("{{ {} {approvals} }}", selection.join(" ")),
            json!({}),
        )
        .await
    }
}

/// The codes of a payload's user errors.
pub fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect()
}

/// The `extensions.code` of the first GraphQL error.
pub fn error_code(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no coded error in {response}"))
        .to_string()
}

/// A small company: one of each entity, wired together.
pub struct Fixture {
    pub vendor: String,
    pub team: String,
    pub person: String,
    pub site: String,
    pub room: String,
    pub model: String,
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let vendor = app
        .create(
            "Vendor",
            json!({"name": "Dell Technologies", "website": "https://www.dell.com"}),
        )
        .await;
    let team = app
        .create(
            "Team",
            json!({"name": "IT Infrastructure", "costCentre": "CC-4000"}),
        )
        .await;
    let person = app
        .create(
            "Person",
            json!({"name": "Ada Lovelace", "email": "ada@example.com", "team": team}),
        )
        .await;
    let site = app
        .create(
            "Location",
            json!({"name": "Hamburg HQ", "kind": "SITE", "address": "Hamburg"}),
        )
        .await;
    let room = app
        .create(
            "Location",
            json!({"name": "Server Room", "kind": "ROOM", "parent": site}),
        )
        .await;
    let model = app
        .create("Model", json!({"name": "PowerEdge R750", "manufacturer": "Dell", "category": "HARDWARE", "vendor": vendor, "usefulLifeMonths": 60}))
        .await;
    Fixture {
        vendor,
        team,
        person,
        site,
        room,
        model,
    }
}

/// A valid server asset input referencing the fixture.
pub fn server_input(f: &Fixture, tag: &str) -> Value {
    json!({
        "name": format!("server {tag}"),
        "assetTag": tag,
        "serialNumber": format!("SN-{tag}"),
        "manufacturer": "Dell",
        "class": "SERVER",
        "model": f.model,
        "lifecycleStage": "DEPLOYED",
        "status": "OPERATIONAL",
        "owner": {"team": f.team},
        "assignee": f.person,
        "location": f.room,
        "vendor": f.vendor,
        "purchase": {"date": "2024-03-01", "cost": {"amount": "8999.50", "currency": "EUR"}, "orderNumber": "PO-1"},
        "warrantyEnd": "2029-03-01",
        "tags": ["Production", "database"],
        "attributes": {"hostname": format!("{tag}.example.com"), "cpuCores": 32, "ipAddresses": ["10.0.0.1"]},
        "externalIds": [{"source": "sccm", "key": format!("SCCM-{tag}")}]
    })
}
