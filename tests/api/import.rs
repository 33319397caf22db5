//! `assetgraph import` and `export` as an operator runs them: the example CSV from `seed/` into
//! an embedded store (bad rows reported by line, good rows in), `--atomic` writing nothing when a
//! row is refused, and an export re-imported changing nothing.

use assetgraph::domain::access::Role;
use std::process::{Command, Output};

fn assetgraph(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assetgraph"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run assetgraph")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn count(summary: &str, decision: &str) -> usize {
    summary
        .lines()
        .find(|l| l.starts_with(&format!("| {decision} |")))
        .and_then(|l| l.split('|').nth(2))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {decision} row in {summary}"))
}

#[test]
fn the_example_csv_imports_and_an_export_re_imports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("surrealkv://{}", dir.path().join("store").display());
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/seed/discovery-example.csv");

    // --atomic: the last row has a bad MAC, so nothing is written.
    let atomic = assetgraph(&[
        "import", "--db", &db, "--source", "sccm", "--format", "csv", "--atomic", example,
    ]);
    assert_eq!(atomic.status.code(), Some(2), "{}", stdout(&atomic));
    assert!(stdout(&atomic).contains("nothing was written"));

    let first = assetgraph(&[
        "import", "--db", &db, "--source", "sccm", "--format", "csv", example,
    ]);
    let summary = stdout(&first);
    assert_eq!(
        first.status.code(),
        Some(2),
        "a refused row makes the exit code 2: {summary}"
    );
    assert_eq!(count(&summary, "CREATED"), 6, "{summary}");
    assert_eq!(count(&summary, "REJECTED"), 1);
    assert!(summary.contains("line 8: macAddresses"), "{summary}");

    // The switch came after the server that is connected to it: the second run relates them.
    let again = assetgraph(&[
        "import", "--db", &db, "--source", "sccm", "--format", "csv", example,
    ]);
    assert_eq!(count(&stdout(&again), "UPDATED"), 1, "{}", stdout(&again));
    assert_eq!(count(&stdout(&again), "UNCHANGED"), 5);
    let third = assetgraph(&[
        "import", "--db", &db, "--source", "sccm", "--format", "csv", example,
    ]);
    assert_eq!(count(&stdout(&third), "UNCHANGED"), 6, "{}", stdout(&third));

    for format in ["csv", "json"] {
        let file = dir.path().join(format!("export.{format}"));
        let export = assetgraph(&[
            "export",
            "--db",
            &db,
            "--format",
            format,
            file.to_str().unwrap(),
        ]);
        assert!(
            export.status.success(),
            "{}",
            String::from_utf8_lossy(&export.stderr)
        );
        let back = assetgraph(&[
            "import",
            "--db",
            &db,
            "--source",
            "export",
            "--format",
            format,
            file.to_str().unwrap(),
        ]);
        let summary = stdout(&back);
        assert!(back.status.success(), "{summary}");
        assert_eq!(count(&summary, "UNCHANGED"), 6, "{format}: {summary}");
        assert_eq!(
            count(&summary, "UPDATED") + count(&summary, "CREATED"),
            0,
            "{format}: {summary}"
        );
    }

    let dry = assetgraph(&[
        "import",
        "--db",
        &db,
        "--source",
        "other",
        "--format",
        "json",
        "--dry-run",
        "-",
    ]);
    assert_ne!(
        dry.status.code(),
        Some(0),
        "no file on standard input is an error"
    );
}

#[tokio::test]
async fn import_sends_the_records_to_a_running_server() {
    let app = crate::helpers::spawn_app().await;
    let url = app.url("");
    let token = app.token("sccm-feed", Role::Integrator).await;
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/seed/discovery-example.csv");
    let output = tokio::task::spawn_blocking(move || {
        assetgraph(&[
            "import", "--server", &url, "--token", &token, "--source", "sccm", "--format", "csv",
            example,
        ])
    })
    .await
    .unwrap();
    let summary = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{summary}");
    assert_eq!(count(&summary, "CREATED"), 6, "{summary}");
    assert!(summary.contains("line 8: macAddresses"), "{summary}");
    let unmanaged = app
        .data("{ unmanagedAssets { totalCount } }", serde_json::json!({}))
        .await;
    assert_eq!(
        unmanaged["unmanagedAssets"]["totalCount"],
        serde_json::json!(6)
    );
}
