//! A dear question runs off the async workers: on a server with a single async worker, `{ me }`
//! is still answered at once while the impact of a hub with a hundred thousand dependants runs
//! back to back.

use std::time::{Duration, Instant};

use assetgraph::api;
use assetgraph::domain::access::{Actor, Role};
use assetgraph::domain::kernel::{EntityId, EntityKind, NodeRef};
use assetgraph::domain::relationships::RelationType;
use assetgraph::graph::{EdgeSpec, GraphIndex};
use assetgraph::service::kernel::Register;
use assetgraph::store::Store;
use serde_json::{Value, json};

/// Entities depending on the hub, in chains of ten: a walk a debug build takes a while over.
const DEPENDANTS: usize = 100_000;

fn asset(n: usize) -> NodeRef {
    NodeRef::asset(&EntityId::parse(&format!("load-{n:06}")).unwrap())
}

/// A register whose relationship index is a hub with many dependants (neither the assets nor
/// the relationships need be stored for an impact count).
async fn hub_register() -> Register {
    let mut index = GraphIndex::new();
    for n in 1..=DEPENDANTS {
        // Every tenth entity depends on the hub, the others on the one before them.
        let target = if n % 10 == 1 { 0 } else { n - 1 };
        let edge = EdgeSpec {
            source: asset(n),
            target: asset(target),
            relation: RelationType::DependsOn,
            criticality: 0,
            group: None,
        };
        index.insert(&edge).unwrap();
    }
    let store = Store::open("mem://").await.unwrap();
    Register::open(store).await.unwrap().with_graph(index)
}

async fn timed(client: &reqwest::Client, url: &str, query: &str) -> (Duration, Value) {
    let started = Instant::now();
    let answer = client
        .post(url)
        .json(&json!({"query": query}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (started.elapsed(), answer)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

// One async worker, as the harness runs every test: a question computed on it would hold up
// every other request until it finished.
#[tokio::test(flavor = "current_thread")]
async fn a_running_hub_impact_does_not_hold_up_other_requests() {
    let register = hub_register().await;
    let (_, secret) = register
        .create_token(&Actor::system("latency"), "latency", Role::Admin, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    api::spawn_with(listener, register, api::Limits::default());
    let client = crate::helpers::client_with(&secret);
    let hub = api::global_id(EntityKind::Asset, &asset(0).id);
    let impact =
        format!("{{ impact(input: {{failed: [\"{hub}\"]}}) {{ totals {{ affected }} }} }}");

    let (_, answer) = timed(&client, &url, &impact).await;
    assert_eq!(
        answer["data"]["impact"]["totals"]["affected"], DEPENDANTS,
        "{answer}"
    );
    // Second runs: the first pay for checking the token and for warming the allocator.
    let (alone, _) = timed(&client, &url, &impact).await;
    timed(&client, &url, "{ me { name } }").await;
    let (me_alone, _) = timed(&client, &url, "{ me { name } }").await;
    let busy_until = Instant::now() + alone * 8;
    let impacts = async {
        let mut runs = 0;
        while Instant::now() < busy_until {
            timed(&client, &url, &impact).await;
            runs += 1;
        }
        runs
    };
    let me = async {
        let mut waits = Vec::new();
        while Instant::now() < busy_until {
            let (waited, me) = timed(&client, &url, "{ me { name } }").await;
            assert_eq!(me["data"]["me"]["name"], "latency");
            waits.push(waited);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        waits
    };
    let (runs, waits) = tokio::join!(impacts, me);
    let typical = median(waits.clone());
    eprintln!(
        "hub impact alone {alone:?}, `me` alone {me_alone:?}; {runs} impacts, `me` median {typical:?} of {}",
        waits.len()
    );
    assert!(
        runs >= 4 && waits.len() >= 10,
        "{runs} impacts, {} answers of `me`",
        waits.len()
    );
    assert!(
        typical < me_alone + Duration::from_millis(10) && typical * 10 < alone,
        "the hub impact ({alone:?} alone) held `{{ me }}` up: median {typical:?} of {waits:?}"
    );
}
