//! SPEC U4 with the real binary: `stint audit export` over HTTP and from the database, `stint audit
//! verify` on an export and on a SQLite database, `stint audit head`; and each way of tampering
//! with a copy (an edit, a deletion, a reordering, an insertion) named at the right event.
#![allow(clippy::unwrap_used)]

mod audit_kit;
mod common;

use std::path::{Path, PathBuf};

use audit_kit::{stderr, stdout, stint, succeeded, Server};
use serde_json::Value;
use sqlx::{Connection, SqliteConnection};
use stint_core::audit::{chain_hash, AuditEvent};
use tempfile::TempDir;

/// A server with a chain of a dozen events or more, in a directory of its own.
struct World {
    directory: TempDir,
    database: String,
    server: Server,
    token: String,
}

impl World {
    fn new() -> World {
        let directory = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}", directory.path().join("stint.db").display());
        let server = Server::start(&database);
        let token = server.admin_token();
        let http = reqwest::blocking::Client::new();
        for n in 0..12 {
            server.advance_clock(&http, &token);
            server
                .create_group(&http, &token, &format!("audited-{n}"))
                .expect("the group is created");
        }
        World {
            directory,
            database,
            server,
            token,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.directory.path().join(name)
    }

    fn stint(&self, args: &[&str]) -> std::process::Output {
        self.server.stint(&self.token, args, &self.path("config"))
    }

    /// A consistent copy of the live database, to tamper with.
    fn copy(&self, name: &str) -> PathBuf {
        let copy = self.path(name);
        succeeded(&stint(&[
            "backup",
            "--database",
            &self.database,
            "--to",
            copy.to_str().unwrap(),
        ]));
        copy
    }
}

/// What `stint --output json ARGS` printed, once it succeeded.
fn json_of(args: &[&str]) -> Value {
    let mut all = vec!["--output", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&succeeded(&stint(&all))).unwrap()
}

/// An export's header and events.
fn read_export(text: &str) -> (Value, Vec<AuditEvent>) {
    let mut lines = text.lines();
    let header = serde_json::from_str(lines.next().unwrap()).unwrap();
    let events = lines
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (header, events)
}

fn write_export(path: &Path, header: &Value, events: &[AuditEvent]) {
    let mut text = format!("{header}\n");
    for event in events {
        text.push_str(&serde_json::to_string(event).unwrap());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// `stint audit verify --output json` on `source` (`--file` or `--database`): it must fail with
/// exit code 1, a plain message on stderr, and the verdict; returns the sequence and the problem.
fn broken_at(source: &[&str]) -> (u64, String) {
    let mut args = vec!["--output", "json", "audit", "verify"];
    args.extend_from_slice(source);
    let output = stint(&args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is broken at event"),
        "{}",
        stderr(&output)
    );
    let verdict: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(verdict["verified"], false);
    (
        verdict["sequence"].as_u64().unwrap(),
        verdict["problem"].as_str().unwrap().to_string(),
    )
}

/// A forged event that links properly to `after`, made by someone who knows the hash function.
fn forged(after: &AuditEvent, sequence: u64) -> AuditEvent {
    let mut record = after.record.clone();
    record.id = uuid::Uuid::new_v4();
    record.message = "Nothing to see here.".into();
    AuditEvent {
        sequence,
        hash: chain_hash(&after.hash, sequence, &record),
        previous_hash: after.hash.clone(),
        record,
    }
}

#[test]
fn u4_a_clean_chain_exports_and_verifies_over_http_and_from_the_database() {
    let world = World::new();
    let exported = succeeded(&world.stint(&["audit", "export"]));
    let (header, events) = read_export(&exported);
    assert_eq!(header["stintAuditExport"], 1);
    assert!(events.len() >= 12, "{} events", events.len());
    assert_eq!(events[0].sequence, 1);
    let last = events.last().unwrap();
    assert_eq!(header["head"]["sequence"], last.sequence);
    assert_eq!(header["head"]["hash"], last.hash.as_str());

    let file = world.path("audit.jsonl");
    std::fs::write(&file, &exported).unwrap();
    let verified = succeeded(&stint(&[
        "audit",
        "verify",
        "--file",
        file.to_str().unwrap(),
    ]));
    assert!(verified.contains("verifies"), "{verified}");
    assert!(verified.contains(&last.hash), "{verified}");
    let anchor = format!("{}:{}", events[3].sequence, events[3].hash);
    let file_path = file.to_str().unwrap();
    succeeded(&stint(&[
        "audit", "verify", "--file", file_path, "--anchor", &anchor,
    ]));
    let wrong = format!("{}:{}", events[3].sequence, events[4].hash);
    assert_eq!(
        broken_at(&["--file", file_path, "--anchor", &wrong]),
        (4, "notTheHead".into())
    );

    // The database says the same, read directly: its chain starts with the same events.
    let direct = succeeded(&stint(&["audit", "export", "--database", &world.database]));
    let (_, direct_events) = read_export(&direct);
    assert_eq!(direct_events[..events.len()], events[..]);
    let verdict: Value = json_of(&["audit", "verify", "--database", &world.database]);
    assert_eq!(verdict["verified"], true);
    assert_eq!(verdict["first"], 1);

    // The head, over HTTP and from the database, is the chain's newest event.
    let head: Value = json_of(&["audit", "head", "--database", &world.database]);
    assert_eq!(head["sequence"], verdict["head"]["sequence"]);
    assert_eq!(head["hash"], verdict["head"]["hash"]);
    let over_http: Value = serde_json::from_str(&succeeded(
        &world.stint(&["--output", "json", "audit", "head"]),
    ))
    .unwrap();
    assert!(over_http["sequence"].as_u64() >= Some(last.sequence));
}

#[test]
fn u4_a_partial_export_verifies_and_listing_still_works() {
    let world = World::new();
    let (_, events) = read_export(&succeeded(&world.stint(&["audit", "export"])));
    let since = events[5].record.at.to_rfc3339();
    let partial = succeeded(&world.stint(&["audit", "export", "--since", &since]));
    let (header, tail) = read_export(&partial);
    assert!(header["since"].is_string());
    assert!(
        tail[0].sequence > 1,
        "the export starts at event {}",
        tail[0].sequence
    );
    assert!(tail[0].sequence <= events[5].sequence);
    let file = world.path("partial.jsonl");
    std::fs::write(&file, &partial).unwrap();
    succeeded(&stint(&[
        "audit",
        "verify",
        "--file",
        file.to_str().unwrap(),
    ]));

    // `stint audit` without a subcommand lists as before.
    let listed: Value = serde_json::from_str(&succeeded(
        &world.stint(&["--output", "json", "audit", "--limit", "3"]),
    ))
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    let usage = world.stint(&["audit", "--limit", "3", "verify", "--file", "x"]);
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));
}

#[test]
fn u4_verify_names_the_edited_deleted_reordered_and_inserted_event_of_an_export() {
    let world = World::new();
    let (header, events) = read_export(&succeeded(&world.stint(&["audit", "export"])));
    let file = world.path("tampered.jsonl");
    let source = ["--file", file.to_str().unwrap()];
    let at = |sequence: u64| (sequence - 1) as usize;

    let mut edited = events.clone();
    edited[at(5)].record.message = "Nothing happened.".into();
    write_export(&file, &header, &edited);
    assert_eq!(broken_at(&source), (5, "edited".into()));

    let mut deleted = events.clone();
    deleted.remove(at(6));
    write_export(&file, &header, &deleted);
    assert_eq!(broken_at(&source), (6, "missing".into()));

    let mut reordered = events.clone();
    reordered.swap(at(7), at(8));
    write_export(&file, &header, &reordered);
    assert_eq!(broken_at(&source), (8, "reordered".into()));

    let mut inserted = events.clone();
    inserted.insert(at(9), forged(&events[at(8)], 9));
    write_export(&file, &header, &inserted);
    assert_eq!(broken_at(&source), (9, "inserted".into()));

    let cut = &events[..events.len() - 2];
    write_export(&file, &header, cut);
    assert_eq!(
        broken_at(&source),
        (events.len() as u64 - 1, "truncated".into())
    );

    std::fs::write(&file, "not an export\n").unwrap();
    let output = stint(&["audit", "verify", "--file", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not an export"),
        "{}",
        stderr(&output)
    );
}

/// Runs `statements` on the SQLite file at `path`.
fn tamper(path: &Path, statements: &[String]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", path.display());
        let mut connection = SqliteConnection::connect(&url).await.unwrap();
        for statement in statements {
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
        connection.close().await.unwrap();
    });
}

#[test]
fn u4_verify_names_the_edited_deleted_reordered_and_inserted_event_of_a_database() {
    let world = World::new();
    let (_, events) = read_export(&succeeded(&world.stint(&["audit", "export"])));
    let verify = |copy: &Path| broken_at(&["--database", copy.to_str().unwrap()]);

    let copy = world.copy("edited.db");
    tamper(
        &copy,
        &["UPDATE audit_events SET doc = json_set(doc, '$.message', 'Nothing happened.') WHERE sequence = 5".into()],
    );
    assert_eq!(verify(&copy), (5, "edited".into()));

    let copy = world.copy("deleted.db");
    tamper(
        &copy,
        &["DELETE FROM audit_events WHERE sequence = 6".into()],
    );
    assert_eq!(verify(&copy), (6, "missing".into()));

    let copy = world.copy("reordered.db");
    tamper(
        &copy,
        &[
            "UPDATE audit_events SET sequence = -7 WHERE sequence = 7".into(),
            "UPDATE audit_events SET sequence = 7 WHERE sequence = 8".into(),
            "UPDATE audit_events SET sequence = 8 WHERE sequence = -7".into(),
        ],
    );
    assert_eq!(verify(&copy), (7, "reordered".into()));

    let copy = world.copy("inserted.db");
    let fake = forged(&events[7], 9);
    let doc = serde_json::to_string(&fake.record)
        .unwrap()
        .replace('\'', "''");
    tamper(
        &copy,
        &[
            "UPDATE audit_events SET sequence = sequence + 1000000 WHERE sequence >= 9".into(),
            "UPDATE audit_events SET sequence = sequence - 999999 WHERE sequence >= 1000000".into(),
            format!(
                "INSERT INTO audit_events (sequence, id, at, action, outcome, doc, previous_hash, hash)
                 VALUES (9, '{}', '{}', '{}', 'success', '{doc}', '{}', '{}')",
                fake.record.id,
                fake.record.at.to_rfc3339(),
                fake.record.action,
                fake.previous_hash,
                fake.hash
            ),
        ],
    );
    assert_eq!(verify(&copy), (9, "inserted".into()));

    // A chain cut at its end still verifies, but not against the head anchored before.
    let copy = world.copy("cut.db");
    let anchored = &events[11];
    tamper(
        &copy,
        &["DELETE FROM audit_events WHERE sequence >= 10".into()],
    );
    let copy_path = copy.to_str().unwrap();
    succeeded(&stint(&["audit", "verify", "--database", copy_path]));
    let anchor = format!("{}:{}", anchored.sequence, anchored.hash);
    assert_eq!(
        broken_at(&["--database", copy_path, "--anchor", &anchor]),
        (10, "truncated".into())
    );

    // The untouched copy verifies.
    let clean = world.copy("clean.db");
    succeeded(&stint(&[
        "audit",
        "verify",
        "--database",
        clean.to_str().unwrap(),
    ]));
    let missing = stint(&["audit", "verify", "--database", "/nonexistent/stint.db"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no SQLite database"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn u4_only_those_who_may_read_the_whole_audit_may_export_it() {
    let world = World::new();
    let http = reqwest::blocking::Client::new();
    let response = http
        .post(format!("{}/v1.0/users", world.server.base))
        .bearer_auth(&world.token)
        .json(
            &serde_json::json!({"accountEnabled": true, "displayName": "Eve",
            "userPrincipalName": "eve", "passwordProfile": {"password": "eve-password-1"}}),
        )
        .send()
        .unwrap();
    assert_eq!(response.status(), 201);
    let eve = world.server.token("eve", "eve-password-1");
    let output = world
        .server
        .stint(&eve, &["audit", "export"], &world.path("eve"));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).contains("Global Administrator"),
        "{}",
        stderr(&output)
    );
}

#[common::both_backends]
async fn u4_export_verify_and_head_read_either_store_directly() {
    let fresh = common::Database::fresh().await;
    let database = fresh.url().to_string();
    common::blocking(|| {
        let server = Server::start(&database);
        let token = server.admin_token();
        let http = reqwest::blocking::Client::new();
        for n in 0..3 {
            server
                .create_group(&http, &token, &format!("g{n}"))
                .unwrap();
        }
        let (header, events) = read_export(&succeeded(&stint(&[
            "audit",
            "export",
            "--database",
            &database,
        ])));
        assert!(events.len() >= 3);
        let verdict: Value = json_of(&["audit", "verify", "--database", &database]);
        assert_eq!(verdict["verified"], true);
        let head: Value = json_of(&["audit", "head", "--database", &database]);
        assert!(head["sequence"].as_u64() >= header["head"]["sequence"].as_u64());
        assert!(head["sequence"].as_u64() >= verdict["head"]["sequence"].as_u64());
    });
}
