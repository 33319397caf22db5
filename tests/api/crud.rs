//! Create, read, update and delete for every entity, with their audit entries.

use serde_json::json;

use crate::helpers::{codes, fixture, server_input, spawn_app};

const ASSET_FIELDS: &str = "id version name assetTag serialNumber manufacturer class category lifecycleStage status
    owner { __typename ... on Team { name } ... on Person { name } } assignee { name } location { name parent { name } }
    vendor { name } model { name manufacturer } purchase { date cost { amount currency } orderNumber invoiceNumber }
    warrantyEnd underWarranty notes tags attributes externalIds { source key } createdAt updatedAt";

#[tokio::test]
async fn asset_round_trip_create_read_update_delete() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let created = app
        .mutate(
            "createAsset",
            "CreateAssetInput",
            &format!("node {{ {ASSET_FIELDS} }}"),
            server_input(&f, "AG-1"),
        )
        .await;
    assert_eq!(created["userErrors"], json!([]));
    let asset = &created["node"];
    assert_eq!(asset["category"], "HARDWARE");
    assert_eq!(asset["version"], 1);
    assert_eq!(
        asset["owner"],
        json!({"__typename": "Team", "name": "IT Infrastructure"})
    );
    assert_eq!(
        asset["location"],
        json!({"name": "Server Room", "parent": {"name": "Hamburg HQ"}})
    );
    assert_eq!(asset["model"]["name"], "PowerEdge R750");
    assert_eq!(
        asset["purchase"]["cost"],
        json!({"amount": "8999.50", "currency": "EUR"})
    );
    assert_eq!(asset["tags"], json!(["production", "database"]));
    assert_eq!(asset["attributes"]["cpuCores"], 32);
    assert_eq!(asset["underWarranty"], true);
    let id = asset["id"].as_str().unwrap();

    // Reads by id, tag, serial and through node().
    let read = app
        .data(
            "query($id: ID!) { asset(id: $id) { assetTag } assetByTag(tag: \"AG-1\") { id } assetBySerial(serial: \"SN-AG-1\", manufacturer: \"dell\") { id } node(id: $id) { id ... on Asset { name } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(read["asset"]["assetTag"], "AG-1");
    assert_eq!(read["assetByTag"]["id"], id);
    assert_eq!(read["assetBySerial"]["id"], id);
    assert_eq!(read["node"]["name"], "server AG-1");

    // A partial update: absent fields stay, null clears, purchase merges.
    let updated = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            &format!("node {{ {ASSET_FIELDS} }}"),
            json!({"id": id, "expectedVersion": 1, "name": "db01", "notes": "rebuilt", "assignee": null,
                   "purchase": {"invoiceNumber": "INV-9"}, "attributes": {"cpuCores": 64}}),
        )
        .await;
    assert_eq!(updated["userErrors"], json!([]));
    let node = &updated["node"];
    assert_eq!(node["version"], 2);
    assert_eq!(node["name"], "db01");
    assert_eq!(node["assignee"], json!(null));
    assert_eq!(node["purchase"]["orderNumber"], "PO-1");
    assert_eq!(node["purchase"]["invoiceNumber"], "INV-9");
    assert_eq!(node["attributes"]["cpuCores"], 64);
    assert_eq!(node["attributes"]["hostname"], "AG-1.example.com");

    // The history tells who changed what.
    let history = app
        .data(
            "query($id: ID!) { asset(id: $id) { history { totalCount edges { node { actor operation requestId entityId changes { field before after } } } } } }",
            json!({"id": id}),
        )
        .await;
    let entries = &history["asset"]["history"];
    assert_eq!(entries["totalCount"], 2);
    let update = &entries["edges"][1]["node"];
    assert_eq!(update["operation"], "UPDATE");
    assert_eq!(update["actor"], "tester");
    assert_eq!(update["entityId"], id);
    let changes = update["changes"].as_array().unwrap();
    let fields: Vec<&str> = changes
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "assignee",
            "attributes.cpuCores",
            "name",
            "notes",
            "purchase.invoiceNumber"
        ]
    );
    assert_eq!(changes[2]["before"], "server AG-1");
    assert_eq!(changes[2]["after"], "db01");
    assert_eq!(changes[3]["before"], json!(null));
    assert_eq!(entries["edges"][0]["node"]["operation"], "CREATE");

    // Required fields cannot be cleared: null leaves them as they are. Optional purchase fields can.
    let cleared = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { version name lifecycleStage purchase { orderNumber invoiceNumber } }",
            json!({"id": id, "name": null, "purchase": {"orderNumber": null}}),
        )
        .await;
    assert_eq!(cleared["userErrors"], json!([]));
    assert_eq!(cleared["node"]["name"], "db01");
    assert_eq!(cleared["node"]["lifecycleStage"], "DEPLOYED");
    assert_eq!(
        cleared["node"]["purchase"],
        json!({"orderNumber": null, "invoiceNumber": "INV-9"})
    );
    assert_eq!(cleared["node"]["version"], 3);

    // An update that changes nothing writes nothing.
    let same = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { version }",
            json!({"id": id, "name": "db01"}),
        )
        .await;
    assert_eq!(same["node"]["version"], 3);

    let deleted = app
        .mutate(
            "deleteAsset",
            "DeleteInput",
            "deletedId",
            json!({"id": id, "expectedVersion": 3}),
        )
        .await;
    assert_eq!(deleted["deletedId"], id);
    let gone = app
        .data(
            "query($id: ID!) { asset(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(gone["asset"], json!(null));
}

#[tokio::test]
async fn people_teams_locations_vendors_models_round_trip() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let manager = app
        .create(
            "Person",
            json!({"name": "Grace Hopper", "email": "GRACE@example.com", "team": f.team}),
        )
        .await;
    let child_team = app
        .create("Team", json!({"name": "Network", "parent": f.team}))
        .await;
    let updated = app
        .mutate(
            "updatePerson",
            "UpdatePersonInput",
            "node { name email manager { name } team { name } version }",
            json!({"id": f.person, "manager": manager, "team": child_team, "title": "Engineer"}),
        )
        .await;
    assert_eq!(updated["userErrors"], json!([]));
    assert_eq!(updated["node"]["manager"]["name"], "Grace Hopper");
    assert_eq!(updated["node"]["team"]["name"], "Network");

    let read = app
        .data(
            "query($team: ID!, $manager: ID!, $site: ID!, $vendor: ID!) {
               team(id: $team) { name costCentre children { totalCount edges { node { name parent { name } } } } members { totalCount } }
               person(id: $manager) { email reports { edges { node { name } } } }
               location(id: $site) { kind children { edges { node { name kind } } } }
               vendor(id: $vendor) { website models { edges { node { name } } } }
             }",
            json!({"team": f.team, "manager": manager, "site": f.site, "vendor": f.vendor}),
        )
        .await;
    assert_eq!(
        read["team"]["children"]["edges"][0]["node"],
        json!({"name": "Network", "parent": {"name": "IT Infrastructure"}})
    );
    assert_eq!(read["team"]["members"]["totalCount"], 1);
    assert_eq!(read["person"]["email"], "grace@example.com");
    assert_eq!(
        read["person"]["reports"]["edges"][0]["node"]["name"],
        "Ada Lovelace"
    );
    assert_eq!(
        read["location"]["children"]["edges"][0]["node"],
        json!({"name": "Server Room", "kind": "ROOM"})
    );
    assert_eq!(
        read["vendor"]["models"]["edges"][0]["node"]["name"],
        "PowerEdge R750"
    );

    for (entity, id, change) in [
        ("Team", &f.team, json!({"costCentre": "CC-4001"})),
        (
            "Location",
            &f.site,
            json!({"address": "Großer Burstah 12, Hamburg"}),
        ),
        (
            "Vendor",
            &f.vendor,
            json!({"supportEmail": "support@dell.example"}),
        ),
        ("Model", &f.model, json!({"endOfSupport": "2031-06-30"})),
    ] {
        let mut input = change.clone();
        input["id"] = json!(id);
        input["expectedVersion"] = json!(1);
        let payload = app
            .mutate(
                &format!("update{entity}"),
                &format!("Update{entity}Input"),
                "node { version history { totalCount } }",
                input,
            )
            .await;
        assert_eq!(payload["userErrors"], json!([]), "{entity}");
        assert_eq!(payload["node"]["version"], 2, "{entity}");
        assert_eq!(payload["node"]["history"]["totalCount"], 2, "{entity}");
    }

    // Deleting works once nothing refers to the entity any more.
    let free_vendor = app
        .create("Vendor", json!({"name": "Spare Parts Ltd"}))
        .await;
    let free_team = app.create("Team", json!({"name": "Temporary"})).await;
    let free_room = app
        .create("Location", json!({"name": "Store room", "kind": "ROOM"}))
        .await;
    let free_model = app
        .create(
            "Model",
            json!({"name": "X1", "manufacturer": "Acme", "category": "HARDWARE"}),
        )
        .await;
    for (entity, id) in [
        ("Vendor", &free_vendor),
        ("Team", &free_team),
        ("Location", &free_room),
        ("Model", &free_model),
        ("Person", &manager),
    ] {
        if entity == "Person" {
            app.mutate(
                "updatePerson",
                "UpdatePersonInput",
                "node { id }",
                json!({"id": f.person, "manager": null}),
            )
            .await;
        }
        let payload = app
            .mutate(
                &format!("delete{entity}"),
                "DeleteInput",
                "deletedId",
                json!({"id": id}),
            )
            .await;
        assert_eq!(payload["deletedId"], json!(id), "{entity}: {payload}");
    }
}

#[tokio::test]
async fn the_actor_is_the_tokens_name_and_role_and_request_id_is_recorded() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "req-42")
        .json(&json!({"query": "mutation { createVendor(input: {name: \"Lenovo\"}) { node { history { edges { node { actor actorRole requestId } } } } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req-42");
    let body: serde_json::Value = response.json().await.unwrap();
    let entry = &body["data"]["createVendor"]["node"]["history"]["edges"][0]["node"];
    assert_eq!(
        entry,
        &json!({"actor": "tester", "actorRole": "ADMIN", "requestId": "req-42"})
    );

    // A request id that is not a plain token is replaced by one of ours.
    let forged = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "a b\"c")
        .json(&json!({"query": "{ assets { totalCount } }"}))
        .send()
        .await
        .unwrap();
    let id = forged.headers()["x-request-id"].to_str().unwrap();
    assert!(id.len() == 36 && id != "a b\"c", "{id}");
}

#[tokio::test]
async fn deleting_a_referenced_entity_is_refused_until_reassigned() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let asset = app.create("Asset", server_input(&f, "AG-7")).await;
    let refused = app
        .mutate(
            "deleteTeam",
            "DeleteInput",
            "deletedId",
            json!({"id": f.team}),
        )
        .await;
    assert_eq!(codes(&refused), ["IN_USE"]);
    let other = app.create("Team", json!({"name": "Platform"})).await;
    app.mutate(
        "updateAsset",
        "UpdateAssetInput",
        "node { id }",
        json!({"id": asset, "owner": {"team": other}}),
    )
    .await;
    app.mutate(
        "updatePerson",
        "UpdatePersonInput",
        "node { id }",
        json!({"id": f.person, "team": other}),
    )
    .await;
    let deleted = app
        .mutate(
            "deleteTeam",
            "DeleteInput",
            "deletedId",
            json!({"id": f.team}),
        )
        .await;
    assert_eq!(deleted["deletedId"], json!(f.team), "{deleted}");
}
