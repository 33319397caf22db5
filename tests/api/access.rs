//! Access control over HTTP: tokens (issued, listed, used, revoked, expired), the door (401 for
//! everyone without a valid token, probes and GraphiQL excepted), and every role against every
//! kind of operation and field, refused ones answered FORBIDDEN with nothing changed.

use std::time::Duration;

use assetgraph::domain::access::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, fixture, server_input, spawn_app};

const ME: &str = "{ me { name role } }";

async fn status_of(app: &TestApp, secret: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url("/graphql"))
        .json(&json!({"query": ME}));
    if let Some(secret) = secret {
        request = request.bearer_auth(secret);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status == 401 {
        assert!(
            response.headers().contains_key("www-authenticate"),
            "a 401 says how to authenticate"
        );
    }
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn only_valid_tokens_get_past_the_door() {
    let app = spawn_app().await;
    for secret in [None, Some("agt_made-up-secret-00000000"), Some("x")] {
        let (status, body) = status_of(&app, secret).await;
        assert_eq!(status, 401, "{secret:?}: {body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let anonymous = reqwest::Client::new();
    for open in ["/healthz", "/readyz", "/"] {
        let response = anonymous.get(app.url(open)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{open} needs no token");
    }
    for closed in [
        "/graphql?query=%7B%20me%20%7B%20name%20%7D%20%7D",
        "/audit.csv",
    ] {
        let response = anonymous.get(app.url(closed)).send().await.unwrap();
        assert_eq!(response.status(), 401, "{closed} needs a token");
    }
    let viewer = app.token("reader", Role::Viewer).await;
    let (status, body) = status_of(&app, Some(&viewer)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["me"],
        json!({"name": "reader", "role": "VIEWER"})
    );
}

const CREATE_TOKEN: &str = "mutation($i: CreateTokenInput!) { createToken(input: $i) { secret token { id name role prefix active expiresAt createdBy } userErrors { field code message } } }";
const TOKENS: &str = "{ tokens { lastUsedAt token { id name role active revokedAt } } }";

async fn token_count(app: &TestApp) -> usize {
    app.data(TOKENS, json!({})).await["tokens"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn admins_issue_list_and_revoke_tokens_and_secrets_show_once() {
    let app = spawn_app().await;
    let created = app
        .data(
            CREATE_TOKEN,
            json!({"i": {"name": "cmdb-sync", "role": "INTEGRATOR"}}),
        )
        .await["createToken"]
        .clone();
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("agt_") && secret.len() >= 40, "{secret}");
    assert_eq!(created["token"]["role"], "INTEGRATOR");
    assert_eq!(created["token"]["createdBy"], "tester");
    assert!(secret.starts_with(created["token"]["prefix"].as_str().unwrap()));

    // The secret works, and using it is noted.
    let me = app.post_with(&secret, ME, json!({})).await;
    assert_eq!(me["data"]["me"]["name"], "cmdb-sync");
    let mut used = Value::Null;
    for _ in 0..50 {
        let listed = app.data(TOKENS, json!({})).await;
        used = listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["token"]["name"] == "cmdb-sync")
            .unwrap()
            .clone();
        if !used["lastUsedAt"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(used["lastUsedAt"].is_string(), "last use noted: {used}");
    // Nothing the API returns about a token holds its secret.
    let everything = app.data(TOKENS, json!({})).await.to_string();
    assert!(!everything.contains(&secret[4..]));

    // Bad input: a taken name, an expiry in the past, no role; nothing is created.
    let before = token_count(&app).await;
    let taken = app
        .data(
            CREATE_TOKEN,
            json!({"i": {"name": "cmdb-sync", "role": "VIEWER"}}),
        )
        .await["createToken"]
        .clone();
    assert_eq!(taken["userErrors"][0]["code"], "CONFLICT", "{taken}");
    let past = app
        .data(
            CREATE_TOKEN,
            json!({"i": {"name": "late", "role": "VIEWER", "expiresAt": "2020-01-01T00:00:00Z"}}),
        )
        .await["createToken"]
        .clone();
    assert_eq!(past["userErrors"][0]["field"], "expiresAt", "{past}");
    let no_role = app
        .post(CREATE_TOKEN, json!({"i": {"name": "roleless"}}))
        .await;
    assert_eq!(error_code(&no_role), "BAD_USER_INPUT");
    assert_eq!(token_count(&app).await, before);

    // Revoked: refused at once.
    let id = created["token"]["id"].clone();
    let revoked = app
        .data(
            "mutation($id: ID!) { revokeToken(id: $id) { token { active revokedAt } userErrors { code } } }",
            json!({"id": id}),
        )
        .await["revokeToken"]
        .clone();
    assert_eq!(revoked["token"]["active"], false, "{revoked}");
    let (status, _) = status_of(&app, Some(&secret)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let life = Duration::from_secs(4);
    let expires = std::time::Instant::now() + life;
    let soon = (chrono::Utc::now() + chrono::TimeDelta::from_std(life).unwrap()).to_rfc3339();
    let created = app
        .data(
            CREATE_TOKEN,
            json!({"i": {"name": "temp", "role": "VIEWER", "expiresAt": soon}}),
        )
        .await["createToken"]
        .clone();
    let secret = created["secret"].as_str().unwrap().to_string();
    let (before, _) = status_of(&app, Some(&secret)).await;
    // On a machine too busy to ask within the token's life, only the refusal can be checked.
    if std::time::Instant::now() < expires {
        assert_eq!(before, 200);
    }
    tokio::time::sleep_until((expires + Duration::from_millis(100)).into()).await;
    assert_eq!(status_of(&app, Some(&secret)).await.0, 401);
}

#[tokio::test]
async fn the_admin_token_from_the_environment_is_accepted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut options = crate::helpers::options("mem://", false);
    options.admin_token = Some("ops-provided-secret-123456".into());
    let readiness = assetgraph::api::spawn(listener, options);
    while readiness.get().is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let me: Value = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .bearer_auth("ops-provided-secret-123456")
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["me"]["role"], "ADMIN", "{me}");
}

/// Who may do something: `true` where the role is let through.
struct Case {
    what: &'static str,
    query: String,
    variables: Value,
    allowed: &'static [Role],
}

const EVERYONE: &[Role] = &Role::ALL;
const MONEY: &[Role] = &[Role::Finance, Role::Auditor, Role::Admin];

#[tokio::test]
async fn every_role_is_allowed_exactly_what_its_role_allows() {
    use Role::*;
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let asset = app.create("Asset", server_input(&f, "AG-1")).await;
    // A financial change in the asset's history.
    app.data(
        "mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { userErrors { code } } }",
        json!({"i": {"id": asset, "purchase": {"date": "2024-03-01", "cost": {"amount": "9100.00", "currency": "EUR"}}}}),
    )
    .await;
    let v = |value: Value| value;
    let cases = vec![
        Case { what: "read a name", query: "query($id: ID!) { asset(id: $id) { name } }".into(), variables: v(json!({"id": asset})), allowed: EVERYONE },
        Case { what: "read a purchase cost", query: "query($id: ID!) { asset(id: $id) { purchase { cost { amount } } } }".into(), variables: v(json!({"id": asset})), allowed: MONEY },
        Case { what: "read a book value", query: "query($id: ID!) { asset(id: $id) { bookValue { amount } } }".into(), variables: v(json!({"id": asset})), allowed: MONEY },
        Case { what: "read a cost through node(id:)", query: "query($id: ID!) { node(id: $id) { ... on Asset { purchase { cost { amount } } } } }".into(), variables: v(json!({"id": asset})), allowed: MONEY },
        Case { what: "read a cost nested in a list", query: "{ assets { edges { node { totalCostOfOwnership { total { amount } } } } } }".into(), variables: v(json!({})), allowed: MONEY },
        Case { what: "read a cost change in history", query: "query($id: ID!) { asset(id: $id) { history(last: 1) { edges { node { changes { field after } } } } } }".into(), variables: v(json!({"id": asset})), allowed: MONEY },
        Case { what: "read the finance summary", query: "{ financeSummary(groupBy: TEAM) { count } }".into(), variables: v(json!({})), allowed: MONEY },
        Case { what: "filter on cost", query: "{ assets(filter: {purchaseCost: {min: \"1\", currency: \"EUR\"}}) { totalCount } }".into(), variables: v(json!({})), allowed: MONEY },
        Case { what: "sort on cost", query: "{ assets(orderBy: {field: PURCHASE_COST}) { totalCount } }".into(), variables: v(json!({})), allowed: MONEY },
        Case { what: "read the audit log", query: "{ auditLog { totalCount } }".into(), variables: v(json!({})), allowed: &[Auditor, Admin] },
        Case { what: "verify the audit log", query: "{ verifyAuditLog { valid } }".into(), variables: v(json!({})), allowed: &[Auditor, Admin] },
        Case { what: "list tokens", query: "{ tokens { token { name } } }".into(), variables: v(json!({})), allowed: &[Admin] },
        Case { what: "list webhooks", query: "{ webhooks { id } }".into(), variables: v(json!({})), allowed: &[Integrator, Admin] },
        Case { what: "rename an asset", query: "mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { node { name } } }".into(), variables: v(json!({"i": {"id": asset, "name": "renamed by {role}"}})), allowed: &[Editor, Admin] },
        Case { what: "change a purchase cost", query: "mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { node { id } } }".into(), variables: v(json!({"i": {"id": asset, "purchase": {"date": "2024-03-01", "cost": {"amount": "920{n}.00", "currency": "EUR"}}}})), allowed: &[Finance, Admin] },
        Case { what: "create an asset", query: "mutation { createAsset(input: {name: \"new\", assetTag: \"NEW-1\", class: LAPTOP}) { node { id } } }".into(), variables: v(json!({})), allowed: &[Editor, Admin] },
        Case { what: "create a contract without cost", query: "mutation { createContract(input: {name: \"Support\", kind: SUPPORT, start: \"2025-01-01\"}) { node { id } } }".into(), variables: v(json!({})), allowed: &[Editor, Finance, Admin] },
        Case { what: "feed discovery", query: "mutation { ingestDiscovery(input: {source: \"scan\", records: [{hostname: \"h1\", class: \"SERVER\"}]}) { report { created } } }".into(), variables: v(json!({})), allowed: &[Editor, Integrator, Admin] },
        Case { what: "register a webhook", query: "mutation { createWebhook(input: {url: \"http://127.0.0.1:9/h\", events: [\"*\"], active: false}) { node { id } } }".into(), variables: v(json!({})), allowed: &[Integrator, Admin] },
        Case { what: "issue a token", query: "mutation($i: CreateTokenInput!) { createToken(input: $i) { secret } }".into(), variables: v(json!({"i": {"name": "child-of-{role}", "role": "VIEWER"}})), allowed: &[Admin] },
    ];
    for (n, role) in Role::ALL.into_iter().enumerate() {
        let secret = app.token(&format!("as-{}", role.name()), role).await;
        for case in &cases {
            // Each role's write differs from the last, so it is a change to allow or refuse.
            let variables: Value = serde_json::from_str(
                &case
                    .variables
                    .to_string()
                    .replace("{role}", role.name())
                    .replace("{n}", &n.to_string()),
            )
            .unwrap();
            let before = app.snapshot().await;
            let response = app.post_with(&secret, &case.query, variables).await;
            let refused = response["errors"].as_array().is_some_and(|errors| {
                errors
                    .iter()
                    .any(|e| e["extensions"]["code"] == "FORBIDDEN")
            });
            let expected = case.allowed.contains(&role);
            assert_eq!(
                !refused,
                expected,
                "{} as {}: {response}",
                case.what,
                role.name()
            );
            if refused {
                assert_eq!(
                    app.snapshot().await,
                    before,
                    "{} as {} was refused yet changed the register",
                    case.what,
                    role.name()
                );
            }
        }
    }
}

#[tokio::test]
async fn integrators_manage_only_their_own_webhooks_and_see_no_money_in_deliveries() {
    let app = spawn_app().await;
    let admin_hook = app
        .create(
            "Webhook",
            json!({"url": "http://127.0.0.1:9/a", "events": ["*"], "active": false}),
        )
        .await;
    let feed = app.token("feed", Role::Integrator).await;
    let listed = app.post_with(&feed, "{ webhooks { id } }", json!({})).await;
    assert_eq!(listed["data"]["webhooks"], json!([]), "{listed}");
    let delete = app
        .post_with(
            &feed,
            "mutation($i: DeleteInput!) { deleteWebhook(input: $i) { deletedId } }",
            json!({"i": {"id": admin_hook}}),
        )
        .await;
    assert_eq!(error_code(&delete), "FORBIDDEN", "{delete}");
    let own = app
        .post_with(
            &feed,
            "mutation { createWebhook(input: {url: \"http://127.0.0.1:9/f\", events: [\"*\"], active: false}) { node { id owner } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        own["data"]["createWebhook"]["node"]["owner"], "feed",
        "{own}"
    );
    let listed = app.post_with(&feed, "{ webhooks { id } }", json!({})).await;
    assert_eq!(listed["data"]["webhooks"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn audit_entries_name_the_token_and_role_and_the_log_exports_as_csv() {
    let app = spawn_app().await;
    let editor = app.token("jo", Role::Editor).await;
    let created = app
        .post_with(
            &editor,
            "mutation { createVendor(input: {name: \"HP\"}) { node { id } } }",
            json!({}),
        )
        .await;
    let vendor = created["data"]["createVendor"]["node"]["id"].clone();
    let log = app
        .data(
            "query($f: AuditLogFilter) { auditLog(filter: $f) { totalCount edges { node { actor actorRole operation entityId seq hash prevHash } } } }",
            json!({"f": {"actor": "jo"}}),
        )
        .await;
    let entries = &log["auditLog"];
    assert_eq!(entries["totalCount"], 1, "{log}");
    let entry = &entries["edges"][0]["node"];
    assert_eq!(entry["actorRole"], "EDITOR");
    assert_eq!(entry["entityId"], vendor);
    assert_eq!(entry["hash"].as_str().unwrap().len(), 64);

    let by_type = app
        .data(
            "{ auditLog(filter: {entityType: \"Vendor\", operation: CREATE}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(by_type["auditLog"]["totalCount"], 1);
    let bad = app
        .post(
            "{ auditLog(filter: {entityType: \"Spaceship\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");

    let csv = app
        .client
        .get(app.url("/audit.csv?actor=jo"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("seq,at,actor,actorRole"));
    assert!(lines.all(|l| l.contains(",jo,EDITOR,")), "{text}");
    let viewer = app.token("peek", Role::Viewer).await;
    let refused = reqwest::Client::new()
        .get(app.url("/audit.csv"))
        .bearer_auth(viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let bad_filter = app
        .client
        .get(app.url("/audit.csv?from=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_filter.status(), 400);

    let verified = app
        .data(
            "{ verifyAuditLog { valid checked headSeq unchainedEntries firstBreak { seq } } }",
            json!({}),
        )
        .await["verifyAuditLog"]
        .clone();
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(verified["checked"], verified["headSeq"]);
    assert!(verified["checked"].as_u64().unwrap() >= 2);
}
